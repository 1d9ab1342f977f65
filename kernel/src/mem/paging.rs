//! The kernel's page tables: one set shared by every core.
//!
//! All cores load the same CR3, so a mapping made by any core is visible to
//! all of them once made (new mappings need no TLB shootdown). Unmapping
//! only flushes the local TLB; the kernel unmaps only pages no other core can
//! have touched (the AP trampoline after start-up is the one case, and its
//! low addresses are never mapped again).

use x86_64::registers::control::Cr3;
use x86_64::structures::paging::mapper::{MapToError, TranslateResult};
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageTable, PageTableFlags as Flags, PhysFrame, Size4KiB,
    Translate,
};
use x86_64::{PhysAddr, VirtAddr};

use super::frame::{self, PageTableFrames};
use crate::arch::physmap;
use crate::sync::IrqMutex;

static MAPPER: IrqMutex<Option<OffsetPageTable<'static>>> = IrqMutex::new(None);

/// Bytes covered by one PML4 entry.
pub const PML4_SLOT_SIZE: u64 = 512 << 30;

/// Remember where physical memory is mapped and wrap the active page table.
pub fn init(phys_offset: u64) {
    physmap::set_offset(phys_offset);
    let (l4_frame, _) = Cr3::read();
    let l4 = phys_to_virt(l4_frame.start_address()).as_mut_ptr::<PageTable>();
    // SAFETY: CR3 points at the active PML4, mapped at `phys_offset` like all
    // physical memory; from here on only this module edits the tables, under
    // the MAPPER lock.
    let table = unsafe { OffsetPageTable::new(&mut *l4, VirtAddr::new(phys_offset)) };
    *MAPPER.lock() = Some(table);
}

/// The virtual address at which physical address `pa` is mapped.
pub fn phys_to_virt(pa: PhysAddr) -> VirtAddr {
    physmap::phys_to_virt(pa)
}

/// The physical frame of the active top-level page table.
pub fn pml4_frame() -> PhysFrame {
    Cr3::read().0
}

/// Map `page` to `frame`.
pub fn map_to(page: Page, frame: PhysFrame, flags: Flags) -> Result<(), MapToError<Size4KiB>> {
    let mut guard = MAPPER.lock();
    let mapper = guard.as_mut().expect("paging initialised");
    // SAFETY: callers hand in frames they own (fresh or device memory) and
    // pages in regions reserved for that purpose, so no existing Rust object
    // is aliased or unmapped behind its owner's back.
    unsafe { mapper.map_to(page, frame, flags, &mut PageTableFrames) }.map(|flush| flush.flush())
}

/// Map `page` to a fresh zeroed frame.
pub fn map_fresh(page: Page, flags: Flags) -> Result<(), MapToError<Size4KiB>> {
    let frame = frame::alloc_zeroed().ok_or(MapToError::FrameAllocationFailed)?;
    map_to(page, frame, flags).inspect_err(|_| {
        // SAFETY: the frame was never mapped.
        unsafe { frame::free(frame) };
    })
}

/// Unmap `page` (flushing only this core's TLB) and return its frame.
pub fn unmap(page: Page) -> Option<PhysFrame> {
    let mut guard = MAPPER.lock();
    let mapper = guard.as_mut().expect("paging initialised");
    let (frame, flush) = mapper.unmap(page).ok()?;
    flush.flush();
    Some(frame)
}

/// The physical address `va` maps to, if mapped.
pub fn translate(va: VirtAddr) -> Option<PhysAddr> {
    let guard = MAPPER.lock();
    guard
        .as_ref()
        .expect("paging initialised")
        .translate_addr(va)
}

/// The frame and flags of the 4 KiB page containing `va`, if it is mapped
/// with a 4 KiB page.
pub fn lookup(va: VirtAddr) -> Option<(PhysFrame, Flags)> {
    let guard = MAPPER.lock();
    match guard.as_ref().expect("paging initialised").translate(va) {
        TranslateResult::Mapped {
            frame: x86_64::structures::paging::mapper::MappedFrame::Size4KiB(f),
            flags,
            ..
        } => Some((f, flags)),
        _ => None,
    }
}

/// Claim an unused PML4 slot in the upper half and return its base.
pub fn reserve_pml4_slot() -> VirtAddr {
    let mut guard = MAPPER.lock();
    let mapper = guard.as_mut().expect("paging initialised");
    let l4 = mapper.level_4_table_mut();
    for i in (256..511).rev() {
        if l4[i].is_unused() {
            let frame = frame::alloc_zeroed().expect("a frame for a PDPT");
            l4[i].set_frame(frame, Flags::PRESENT | Flags::WRITABLE);
            // Sign-extend: index ≥ 256 is the upper (negative) half.
            return VirtAddr::new_truncate((i as u64) << 39);
        }
    }
    panic!("no free PML4 slot in the upper half")
}

/// Flags of the 4 KiB page containing `va`, for fault reports. Never
/// blocks: `None` if the page-table lock is held (the fault may have hit
/// the code holding it) or the page is not mapped with a 4 KiB page.
pub fn flags_of(va: VirtAddr) -> Option<Flags> {
    let guard = MAPPER.try_lock()?;
    match guard.as_ref()?.translate(va) {
        TranslateResult::Mapped { flags, .. } => Some(flags),
        _ => None,
    }
}
