//! The global run queue (Go: `sched.runq`) and the batch rule for taking
//! from it.
//!
//! Design note: the global queue is a plain FIFO, protected by the
//! scheduler's global lock (Go's `sched.lock`). That lock lives in the
//! kernel (it must also disable interrupts), so this type holds no lock and
//! every method takes `&mut self`: the borrow checker then demands the
//! caller holds the lock guard. Gs arrive one at a time (`globrunqput`: a
//! preempted G, a G leaving a syscall without a P), at the head
//! (`globrunqputhead`: Gs of a destroyed P), or as the 129-G batch of a
//! local ring overflow (`globrunqputbatch`).
//!
//! Consumers take a *batch* (`globrunqget`): a P that finds its local queue
//! empty takes its fair share, `size/gomaxprocs + 1`, so the global queue
//! drains across all Ps instead of into the first one — but never more than
//! half a local ring (so the rest can still be stolen) nor more than asked
//! (the 1-in-61 fairness check asks for one).

use crate::glist::{GQueue, SchedLink};
use crate::runq::LocalRunQueue;
use crate::sync::maybe_const_fn;
use core::ptr::NonNull;

/// How many Gs a P takes from a global queue of `sched_runqsize` Gs:
/// `min(size, size/gomaxprocs + 1, max)` (Go's `globrunqget`). `max` is
/// half the local ring's capacity for a batch, 1 for the 1-in-61 check.
///
/// Panics if `gomaxprocs` is 0.
#[inline]
pub fn globrunqget_count(sched_runqsize: u32, gomaxprocs: u32, max: u32) -> u32 {
    assert!(gomaxprocs > 0, "globrunqget: gomaxprocs is 0");
    sched_runqsize.min(sched_runqsize / gomaxprocs + 1).min(max)
}

/// The global run queue. No lock inside: the kernel keeps it behind its
/// global scheduler lock; `&mut self` proves the caller holds it.
pub struct GlobalRunQueue<T: SchedLink> {
    runq: GQueue<T>,
}

impl<T: SchedLink> Default for GlobalRunQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink> GlobalRunQueue<T> {
    maybe_const_fn! {
        /// An empty global queue.
        pub fn new() -> Self {
            Self { runq: GQueue::new() }
        }
    }

    /// Number of Gs queued (Go: `sched.runq.size`, schedtrace's `runqueue=`).
    pub fn len(&self) -> u32 {
        self.runq.len()
    }

    /// Whether no G is queued.
    pub fn is_empty(&self) -> bool {
        self.runq.is_empty()
    }

    /// The queued Gs, head first, without removing them.
    pub fn iter(&self) -> crate::glist::Iter<'_, T> {
        self.runq.iter()
    }

    /// Puts `gp` at the tail (Go: `globrunqput`).
    ///
    /// Context: global scheduler lock held.
    ///
    /// # Safety
    /// `gp` must obey the ownership rule of [`crate::glist`].
    pub unsafe fn globrunqput(&mut self, gp: NonNull<T>) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.runq.push_back(gp) }
    }

    /// Puts `gp` at the head (Go: `globrunqputhead`).
    ///
    /// Context: global scheduler lock held.
    ///
    /// # Safety
    /// `gp` must obey the ownership rule of [`crate::glist`].
    pub unsafe fn globrunqputhead(&mut self, gp: NonNull<T>) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.runq.push(gp) }
    }

    /// Puts a batch at the head, in order, ahead of everything queued
    /// (what Go's `p.destroy` does one G at a time with `globrunqputhead`:
    /// a destroyed P's Gs keep their place at the front).
    ///
    /// Context: global scheduler lock held.
    pub fn globrunqputheadbatch(&mut self, mut batch: GQueue<T>) {
        batch.push_back_all(core::mem::take(&mut self.runq));
        self.runq = batch;
    }

    /// Appends a batch (e.g. what `runqput` returned on overflow) at the
    /// tail, in order (Go: `globrunqputbatch`).
    ///
    /// Context: global scheduler lock held.
    pub fn globrunqputbatch(&mut self, batch: GQueue<T>) {
        self.runq.push_back_all(batch);
    }

    /// Takes `n = min(n, size, size/gomaxprocs + 1)` Gs: the first to run,
    /// the other `n - 1` linked in order (Go 1.25's `globrunqgetbatch`).
    /// `None` if the queue is empty or `n` is 0.
    ///
    /// Context: global scheduler lock held.
    pub fn globrunqgetbatch(&mut self, n: u32, gomaxprocs: u32) -> Option<(NonNull<T>, GQueue<T>)> {
        let n = globrunqget_count(self.runq.len(), gomaxprocs, n);
        if n == 0 {
            return None;
        }
        let gp = self.runq.pop()?;
        let mut rest = GQueue::new();
        for _ in 1..n {
            let g = self
                .runq
                .pop()
                .expect("globrunqget: queue shorter than its size");
            // SAFETY: `g` was inside this crate (on the global queue) and
            // stays inside (in `rest`).
            unsafe { rest.push_back(g) };
        }
        Some((gp, rest))
    }

    /// Takes a batch for `local`'s P: returns one G to run and puts the
    /// rest of the batch at the tail of `local`'s ring (Go: `globrunqget`).
    /// The batch is `min(size, size/gomaxprocs + 1, max, N/2)`.
    ///
    /// Go calls this with an empty local ring, where the batch always fits.
    /// If `local` is too full, the Gs that do not fit go back to the head of
    /// the global queue in order, so nothing is lost or reordered.
    ///
    /// Context: global scheduler lock held, by the owner of `local`.
    ///
    /// # Safety
    /// The owner rule of [`crate::runq`] for `local`: only its owner calls
    /// this (the batch goes into `local`'s ring with `runqputbatch`).
    pub unsafe fn globrunqget<const N: usize>(
        &mut self,
        local: &LocalRunQueue<T, N>,
        max: u32,
        gomaxprocs: u32,
    ) -> Option<NonNull<T>> {
        let max = max.min(local.capacity() / 2);
        let n = globrunqget_count(self.runq.len(), gomaxprocs, max);
        if n == 0 {
            return None;
        }
        let gp = self.runq.pop()?;
        // The other `n - 1` go from the head of the global queue straight
        // into the ring; any that do not fit are simply left at the head.
        // SAFETY: forwarded from this function's contract (owner of `local`).
        unsafe { local.runqputbatch_n(&mut self.runq, n - 1) };
        Some(gp)
    }
}
