//! gmp-metal: Go's G/M/P scheduler on bare-metal x86_64.
//!
//! Every core is an M holding its own P; Gs (goroutines) are switched by raw
//! register context switches; the APIC timer plays sysmon. See `boot` for
//! the start-up path and `runtime` for the scheduler.
#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]
#![feature(allocator_api)]

extern crate alloc;

pub mod arch;
pub mod boot;
pub mod console;
pub mod exit;
pub mod mem;
pub mod options;
pub mod panic;
pub mod runtime;
pub mod sync;
pub mod workloads;

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};

/// What the kernel asks of the bootloader: all physical memory mapped (at a
/// dynamic offset) and a generous boot stack, which becomes M0's g0 stack.
pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.mappings.kernel_base = Mapping::FixedAddress(gmp_sched::layout::KERNEL_BASE);
    config.kernel_stack_size = 256 * 1024;
    config
};

entry_point!(entry, config = &BOOTLOADER_CONFIG);

fn entry(boot_info: &'static mut BootInfo) -> ! {
    boot::kmain(boot_info)
}

/// The bootstrap core after every core is online.
pub fn main_m0() -> ! {
    let opts = options::get();
    if opts.fault == "panic-ap" && runtime::m::mcount() < 2 {
        kprintln!("boot option error: fault=panic-ap needs at least 2 cores (use --smp 2 or more)");
        exit::exit_qemu(exit::ExitCode::Failure);
    }
    if opts.fault == "panic-ap" {
        // The last AP panics; its report ends the run.
        arch::cpu::halt_forever();
    }
    if opts.workload == "boot" && opts.fault == "none" {
        exit::exit_qemu(exit::ExitCode::Success);
    }
    runtime::start::start_m0()
}

/// An application processor after every core is online.
pub fn main_ap(m: &'static runtime::m::M) -> ! {
    if options::get().fault == "panic-ap" && m.id as usize == runtime::m::mcount() - 1 {
        panic!("deliberate panic (fault=panic-ap)");
    }
    runtime::start::start_ap()
}
