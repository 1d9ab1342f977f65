//! Where physical memory is mapped, and a lock-free look at the page
//! tables.
//!
//! The bootloader maps all physical memory at one offset
//! (`BootInfo::physical_memory_offset`); `boot` records it here first
//! thing, and every layer that must touch a physical address (ACPI tables,
//! page tables, the AP trampoline) goes through [`phys_to_virt`].

use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::registers::control::Cr3;
use x86_64::structures::paging::PageTableFlags as Flags;
use x86_64::{PhysAddr, VirtAddr};

static PHYS_OFFSET: AtomicU64 = AtomicU64::new(0);

/// Record where physical memory is mapped (bootstrap core, at boot).
pub fn set_offset(offset: u64) {
    PHYS_OFFSET.store(offset, Ordering::Relaxed);
}

/// The virtual address at which physical address `pa` is mapped.
pub fn phys_to_virt(pa: PhysAddr) -> VirtAddr {
    VirtAddr::new(PHYS_OFFSET.load(Ordering::Relaxed) + pa.as_u64())
}

/// Whether `va` is mapped, read straight from the active page tables
/// without the mapper's lock: for the panic and fault paths (a backtrace
/// walk must not deadlock on a lock the failing core may hold). The tables
/// may be edited meanwhile by another core; a torn answer only makes the
/// walk stop early, since the walker also checks what it reads.
pub fn is_mapped_lockless(va: u64) -> bool {
    let Ok(va) = VirtAddr::try_new(va) else {
        return false;
    };
    let mut table = Cr3::read().0.start_address();
    let indices = [va.p4_index(), va.p3_index(), va.p2_index(), va.p1_index()];
    for (level, index) in indices.into_iter().enumerate() {
        let entry_va = phys_to_virt(table).as_u64() + u64::from(u16::from(index)) * 8;
        // SAFETY: every page-table frame lies in physical memory, all of
        // which is mapped at PHYS_OFFSET; an aligned u64 read of an entry
        // cannot fault.
        let entry = unsafe { core::ptr::read_volatile(entry_va as *const u64) };
        let flags = Flags::from_bits_truncate(entry);
        if !flags.contains(Flags::PRESENT) {
            return false;
        }
        if level > 0 && flags.contains(Flags::HUGE_PAGE) {
            return true; // a 1 GiB or 2 MiB page
        }
        table = PhysAddr::new(entry & 0x000f_ffff_ffff_f000);
    }
    true
}
