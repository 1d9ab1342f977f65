//! Stacks with a guard page below them.
//!
//! Every stack lives in a slot of a reserved virtual region: the lowest page
//! of the slot is never mapped (the guard), the rest is mapped on
//! allocation (system stacks) or on first touch (G stacks, `gstack`). Overrunning a stack therefore faults on the guard page instead
//! of silently corrupting its neighbour, and the fault address alone tells
//! which slot — hence which stack — overflowed.
//!
//! System stacks (each M's g0 stack and the IST stacks for #DF, NMI and
//! #MC) come from one region with a bump pointer; they live forever.

use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

use super::paging;

const PAGE: u64 = 4096;

/// Where a stack is: usable bytes are `[bottom, top)`; the page below
/// `bottom` is the unmapped guard page.
///
/// A `Stack` is a description, not an owner: it frees nothing when dropped
/// (and is `Copy`). Nothing needs freeing: system stacks live as long as
/// their core, and a G's stack lives as long as the G, which is never freed
/// but kept on a free list for reuse with its stack (`runtime::newproc`),
/// so the pages a G stack once mapped stay mapped for the next G in that
/// slot.
#[derive(Clone, Copy, Debug)]
pub struct Stack {
    /// Lowest usable address (the guard page ends here).
    pub bottom: VirtAddr,
    /// One past the highest usable address; the initial stack pointer.
    pub top: VirtAddr,
}

impl Stack {
    /// Start of the guard page.
    pub fn guard(&self) -> VirtAddr {
        self.bottom - PAGE
    }

    /// Whether `addr` lies in this stack's guard page.
    pub fn guard_contains(&self, addr: VirtAddr) -> bool {
        addr >= self.guard() && addr < self.bottom
    }
}

static SYSTEM_NEXT: AtomicU64 = AtomicU64::new(0);
static SYSTEM_END: AtomicU64 = AtomicU64::new(0);
static SYSTEM_BASE: AtomicU64 = AtomicU64::new(0);

/// Whether `addr` lies in the system-stack region (g0 and IST stacks).
pub fn in_system_stacks(addr: u64) -> bool {
    let base = SYSTEM_BASE.load(Ordering::Relaxed);
    base != 0 && addr >= base && addr < SYSTEM_END.load(Ordering::Relaxed)
}

/// Reserve the system-stack region.
pub fn init() {
    let base = paging::reserve_pml4_slot();
    SYSTEM_NEXT.store(base.as_u64(), Ordering::Relaxed);
    SYSTEM_BASE.store(base.as_u64(), Ordering::Relaxed);
    SYSTEM_END.store(base.as_u64() + paging::PML4_SLOT_SIZE, Ordering::Relaxed);
}

/// Allocate a system stack of `size` bytes (rounded up to pages) with a
/// guard page below it. Panics when memory is exhausted: system stacks are
/// only allocated at boot.
pub fn alloc_system_stack(size: u64) -> Stack {
    let size = size.next_multiple_of(PAGE);
    let slot = SYSTEM_NEXT.fetch_add(size + PAGE, Ordering::Relaxed);
    assert!(
        slot + size + PAGE <= SYSTEM_END.load(Ordering::Relaxed),
        "system stack region exhausted"
    );
    let bottom = VirtAddr::new(slot + PAGE);
    let top = bottom + size;
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    for page in Page::range(
        Page::containing_address(bottom),
        Page::containing_address(top),
    ) {
        paging::map_fresh(page, flags).expect("memory for a system stack");
    }
    Stack { bottom, top }
}
