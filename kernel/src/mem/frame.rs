//! The physical frame allocator.
//!
//! Frames come from the bootloader's memory map (usable regions only, and
//! only at or above 1 MiB: the low megabyte is left alone for the AP start-up
//! trampoline and the BIOS structures). Allocation pops a free list of frames
//! returned earlier, else bumps through the usable regions; nothing touches
//! a frame before it is handed out, so boot does not write all of memory.
//! Freed frames are linked through their first word (reached through the
//! physical memory mapping). All counts are exact, so leak checks can compare
//! them before and after a workload.

use bootloader_api::info::{MemoryRegionKind, MemoryRegions};
use x86_64::PhysAddr;
use x86_64::structures::paging::{PhysFrame, Size4KiB};

use super::paging::phys_to_virt;
use crate::sync::IrqMutex;

const FRAME: u64 = 4096;
const LOW_MEMORY_END: u64 = 0x10_0000;
const MAX_REGIONS: usize = 128;

struct Frames {
    regions: [(u64, u64); MAX_REGIONS],
    nregions: usize,
    /// Region being bumped through and the next untouched frame in it.
    cur: usize,
    next: u64,
    /// Head of the list of freed frames (physical address, 0 = empty).
    free_head: u64,
    free_count: u64,
    total: u64,
    allocated: u64,
}

static FRAMES: IrqMutex<Frames> = IrqMutex::new(Frames {
    regions: [(0, 0); MAX_REGIONS],
    nregions: 0,
    cur: 0,
    next: 0,
    free_head: 0,
    free_count: 0,
    total: 0,
    allocated: 0,
});

/// Take over the usable regions of the boot memory map.
pub fn init(map: &MemoryRegions) {
    let mut f = FRAMES.lock();
    for r in map.iter().filter(|r| r.kind == MemoryRegionKind::Usable) {
        let start = r.start.max(LOW_MEMORY_END).next_multiple_of(FRAME);
        let end = r.end & !(FRAME - 1);
        if start >= end {
            continue;
        }
        if f.nregions == MAX_REGIONS {
            crate::kprintln!(
                "warning: more than {MAX_REGIONS} usable memory regions; ignoring the rest"
            );
            break;
        }
        let n = f.nregions;
        f.regions[n] = (start, end);
        f.nregions += 1;
        f.total += (end - start) / FRAME;
    }
    f.cur = 0;
    f.next = f.regions[0].0;
}

/// Allocate one 4 KiB frame (contents undefined).
pub fn alloc() -> Option<PhysFrame> {
    let mut f = FRAMES.lock();
    let pa = if f.free_head != 0 {
        let pa = f.free_head;
        // SAFETY: `pa` is a free frame we own; its first word holds the next
        // free frame's address, written by `free`.
        f.free_head = unsafe { *phys_to_virt(PhysAddr::new(pa)).as_ptr::<u64>() };
        f.free_count -= 1;
        pa
    } else {
        loop {
            if f.cur >= f.nregions {
                return None;
            }
            let (_, end) = f.regions[f.cur];
            if f.next < end {
                let pa = f.next;
                f.next += FRAME;
                break pa;
            }
            f.cur += 1;
            if f.cur < f.nregions {
                f.next = f.regions[f.cur].0;
            }
        }
    };
    f.allocated += 1;
    Some(PhysFrame::containing_address(PhysAddr::new(pa)))
}

/// Allocate one frame and fill it with zeros.
pub fn alloc_zeroed() -> Option<PhysFrame> {
    let frame = alloc()?;
    // SAFETY: the frame was just allocated to us and is mapped at the offset.
    unsafe {
        core::ptr::write_bytes(
            phys_to_virt(frame.start_address()).as_mut_ptr::<u8>(),
            0,
            FRAME as usize,
        )
    };
    Some(frame)
}

/// Return a frame to the allocator.
///
/// # Safety
/// `frame` came from [`alloc`], is no longer mapped anywhere and nothing
/// reads or writes it any more.
pub unsafe fn free(frame: PhysFrame<Size4KiB>) {
    let mut f = FRAMES.lock();
    let pa = frame.start_address().as_u64();
    // SAFETY: the caller gave the frame back; we may use its first word.
    unsafe { *phys_to_virt(frame.start_address()).as_mut_ptr::<u64>() = f.free_head };
    f.free_head = pa;
    f.free_count += 1;
    f.allocated -= 1;
}

/// Frame counts: (usable in total, currently allocated).
pub fn stats() -> (u64, u64) {
    let f = FRAMES.lock();
    (f.total, f.allocated)
}

/// Frames never handed out or returned: what is still available.
pub fn available() -> u64 {
    let (total, allocated) = stats();
    total - allocated
}

/// Lets the `x86_64` page-table code allocate intermediate tables.
pub struct PageTableFrames;

static TABLE_FRAMES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// Frames given to page tables so far (they are never freed).
pub fn table_frames() -> u64 {
    TABLE_FRAMES.load(core::sync::atomic::Ordering::Relaxed)
}

// SAFETY: `alloc_zeroed` returns distinct, unused, zeroed frames.
unsafe impl x86_64::structures::paging::FrameAllocator<Size4KiB> for PageTableFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        let f = alloc_zeroed();
        if f.is_some() {
            TABLE_FRAMES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        }
        f
    }
}
