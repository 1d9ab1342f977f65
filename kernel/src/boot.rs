//! From the bootloader's hand-over to every core online — the counterpart of
//! Go's `rt0_go` → `schedinit` → `mstart`.
//!
//! Order matters and each step needs the one before: GS base (so every
//! print can name its M), console, memory (frames, page tables, heap,
//! stacks), boot options (they need the heap), the bootstrap core's GDT/TSS/
//! IDT, ACPI's core list, the APIC, and finally the other cores, which each
//! repeat the per-core part on their own stacks.

use core::sync::atomic::{AtomicBool, Ordering};

use bootloader_api::BootInfo;
use gmp_sched::cpus;

use crate::arch::{acpi, apic, gdt, idt, percpu, smp};
use crate::exit::{ExitCode, exit_qemu};
use crate::kprintln;
use crate::mem;
use crate::runtime::m::{self, ALLM, M, MAX_MS};

/// Set once every core that will come up is online.
static ALL_ONLINE: AtomicBool = AtomicBool::new(false);

/// The bootstrap core's entry from the bootloader.
pub fn kmain(boot_info: &'static mut BootInfo) -> ! {
    let m0 = &ALLM[0];
    m0.bind_self();
    // SAFETY: ALLM[0] is the bootstrap core's M and lives forever.
    unsafe { percpu::set_this_m(m0) };
    crate::console::init();
    mem::init(boot_info);
    crate::options::init();
    mem::check_wx();

    gdt::init_this_cpu();
    idt::load();
    crate::arch::pic::disable();
    // M0's g0 stack: the scheduler leaves the bootloader's stack behind.
    let g0 = mem::stack::alloc_system_stack(smp::G0_STACK_SIZE);
    m0.g0_stack_top.store(g0.top.as_u64(), Ordering::Relaxed);

    let rsdp = boot_info
        .rsdp_addr
        .into_option()
        .unwrap_or_else(|| fail("the bootloader found no ACPI RSDP"));
    let platform = acpi::read_platform(rsdp).unwrap_or_else(|e| fail(e));
    let apic_base = mem::paging::reserve_pml4_slot();
    apic::init_bsp(apic_base);
    apic::init_this_cpu();
    let bsp_apic = apic::id();
    let cores = cpus::core_list(bsp_apic, &platform.madt_cpus, MAX_MS).unwrap_or_else(|e| {
        kprintln!("core list error: {e}");
        exit_qemu(ExitCode::Failure)
    });
    if cores.left_out > 0 {
        kprintln!(
            "warning: {} cores left out (at most {MAX_MS} Ms)",
            cores.left_out
        );
    }
    m::set_mcount(cores.apic_ids.len());
    for (m, &apic_id) in ALLM.iter().zip(&cores.apic_ids) {
        m.apic_id.store(apic_id, Ordering::Relaxed);
        m.bind_self();
    }
    m0.online.store(true, Ordering::Release);
    kprintln!("M0 online (apic {bsp_apic})");

    let missing = smp::start_aps(&boot_info.memory_regions, ap_entry).unwrap_or_else(|e| fail(e));
    if !missing.is_empty() {
        for m in &missing {
            kprintln!("M{} (apic {}) never came online", m.id, m.apic());
        }
        exit_qemu(ExitCode::Failure);
    }
    ALL_ONLINE.store(true, Ordering::Release);
    kprintln!("all {} Ms online", m::mcount());
    crate::main_m0()
}

/// Where each application processor lands from the trampoline, on its own
/// g0 stack with interrupts off.
extern "C" fn ap_entry(m: &'static M) -> ! {
    // SAFETY: the bootstrap core handed this M to this core alone.
    unsafe { percpu::set_this_m(m) };
    gdt::init_this_cpu();
    idt::load();
    apic::init_this_cpu();
    let apic_id = apic::id();
    if apic_id != m.apic() {
        panic!(
            "M{} expected APIC id {} but runs on APIC id {apic_id}",
            m.id,
            m.apic()
        );
    }
    kprintln!("M{} online (apic {apic_id})", m.id);
    m.online.store(true, Ordering::Release);
    while !ALL_ONLINE.load(Ordering::Acquire) {
        core::hint::spin_loop();
    }
    crate::main_ap(m)
}

fn fail(why: &str) -> ! {
    kprintln!("boot failed: {why}");
    exit_qemu(ExitCode::Failure)
}
