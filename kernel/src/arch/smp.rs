//! Starting the application processors (INIT–SIPI–SIPI).
//!
//! The bootstrap core starts the other cores one at a time, in M order: it
//! writes the trampoline's per-AP fields (g0 stack, M record, entry), sends
//! INIT, waits 10 ms, sends a start-up IPI, waits 200 µs, sends a second one
//! if the core has not announced itself, then waits (with a timeout) for the
//! M to mark itself online before reusing the trampoline for the next core.
//! A core that never answers gets INIT again (so it cannot wake up later and
//! read another core's fields) and is named in the report.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use bootloader_api::info::{MemoryRegionKind, MemoryRegions};
use x86_64::PhysAddr;
use x86_64::registers::control::Cr3;

use super::percpu::PerCpu;
use super::physmap::phys_to_virt;
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
/// How long one AP may take to come online.
const AP_TIMEOUT_MS: u64 = 5_000;

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
    if cpus.len() <= 1 {
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

    let mut missing = Vec::new();
    for &cpu in &cpus[1..] {
        let g0 = mem.g0_stack();
        cpu.g0_stack_top.store(g0, Ordering::Relaxed);
        let boot = trampoline::ApBoot {
            low_cr3: low_pml4,
            cr3,
            stack_top: g0,
            arg: cpu as *const PerCpu as u64,
            entry: ap_entry as usize as u64,
        };
        // SAFETY: no AP is running trampoline code now (the previous one is
        // online or was sent INIT again).
        unsafe { trampoline::patch_ap(copy, &boot) };
        core::sync::atomic::fence(Ordering::SeqCst);
        if !start_one(cpu, (low >> 12) as u8) {
            apic::send_init(cpu.apic());
            missing.push(cpu);
        }
    }

    mem.unmap_identity(low);
    Ok(missing)
}

fn start_one(m: &PerCpu, vector: u8) -> bool {
    let apic_id = m.apic();
    apic::send_init(apic_id);
    pit::delay_us(10_000);
    apic::send_startup(apic_id, vector);
    pit::delay_us(200);
    if !m.online.load(Ordering::Acquire) {
        apic::send_startup(apic_id, vector);
    }
    for _ in 0..AP_TIMEOUT_MS {
        if m.online.load(Ordering::Acquire) {
            return true;
        }
        pit::delay_us(1_000);
    }
    m.online.load(Ordering::Acquire)
}
