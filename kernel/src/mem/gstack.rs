//! G stacks: one guarded slot each, pages mapped on first touch.
//!
//! The G-stack region (one PML4 slot) is cut into fixed-size slots: a guard
//! page that is never mapped, then the boot option `stack` bytes of stack.
//! Slots never straddle a 2 MiB boundary, so all of a slot's page-table
//! entries live in one page table, which exists once the slot's top page is
//! mapped. A new stack gets only its top page; the rest is *demand-paged*:
//! a page fault below the mapped part is handled on its own IST stack by
//! writing the missing entry with a pre-zeroed frame from the faulting
//! core's reserve — no lock taken, so a G may fault anywhere, even in code
//! that holds the page-table or frame-allocator lock. Each core refills its
//! reserve in `schedule()`, on g0, where no lock is held. A parked G thus
//! costs about one page of stack, not the whole `stack` size (Go grows
//! stacks by copying them; without moving stacks, mapping on demand is the
//! bare-metal way to the same economy).
//!
//! A fault in a guard page is a stack overflow: the fault address alone
//! names the slot, hence the G, and the report says so.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use x86_64::structures::paging::{Page, PageTableFlags as Flags};
use x86_64::{PhysAddr, VirtAddr};

use super::stack::Stack;
use super::{frame, paging};
use crate::arch::percpu::MAX_CPUS as MAX_MS;

const PAGE: u64 = 4096;
const TWO_MIB: u64 = 2 << 20;
/// Frames each core keeps ready for stack faults.
const RESERVE: usize = 16;

struct GStacks {
    base: u64,
    slot_size: u64,
    stack_size: u64,
    slots_per_2m: u64,
    max_slots: u64,
    next: AtomicU64,
    /// Stack pages mapped by faults (on top of each stack's first page).
    faulted: AtomicU64,
}

static G_STACKS: spin::Once<GStacks> = spin::Once::new();

/// Why a G stack could not be allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// The G-stack region has no free slot left.
    RegionFull,
    /// No physical frames left for the stack's first page.
    OutOfMemory,
}

/// Reserve the G-stack region for stacks of `stack_size` bytes (whole
/// pages, at most 2 MiB minus the guard page).
pub fn init(stack_size: u64) {
    assert!(
        stack_size.is_multiple_of(PAGE) && stack_size > 0 && stack_size + PAGE <= TWO_MIB,
        "G stack size must be whole pages and fit in 2 MiB with its guard"
    );
    let base = paging::reserve_pml4_slot().as_u64();
    let slot_size = stack_size + PAGE;
    let slots_per_2m = TWO_MIB / slot_size;
    G_STACKS.call_once(|| GStacks {
        base,
        slot_size,
        stack_size,
        slots_per_2m,
        max_slots: paging::PML4_SLOT_SIZE / TWO_MIB * slots_per_2m,
        next: AtomicU64::new(0),
        faulted: AtomicU64::new(0),
    });
}

fn g_stacks() -> &'static GStacks {
    G_STACKS.get().expect("G stacks initialised")
}

impl GStacks {
    fn slot_base(&self, slot: u64) -> u64 {
        self.base + slot / self.slots_per_2m * TWO_MIB + slot % self.slots_per_2m * self.slot_size
    }

    fn stack(&self, slot: u64) -> Stack {
        let bottom = VirtAddr::new(self.slot_base(slot) + PAGE);
        Stack {
            bottom,
            top: bottom + self.stack_size,
        }
    }

    /// The slot containing `addr`, if any (the unused tail of a 2 MiB
    /// region belongs to no slot).
    fn slot_of(&self, addr: u64) -> Option<u64> {
        if addr < self.base {
            return None;
        }
        let off = addr - self.base;
        let (region, within) = (off / TWO_MIB, off % TWO_MIB);
        let idx = within / self.slot_size;
        if idx >= self.slots_per_2m {
            return None;
        }
        let slot = region * self.slots_per_2m + idx;
        (slot < self.next.load(Ordering::Acquire).min(self.max_slots)).then_some(slot)
    }
}

/// Size in bytes of every G stack.
pub fn stack_size() -> u64 {
    g_stacks().stack_size
}

/// Allocate a G stack with its top page mapped; returns it and its slot.
pub fn alloc() -> Result<(Stack, usize), StackError> {
    let s = g_stacks();
    let slot = s.next.fetch_add(1, Ordering::AcqRel);
    if slot >= s.max_slots {
        return Err(StackError::RegionFull);
    }
    let stack = s.stack(slot);
    let top_page = Page::containing_address(stack.top - 1u64);
    paging::map_fresh(
        top_page,
        Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE,
    )
    .map_err(|_| StackError::OutOfMemory)?;
    Ok((stack, slot as usize))
}

/// Number of G stacks ever allocated (each is kept for reuse).
pub fn allocated() -> u64 {
    G_STACKS
        .get()
        .map_or(0, |s| s.next.load(Ordering::Relaxed).min(s.max_slots))
}

/// Stack pages mapped on demand so far.
pub fn faulted_pages() -> u64 {
    G_STACKS
        .get()
        .map_or(0, |s| s.faulted.load(Ordering::Relaxed))
}

/// If `addr` lies in an allocated G-stack slot: the slot, its stack, and
/// whether `addr` is in the guard page.
pub fn slot_of(addr: u64) -> Option<(usize, Stack, bool)> {
    let s = G_STACKS.get()?;
    let slot = s.slot_of(addr)?;
    let stack = s.stack(slot);
    Some((
        slot as usize,
        stack,
        stack.guard_contains(VirtAddr::new(addr)),
    ))
}

// ----- per-core frame reserve ------------------------------------------------

struct Reserve {
    frames: UnsafeCell<[u64; RESERVE]>,
    n: AtomicUsize,
}

// SAFETY: each reserve is touched only by its own core with interrupts off
// (refill on g0, take in the page-fault handler).
unsafe impl Sync for Reserve {}

static RESERVES: [Reserve; MAX_MS] = [const {
    Reserve {
        frames: UnsafeCell::new([0; RESERVE]),
        n: AtomicUsize::new(0),
    }
}; MAX_MS];

/// Top up this core's reserve of zeroed frames.
///
/// Context: g0 (or boot), interrupts off, no lock held.
/// The check is one flag of this core's record (it runs on every
/// `schedule`); the refill is out of line.
#[inline]
pub fn refill_this_cpu(cpu: &crate::arch::percpu::PerCpu) {
    // On a G with interrupts on, the G could be preempted and moved between
    // reading `n` and storing it, racing its old M's own refill; a stack
    // fault inside the loop would race `take_reserved`. Either loses frames.
    debug_assert!(
        !x86_64::instructions::interrupts::are_enabled(),
        "refill_this_cpu: called with interrupts on (only g0 may refill)"
    );
    debug_assert!(
        core::ptr::eq(cpu, crate::arch::percpu::this_cpu()),
        "refill_this_cpu: another core's record"
    );
    if cpu.reserve_low.load(Ordering::Relaxed) {
        let r = &RESERVES[cpu.id as usize];
        refill(r, r.n.load(Ordering::Relaxed));
        if r.n.load(Ordering::Relaxed) == RESERVE {
            cpu.reserve_low.store(false, Ordering::Relaxed);
        }
    }
}

#[inline(never)]
fn refill(r: &Reserve, mut n: usize) {
    while n < RESERVE {
        let Some(f) = frame::alloc_zeroed() else {
            break;
        };
        // SAFETY: our own core's reserve, interrupts off.
        unsafe { (*r.frames.get())[n] = f.start_address().as_u64() };
        n += 1;
        r.n.store(n, Ordering::Relaxed);
    }
}

fn take_reserved() -> Option<u64> {
    let r = &RESERVES[crate::arch::percpu::this_cpu_id() as usize];
    let n = r.n.load(Ordering::Relaxed);
    if n == 0 {
        return None;
    }
    r.n.store(n - 1, Ordering::Relaxed);
    crate::arch::percpu::this_cpu()
        .reserve_low
        .store(true, Ordering::Relaxed);
    // SAFETY: our own core's reserve, interrupts off (exception handler).
    Some(unsafe { (*r.frames.get())[n - 1] })
}

/// Frames sitting in every core's reserve (allocated, not yet used).
pub fn reserved_frames() -> u64 {
    RESERVES
        .iter()
        .map(|r| r.n.load(Ordering::Relaxed) as u64)
        .sum()
}

/// What the page-fault handler should do.
pub enum Fault {
    /// A missing stack page was mapped: return and retry.
    Mapped,
    /// The access hit a stack's guard page.
    Overflow { slot: usize, stack: Stack },
    /// A stack page is needed but no frame is left.
    OutOfMemory { slot: usize, stack: Stack },
    /// Not a G-stack fault.
    NotOurs,
}

/// Classify (and, for a missing stack page, repair) a page fault at `addr`
/// with page-fault error code `code`.
///
/// Context: the page-fault handler (on its IST stack, interrupts off).
pub fn on_page_fault(addr: u64, code: u64) -> Fault {
    const PRESENT: u64 = 1;
    let Some((slot, stack, guard)) = slot_of(addr) else {
        return Fault::NotOurs;
    };
    if guard {
        return Fault::Overflow { slot, stack };
    }
    if code & PRESENT != 0 {
        return Fault::NotOurs; // a protection fault, not a missing page
    }
    let Some(frame) = take_reserved() else {
        return Fault::OutOfMemory { slot, stack };
    };
    // SAFETY: the slot's page table exists (its top page is mapped and the
    // slot does not straddle a 2 MiB boundary), the entry is not present,
    // and this frame is ours.
    unsafe { set_pte(addr & !(PAGE - 1), frame) };
    g_stacks().faulted.fetch_add(1, Ordering::Relaxed);
    Fault::Mapped
}

/// Write the last-level entry for `va` without the page-table lock.
///
/// # Safety
/// All upper-level tables for `va` exist; the entry is not present; the
/// frame is owned by the caller.
unsafe fn set_pte(va: u64, frame: u64) {
    let mut table = paging::pml4_frame().start_address().as_u64();
    for level in [3u32, 2, 1] {
        let idx = (va >> (12 + 9 * level)) & 0x1ff;
        let entry = paging::phys_to_virt(PhysAddr::new(table + idx * 8)).as_ptr::<u64>();
        // SAFETY: page tables are mapped at the physical offset.
        let e = unsafe { core::ptr::read_volatile(entry) };
        assert!(
            e & 1 != 0,
            "stack fault: missing level-{} table for {va:#x}",
            level + 1
        );
        table = e & 0x000f_ffff_ffff_f000;
    }
    let idx = (va >> 12) & 0x1ff;
    let pte = paging::phys_to_virt(PhysAddr::new(table + idx * 8)).as_mut_ptr::<u64>();
    let flags = (Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE).bits();
    // SAFETY: as above; a not-present entry is never cached by the TLB, so
    // no flush is needed.
    unsafe { core::ptr::write_volatile(pte, frame | flags) };
}
