//! gmp-metal: Go's G/M/P scheduler on bare-metal x86_64.
//!
//! Every core is an M holding its own P; Gs (goroutines) are switched by raw
//! register context switches; the APIC timer plays sysmon. See `boot` for
//! the start-up path and `runtime` for the scheduler.
#![no_std]
#![no_main]
#![feature(abi_x86_interrupt)]

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

use bootloader_api::config::{BootloaderConfig, Mapping};
use bootloader_api::{BootInfo, entry_point};

/// What the kernel asks of the bootloader: all physical memory mapped (at a
/// dynamic offset) and a generous boot stack, which becomes M0's g0 stack.
pub static BOOTLOADER_CONFIG: BootloaderConfig = {
    let mut config = BootloaderConfig::new_default();
    config.mappings.physical_memory = Some(Mapping::Dynamic);
    config.kernel_stack_size = 256 * 1024;
    config
};

entry_point!(entry, config = &BOOTLOADER_CONFIG);

fn entry(boot_info: &'static mut BootInfo) -> ! {
    boot::kmain(boot_info)
}

/// The bootstrap core after every core is online.
pub fn main_m0() -> ! {
    exit::exit_qemu(exit::ExitCode::Success)
}

/// An application processor after every core is online.
pub fn main_ap(_m: &'static runtime::m::M) -> ! {
    arch::cpu::halt_forever()
}
