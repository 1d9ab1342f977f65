//! Starting the application processors (INIT–SIPI–SIPI), all at once.
//!
//! The bootstrap core gives every AP a slot (its g0 stack and its M
//! record) in a table the trampoline searches by APIC id, then sends INIT
//! to every AP, waits 10 ms once, sends a start-up IPI to every AP, waits
//! 200 µs, sends a second one to those not yet online (a core that already
//! started ignores it), and waits — with one timeout for the whole batch —
//! for each M to mark itself online. A core that never answers gets INIT
//! again (so it cannot wake up later and run the trampoline after it is
//! gone) and is named in the report.
//!
//! Design note: until 2026-12 the APs were started one at a time, each
//! with its own 10 ms INIT wait and a wait for it to come online, and each
//! then spun on a flag. Under QEMU's TCG on a 2-core host the spinning cores
//! took the host from the bootstrap core, so each further AP took longer:
//! 255 cores needed 63 s to come online. docs/BRINGUP.md has the
//! measurements of both ways.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use bootloader_api::info::{MemoryRegionKind, MemoryRegions};
use x86_64::PhysAddr;
use x86_64::registers::control::Cr3;

use super::percpu::PerCpu;
use super::physmap::phys_to_virt;
use super::trampoline::{ApBoot, ApSlot, IdLeaf};
use super::{apic, pit, trampoline};

/// What starting the APs needs from the memory layer, which sits above
/// this one: `boot` implements it.
pub trait ApMemory {
    /// A fresh, guarded g0 stack of [`G0_STACK_SIZE`] bytes: its top.
    fn g0_stack(&mut self) -> u64;
    /// Identity-map the physical page at `phys` (writable, executable) in
    /// the kernel's page table, for the trampoline's switch to long mode.
    fn map_identity(&mut self, phys: u64) -> Result<(), &'static str>;
    /// Remove that mapping again.
    fn unmap_identity(&mut self, phys: u64);
}

/// Size of each AP's g0 stack (the scheduler's stack on that core).
pub const G0_STACK_SIZE: u64 = 64 * 1024;
/// How long the batch may take to come online: this much, plus
/// [`AP_TIMEOUT_EACH_MS`] per AP (under TCG every AP needs host time, and
/// a 2-core host gives 1024 virtual cores little each).
const AP_TIMEOUT_MS: u64 = 5_000;
const AP_TIMEOUT_EACH_MS: u64 = 50;

/// Two consecutive usable pages below 1 MiB: the trampoline and the PML4 copy.
fn pick_low_pages(map: &MemoryRegions) -> Option<u64> {
    const PAGE: u64 = 4096;
    let mut best = None;
    for r in map.iter().filter(|r| r.kind == MemoryRegionKind::Usable) {
        // Skip page 0 (real-mode IVT and BIOS data area) and stay below 1 MiB.
        let start = r.start.max(PAGE).next_multiple_of(PAGE);
        let end = r.end.min(0x10_0000) & !(PAGE - 1);
        if end >= start + 2 * PAGE {
            // The highest fitting pair keeps clear of low BIOS structures.
            best = Some(end - 2 * PAGE);
        }
    }
    best
}

/// Start every AP of `cpus` (the bootstrap core's record first, skipped),
/// each entering `ap_entry` with its own record on its own g0 stack.
/// Returns the records of the cores that never came online.
pub fn start_aps(
    map: &MemoryRegions,
    cpus: &[&'static PerCpu],
    mem: &mut dyn ApMemory,
    ap_entry: extern "C" fn(&'static PerCpu) -> !,
) -> Result<Vec<&'static PerCpu>, &'static str> {
    let aps = cpus.get(1..).unwrap_or_default();
    if aps.is_empty() {
        return Ok(Vec::new());
    }
    let low =
        pick_low_pages(map).ok_or("no usable pair of pages below 1 MiB for the AP trampoline")?;
    // Identity-map the trampoline page (executable) for the CR3 switch.
    mem.map_identity(low)
        .map_err(|_| "cannot identity-map the AP trampoline page")?;

    let copy = phys_to_virt(PhysAddr::new(low)).as_mut_ptr::<u8>();
    let blob = trampoline::blob();
    // SAFETY: the two low pages are usable RAM kept out of the frame
    // allocator; `copy` maps the first one and the blob fits in 4 KiB.
    unsafe {
        core::ptr::copy_nonoverlapping(blob.as_ptr(), copy, blob.len());
        trampoline::patch_base(copy, low as u32);
    }
    // The PML4 copy goes in the second page, *after* the identity mapping
    // exists, so the copy contains it too.
    let low_pml4 = low + 4096;
    let cr3 = Cr3::read().0.start_address().as_u64();
    // SAFETY: both are whole pages of mapped physical memory; the second low
    // page is ours.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(PhysAddr::new(cr3)).as_ptr::<u8>(),
            phys_to_virt(PhysAddr::new(low_pml4)).as_mut_ptr::<u8>(),
            4096,
        );
    }

    let slots: Vec<ApSlot> = aps
        .iter()
        .map(|&cpu| {
            let g0 = mem.g0_stack();
            cpu.g0_stack_top.store(g0, Ordering::Relaxed);
            ApSlot::new(cpu.apic(), g0, cpu as *const PerCpu as u64)
        })
        .collect();
    let boot = ApBoot {
        low_cr3: low_pml4,
        cr3,
        slots: &slots,
        entry: ap_entry as usize as u64,
        id_leaf: id_leaf(),
    };
    // SAFETY: no AP is running trampoline code yet.
    unsafe { trampoline::patch_aps(copy, &boot) };
    core::sync::atomic::fence(Ordering::SeqCst);

    let vector = (low >> 12) as u8;
    for cpu in aps {
        apic::send_init(cpu.apic());
    }
    pit::delay_us(10_000);
    for cpu in aps {
        apic::send_startup(cpu.apic(), vector);
    }
    pit::delay_us(200);
    for cpu in aps.iter().filter(|c| !c.online.load(Ordering::Acquire)) {
        apic::send_startup(cpu.apic(), vector);
    }
    let limit_ms = AP_TIMEOUT_MS + AP_TIMEOUT_EACH_MS * aps.len() as u64;
    let mut waited_ms = 0;
    while waited_ms < limit_ms && !aps.iter().all(|c| c.online.load(Ordering::Acquire)) {
        pit::delay_us(1_000);
        waited_ms += 1;
    }
    let missing: Vec<&'static PerCpu> = aps
        .iter()
        .copied()
        .filter(|c| !c.online.load(Ordering::Acquire))
        .collect();
    for cpu in &missing {
        apic::send_init(cpu.apic());
    }
    // Every AP is online (past the trampoline) or held in INIT: neither
    // the identity mapping nor the slots are needed any more.
    mem.unmap_identity(low);
    drop(slots);
    Ok(missing)
}

/// The CPUID leaf that gives an AP the id the kernel addresses it by: the
/// 32-bit x2APIC id in x2APIC mode (leaf 0xB, when the CPU has it), else
/// the 8-bit initial APIC id.
fn id_leaf() -> IdLeaf {
    let has_topology_leaf = raw_cpuid::CpuId::new()
        .get_extended_topology_info()
        .is_some();
    if apic::is_x2apic() && has_topology_leaf {
        IdLeaf::Topology
    } else {
        IdLeaf::Basic
    }
}
