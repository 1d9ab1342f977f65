//! Stacks that own their guard page.
//!
//! Every stack lives in a slot of a reserved virtual region: the lowest page
//! of the slot is never mapped (the guard), the rest is mapped on
//! allocation. Overrunning a stack therefore faults on the guard page instead
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

/// A stack: usable bytes are `[bottom, top)`; the page below `bottom` is the
/// unmapped guard page.
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

/// Reserve the system-stack region.
pub fn init() {
    let base = paging::reserve_pml4_slot();
    SYSTEM_NEXT.store(base.as_u64(), Ordering::Relaxed);
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

/// The G-stack region: one fixed-size slot per G stack (guard page + the
/// boot option `stack` bytes), so a fault address maps straight to a slot
/// and from there to the G that owns it. Slots are never returned: a dead G
/// keeps its stack on the free-G lists (Go's `gfput` does the same).
struct GStacks {
    base: u64,
    slot_size: u64,
    stack_size: u64,
    max_slots: u64,
    next: AtomicU64,
}

static G_STACKS: spin::Once<GStacks> = spin::Once::new();

/// Why a G stack could not be allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// The G-stack region has no free slot left.
    RegionFull,
    /// No physical frames left for the stack's pages.
    OutOfMemory,
}

/// Reserve the G-stack region for stacks of `stack_size` bytes (a multiple
/// of the page size).
pub fn init_g_stacks(stack_size: u64) {
    assert!(
        stack_size.is_multiple_of(PAGE) && stack_size > 0,
        "G stack size must be whole pages"
    );
    let base = paging::reserve_pml4_slot().as_u64();
    let slot_size = stack_size + PAGE;
    G_STACKS.call_once(|| GStacks {
        base,
        slot_size,
        stack_size,
        max_slots: paging::PML4_SLOT_SIZE / slot_size,
        next: AtomicU64::new(0),
    });
}

fn g_stacks() -> &'static GStacks {
    G_STACKS.get().expect("G stacks initialised")
}

/// Size in bytes of every G stack.
pub fn g_stack_size() -> u64 {
    g_stacks().stack_size
}

/// Allocate and map a fresh G stack; returns it and its slot index.
pub fn alloc_g_stack() -> Result<(Stack, usize), StackError> {
    let s = g_stacks();
    let slot = s.next.fetch_add(1, Ordering::Relaxed);
    if slot >= s.max_slots {
        return Err(StackError::RegionFull);
    }
    let bottom = VirtAddr::new(s.base + slot * s.slot_size + PAGE);
    let top = bottom + s.stack_size;
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let pages = Page::range(
        Page::containing_address(bottom),
        Page::containing_address(top),
    );
    for (i, page) in pages.enumerate() {
        if paging::map_fresh(page, flags).is_err() {
            // Give back what was mapped so a failed spawn leaks nothing.
            for undo in Page::range(Page::containing_address(bottom), page).take(i) {
                if let Some(frame) = paging::unmap(undo) {
                    // SAFETY: the page was mapped a moment ago for this stack
                    // and never handed out.
                    unsafe { super::frame::free(frame) };
                }
            }
            return Err(StackError::OutOfMemory);
        }
    }
    Ok((Stack { bottom, top }, slot as usize))
}

/// Number of G stacks ever allocated (each is kept for reuse).
pub fn g_stacks_allocated() -> u64 {
    G_STACKS
        .get()
        .map_or(0, |s| s.next.load(Ordering::Relaxed).min(s.max_slots))
}

/// If `addr` lies in a G-stack slot, the slot index, its stack, and whether
/// `addr` is in the slot's guard page.
pub fn g_stack_slot_of(addr: u64) -> Option<(usize, Stack, bool)> {
    let s = G_STACKS.get()?;
    if addr < s.base || addr >= s.base + s.max_slots * s.slot_size {
        return None;
    }
    let slot = (addr - s.base) / s.slot_size;
    let bottom = VirtAddr::new(s.base + slot * s.slot_size + PAGE);
    let stack = Stack {
        bottom,
        top: bottom + s.stack_size,
    };
    Some((
        slot as usize,
        stack,
        stack.guard_contains(VirtAddr::new(addr)),
    ))
}
