//! Changing GOMAXPROCS: which Ps `procresize` creates and destroys, and
//! where a destroyed P's work goes (Go's `procresize` and `p.destroy`).
//!
//! Design note: the kernel resizes with the world stopped, so no other M
//! touches any queue meanwhile; what is left is bookkeeping that must lose
//! nothing and run nothing twice, and that is what lives here, tested on the
//! host with exact counts. A destroyed P hands over:
//! - its runnable Gs — `runnext` first, then the ring from head to tail —
//!   to the *head* of the global queue, in that order, ahead of what was
//!   already queued (Go moves them one by one with `globrunqputhead`, which
//!   gives the same order);
//! - its dead Gs to the global free list (`gfpurge`);
//! - its timers to a surviving P (Go: the current P), each keeping its
//!   `when`.
//!
//! The caller keeps its own P when it survives; when its P is destroyed it
//! moves to P0 (Go: `if gp.m.p != 0 && gp.m.p.ptr().id < nprocs` ... else
//! `acquirep(allp[0])`).

use core::ops::Range;

use crate::gfree::{GlobalGFree, LocalGFree};
use crate::glist::SchedLink;
use crate::globrunq::GlobalRunQueue;
use crate::runq::LocalRunQueue;
use crate::timerheap::TimerHeap;

/// What a resize from `old` to `new` Ps does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Ids of the Ps to create (or bring back).
    pub created: Range<u32>,
    /// Ids of the Ps to destroy.
    pub destroyed: Range<u32>,
    /// The P the caller holds after the resize.
    pub caller_p: u32,
}

/// The plan for going from `old` to `new` Ps (both ≥ 1) with the caller
/// holding P `current` (< `old`).
pub fn plan(old: u32, new: u32, current: u32) -> Plan {
    assert!(
        old >= 1 && new >= 1,
        "procresize: GOMAXPROCS must be at least 1"
    );
    assert!(
        current < old,
        "procresize: the caller's P{current} is not one of the {old} Ps"
    );
    Plan {
        created: old.min(new)..new,
        destroyed: new.min(old)..old,
        caller_p: if current < new { current } else { 0 },
    }
}

/// What one destroyed P handed over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moved {
    /// Runnable Gs put at the head of the global queue.
    pub runnable: u32,
    /// Dead Gs put on the global free list.
    pub dead: u32,
    /// Timers moved to the surviving P.
    pub timers: usize,
}

/// The queues and lists of the P being destroyed (Go's `p.destroy`).
pub struct DyingP<'a, G: SchedLink, A, const N: usize> {
    pub runq: &'a LocalRunQueue<G, N>,
    pub gfree: &'a mut LocalGFree<G>,
    pub timers: &'a mut TimerHeap<A>,
}

/// Where a destroyed P's work goes.
pub struct Heirs<'a, G: SchedLink, A> {
    pub global: &'a mut GlobalRunQueue<G>,
    pub gfree: &'a mut GlobalGFree<G>,
    pub timers: &'a mut TimerHeap<A>,
}

/// Hands everything of `dying` to `heirs` (see the module docs).
///
/// # Safety
/// The world is stopped (or the caller otherwise owns `dying.runq`, as its
/// P's owner): the owner rule of [`crate::runq`] for `dying.runq`.
pub unsafe fn destroy<G: SchedLink, A, const N: usize>(
    dying: DyingP<'_, G, A, N>,
    heirs: Heirs<'_, G, A>,
) -> Moved {
    // SAFETY: forwarded contract (the caller owns the dying queue).
    let runnable = unsafe { dying.runq.runqdrain() };
    let moved = Moved {
        runnable: runnable.len(),
        dead: dying.gfree.len(),
        timers: 0,
    };
    heirs.global.globrunqputheadbatch(runnable);
    dying.gfree.gfpurge(heirs.gfree);
    Moved {
        timers: dying.timers.move_all_to(heirs.timers),
        ..moved
    }
}
