//! The kernel heap: `linked_list_allocator` in a region that grows on demand.
//!
//! The heap owns one PML4 slot of virtual space. It starts with
//! [`INITIAL_SIZE`] mapped and, when an allocation does not fit, maps more
//! frames at its end and extends the allocator, up to a cap of half the
//! usable memory: the heap never starves the stacks and page tables of every
//! frame. The lock keeps interrupts off while held, because preemption can
//! happen anywhere in a G: a G preempted inside `alloc` must not leave the
//! heap locked for the G that runs next on the same core.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{NonNull, null_mut};
use core::sync::atomic::{AtomicU64, Ordering};

use linked_list_allocator::Heap;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

use super::{frame, paging};
use crate::sync::IrqMutex;

const INITIAL_SIZE: u64 = 4 << 20;
const GROW_STEP: u64 = 4 << 20;
const MIN_CAP: u64 = 16 << 20;

struct KernelHeap {
    heap: IrqMutex<Heap>,
    base: AtomicU64,
    cap: AtomicU64,
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap {
    heap: IrqMutex::new(Heap::empty()),
    base: AtomicU64::new(0),
    cap: AtomicU64::new(0),
};

/// Reserve the heap region, map its first part and hand it to the allocator.
pub fn init() {
    let base = paging::reserve_pml4_slot();
    let usable = frame::available() * 4096;
    let cap = (usable / 2).clamp(MIN_CAP, paging::PML4_SLOT_SIZE);
    HEAP.base.store(base.as_u64(), Ordering::Relaxed);
    HEAP.cap.store(cap, Ordering::Relaxed);
    map_range(base, INITIAL_SIZE).expect("memory for the initial heap");
    // SAFETY: [base, base + INITIAL_SIZE) was just mapped, is unused and
    // belongs to the heap from now on.
    unsafe {
        HEAP.heap
            .lock()
            .init(base.as_mut_ptr(), INITIAL_SIZE as usize)
    };
}

fn map_range(start: VirtAddr, len: u64) -> Result<(), ()> {
    let first = Page::containing_address(start);
    let last = Page::containing_address(start + (len - 1));
    for page in Page::range_inclusive(first, last) {
        paging::map_fresh(page, Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE)
            .map_err(|_| ())?;
    }
    Ok(())
}

impl KernelHeap {
    /// Map at least `need` more bytes at the end of the heap. Called with
    /// the heap lock held.
    fn grow(&self, heap: &mut Heap, need: u64) -> bool {
        let size = heap.size() as u64;
        let by = need.next_multiple_of(GROW_STEP);
        if size + by > self.cap.load(Ordering::Relaxed) {
            return false;
        }
        let end = VirtAddr::new(self.base.load(Ordering::Relaxed) + size);
        if map_range(end, by).is_err() {
            return false;
        }
        // SAFETY: the `by` bytes after the heap's top were just mapped and
        // are unused.
        unsafe { heap.extend(by as usize) };
        true
    }
}

// SAFETY: allocation and deallocation are serialised by the heap lock, and
// the linked-list allocator returns blocks that fit `layout` and never overlap.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.heap.lock();
        if let Ok(p) = heap.allocate_first_fit(layout) {
            return p.as_ptr();
        }
        // Room for the block, its alignment and the allocator's hole header.
        let need = (layout.size() + layout.align() + 64) as u64;
        if self.grow(&mut heap, need)
            && let Ok(p) = heap.allocate_first_fit(layout)
        {
            return p.as_ptr();
        }
        null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut heap = self.heap.lock();
        // SAFETY: `ptr` was returned by `alloc` with this `layout` (the
        // GlobalAlloc contract).
        unsafe { heap.deallocate(NonNull::new_unchecked(ptr), layout) };
    }
}

/// Whether `addr` lies in the heap's region.
pub fn contains(addr: u64) -> bool {
    let base = HEAP.base.load(Ordering::Relaxed);
    base != 0 && addr >= base && addr < base + paging::PML4_SLOT_SIZE
}

/// Heap statistics: (bytes in use, bytes mapped, cap).
pub fn stats() -> (usize, usize, u64) {
    let heap = HEAP.heap.lock();
    (heap.used(), heap.size(), HEAP.cap.load(Ordering::Relaxed))
}
