//! The run queues from the scheduler's side: `runqput` (runnext, the local
//! ring, overflow to the global queue), `globrunqput` and `globrunqget`.
//! The lock-free ring itself and the global queue's batch arithmetic are
//! the portable `gmp_sched::runq` and `gmp_sched::globrunq`; this file adds
//! the kernel's part: the P that owns the ring, `sched.lock`, tracing,
//! statistics, the model (`sched=gm`), the policy's answers (where a
//! readied G goes, the ring's size) and the negative control
//! `fault=runq-lose`.
//!
//! Context: interrupts off throughout (the ring's single producer is the
//! owning P's M, and an interrupt handler on that core may ready a G into
//! it).

use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use gmp_sched::options::Fault;

use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::g::G;
use crate::runtime::objects::p::P;
use crate::runtime::objects::policy::{fast, policy};
use crate::runtime::objects::sched::{self, gomaxprocs};
use crate::runtime::scheduler::observe;
use gmp_sched::policy::RUNQ_SIZE;
use gmp_sched::trace::Queue;

/// Put `gp` on `pp`'s local queue (into `runnext` when `next`), spilling
/// half the ring plus `gp` to the global queue when the ring is full.
///
/// Context: interrupts off; the caller holds `pp`.
#[inline(always)]
pub(crate) fn runqput(pp: &P, gp: &'static G, next: bool) {
    if knobs().gm_model {
        globrunqput(gp);
        return;
    }
    // The policy's answer: `runnext` (Go), the tail (`fifo`), or `runnext`
    // until this P has run `runnext_cap` Gs from it in a row (`tokio`).
    let next = next && (fast().runnext_plain || ready_to_runnext(pp));
    observe::enqueue(gp, if next { Queue::Runnext } else { Queue::Ring });
    if !next {
        runqput_ring(pp, NonNull::from(gp));
        return;
    }
    // SAFETY: the caller holds `pp` (its runq's only producer) and `gp` is
    // on no queue.
    if let Some(kicked) = unsafe { pp.runq.runqput_runnext(NonNull::from(gp)) } {
        // SAFETY: queue entries are live Gs.
        observe::runnext_kick(unsafe { kicked.as_ref() });
        runqput_ring(pp, kicked);
    }
}

/// A policy other than Go's at `runqput`: does a readied G go to
/// `runnext` (given the run of `runnext` Gs this P has had)?
#[cold]
#[inline(never)]
fn ready_to_runnext(pp: &P) -> bool {
    policy().ready_to_runnext(pp.runnext_streak.load(Ordering::Relaxed))
}

/// `runqput(gp, false)`: the tail of the ring, spilling to the global queue
/// when it is full. Out of line, so the common `runnext` put stays small.
#[inline(never)]
fn runqput_ring(pp: &P, gp: NonNull<G>) {
    let size = policy().runq_size;
    let spilled = if size >= RUNQ_SIZE {
        // SAFETY: the caller holds `pp` (its runq's only producer) and `gp`
        // is on no queue (a new runnable G, or the one kicked out of
        // runnext).
        unsafe { pp.runq.runqput(gp, false) }
    } else {
        // SAFETY: as above.
        unsafe { pp.runq.runqput_capped(gp, size) }
    };
    if let Some(batch) = spilled {
        runqput_overflow(pp, batch);
    }
}

/// The ring was full: `batch` (half of it plus the new G) goes to the
/// global queue (the slow half of Go's `runqputslow`).
#[cold]
#[inline(never)]
fn runqput_overflow(pp: &P, mut batch: gmp_sched::glist::GQueue<G>) {
    if knobs().fault == Fault::RunqLose {
        // The deliberate bug of `fault=runq-lose` (negative control for
        // the torture workload): the head of the spilled batch is
        // dropped, a runnable G on no queue.
        let _lost = batch.pop();
    }
    observe::overflow(batch.len());
    pp.stats
        .overflows
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    let mut s = sched::lock();
    s.runq.globrunqputbatch(batch);
    s.sync_runqsize();
}

/// Put `gp` at the tail of the global queue.
///
/// Context: interrupts off.
pub(crate) fn globrunqput(gp: &'static G) {
    observe::enqueue(gp, Queue::Global);
    globrunqput_untraced(gp);
}

/// [`globrunqput`] for a caller that has recorded the enqueue itself
/// (`gosched_m`, which records its stop and the enqueue behind one check).
#[inline(always)]
pub(crate) fn globrunqput_untraced(gp: &'static G) {
    let mut s = sched::lock_irqs_off();
    // SAFETY: `gp` is on no queue (the caller just made it runnable).
    unsafe { s.runq.globrunqput(NonNull::from(gp)) };
    s.sync_runqsize();
}

/// The cap on a global-queue batch: none in the G/M/P model (Go's formula
/// applies), one in the Go 1.0 model, which had no local queues at all.
pub(crate) fn glob_batch_max() -> u32 {
    if knobs().gm_model { 1 } else { u32::MAX }
}

/// Take a batch from the global queue: one to run, the rest into `pp`'s
/// ring. The batch is Go's `min(size, size/gomaxprocs + 1, ring/2)`, further
/// capped by `max` (1 for the fairness check, `u32::MAX` for no extra cap).
pub(crate) fn globrunqget(pp: &'static P, max: u32) -> Option<&'static G> {
    let mut s = sched::lock_irqs_off();
    let before = s.runq.len();
    // SAFETY: this M holds `pp` (its ring's owner) and `sched.lock`.
    let gp = unsafe { s.runq.globrunqget(&pp.runq, max, gomaxprocs()) };
    let taken = before - s.runq.len();
    s.sync_runqsize();
    drop(s);
    let gp = gp?;
    observe::global_take(taken);
    pp.stats.glob_takes.fetch_add(1, Ordering::Relaxed);
    // SAFETY: queue entries are live Gs.
    Some(unsafe { &*gp.as_ptr() })
}
