//! The per-P local run queue: Go's lock-free `runq`/`runqhead`/`runqtail`
//! ring plus the `runnext` slot.
//!
//! Design note. One producer (the P's owner) and many consumers (the owner
//! and every stealing P) share a ring of `N` slots indexed by two
//! free-running `u32` counters: `runqtail` (written only by the owner) and
//! `runqhead` (advanced by whoever consumes, always by compare-and-swap).
//! Because `N` is a power of two and the counters wrap at 2^32, `t - h`
//! (wrapping) is the number of Gs queued and `i % N` the slot of index `i`.
//! A lock would make every steal and every `go` statement contend; Go's
//! design (1.1 scheduler) needs only a few atomic instructions per operation.
//!
//! `runnext` holds the G the owner wants to run next (the one just readied
//! by the running G), so a producer/consumer pair ping-pongs on one P with
//! cache-warm data. Only the owner ever stores a non-null G there; stealers
//! may only swap it to null.
//!
//! # The owner rule (the contract of the owner-only `unsafe fn`s)
//! `runqput`, `runqputbatch`, `runqget`, `runqdrain` and `runqsteal` (on
//! the thief) are owner-only, as in Go ("executed only by the owner P"):
//! all such calls on one queue must be ordered by happens-before — made by
//! the P's current owner, a P changing hands only through synchronisation
//! (the kernel's `acquirep`/`releasep` under its lock). The owner reads its
//! own `runqtail` and slots without synchronising; a second, concurrent
//! "owner" could read a slot before the write that fills it and hand out a
//! stale G twice. `runqgrab`, `runqempty`, `runqlen`, `ring_len` and
//! `has_runnext` are safe from any thread.
//!
//! # Memory ordering (why each ordering is what it is)
//! * Slot stores are `Relaxed`: a slot is published by the owner's
//!   `Release` store of `runqtail` that follows it; a consumer loads
//!   `runqtail` with `Acquire` before it reads slots below that tail.
//! * Slot loads are `Relaxed` and *may race* with the owner overwriting the
//!   slot: a stealer that read a stale `runqhead` can read a slot the owner
//!   has since reused. That is why the slots are atomics (in Go the race is
//!   tolerated; in Rust a non-atomic racy read is undefined behaviour). The
//!   value read is used only if the `runqhead` CAS from that same stale head
//!   succeeds; the owner reuses a slot only after it has seen `runqhead`
//!   move past it, so a successful CAS proves nobody overwrote the slots it
//!   claims.
//! * `runqhead` CASes are `Release`, and the owner loads `runqhead` with
//!   `Acquire` before reusing a slot: a consumer's slot reads (before its
//!   CAS) therefore happen-before the owner's overwrite of those slots.
//!   (This read-then-overwrite hazard is the one loom cannot show: it does
//!   not model a load reading from a store that is later in program order.)
//! * Consumers load `runqhead` with `Acquire` too (Go's load-acquire). For
//!   exactly-once delivery it is not needed — a stealer that pairs a new
//!   `h` with an older `t` computes a huge `n` and retries, and the CAS
//!   rejects any stale `h` — but it makes the tail the previous consumer saw
//!   visible, so such retries stay rare.
//! * `runnext` swaps/CASes are `AcqRel`: the G moves between cores through
//!   this word alone, so the thread whose CAS takes it must see everything
//!   the owner wrote into the G before publishing it. The plain load that
//!   precedes a CAS is `Relaxed`: the value is only a guess for the CAS,
//!   whose acquire does the ordering. `runqempty`/`runqlen` load `runnext`
//!   with `Acquire`, for the argument given at `runqempty`.
//!
//! `tests/loom.rs` checks these choices: weakening any `Release`/`Acquire`
//! on the tail, on `runnext`'s swap, or dropping `runqempty`'s re-read makes
//! a loom model fail (a stale slot, a G lost or doubled, or a data race on
//! the G's context).
//!
//! Every atomic is reached through `crate::sync`, so `tests/loom.rs` can
//! compile this very file against loom's model-checked atomics.

use crate::glist::{GQueue, SchedLink};
use crate::sync::{
    AtomicPtr, AtomicU32,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
    maybe_const_fn, null_ptr_array, spin_loop,
};
use core::ptr::{self, NonNull};

mod steal;

/// A P's local run queue: a ring of `N` Gs plus `runnext` (Go: `p.runq`,
/// `p.runqhead`, `p.runqtail`, `p.runnext`). `N` must be a power of two;
/// Go's is 256, the loom tests use 4.
pub struct LocalRunQueue<T: SchedLink, const N: usize = 256> {
    runqhead: AtomicU32,
    runqtail: AtomicU32,
    runq: [AtomicPtr<T>; N],
    runnext: AtomicPtr<T>,
}

impl<T: SchedLink, const N: usize> Default for LocalRunQueue<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SchedLink, const N: usize> LocalRunQueue<T, N> {
    /// The ring's capacity as a `u32`; rejects (at compile time) an `N`
    /// that is not a power of two in `2..=2^31`, for which the wrapping
    /// index arithmetic would be wrong.
    const CAP: u32 = {
        assert!(
            N.is_power_of_two() && N >= 2 && N <= 1 << 31,
            "runq: N must be a power of two"
        );
        N as u32
    };

    maybe_const_fn! {
        /// An empty queue.
        pub fn new() -> Self {
            Self::new_at(0)
        }
    }

    maybe_const_fn! {
        /// An empty queue whose head and tail counters start at `start`
        /// instead of 0. It behaves exactly as [`Self::new`]; tests use it
        /// to cross the 2^32 wrap of the counters.
        pub fn new_at(start: u32) -> Self {
            let _ = Self::CAP; // evaluate the assertion on N
            Self {
                runqhead: AtomicU32::new(start),
                runqtail: AtomicU32::new(start),
                runq: null_ptr_array(),
                runnext: AtomicPtr::new(ptr::null_mut()),
            }
        }
    }

    fn slot(&self, i: u32) -> &AtomicPtr<T> {
        &self.runq[(i & (Self::CAP - 1)) as usize]
    }

    /// Puts `gp` on the queue: into `runnext` when `next` (the G that was
    /// there is kicked to the tail of the ring), else at the tail.
    ///
    /// If the ring is full, `runqputslow` moves half of it (`N/2`) plus the
    /// G being queued — 129 Gs for `N = 256` — out of the ring with one CAS
    /// and returns them linked in FIFO order: the caller puts that batch on
    /// the global queue (`GlobalRunQueue::globrunqputbatch`) under its lock.
    /// If the CAS fails (a consumer emptied slots meanwhile), the put is
    /// retried, as in Go, and then fits in the ring.
    ///
    /// Context: owner P only.
    ///
    /// # Safety
    /// The owner rule (module docs): only the queue's owner calls this.
    /// And `gp` must obey the ownership rule of [`crate::glist`]: valid,
    /// and on no other queue or list, until this crate hands it back out.
    #[must_use = "a returned batch must be put on the global run queue"]
    #[inline]
    pub unsafe fn runqput(&self, gp: NonNull<T>, next: bool) -> Option<GQueue<T>> {
        // SAFETY: forwarded contract.
        unsafe { self.runqput_kick(gp, next) }.0
    }

    /// [`Self::runqput`], also reporting the G kicked out of `runnext` to
    /// the ring, if any (for tracing).
    ///
    /// # Safety
    /// As for [`Self::runqput`].
    #[must_use = "a returned batch must be put on the global run queue"]
    #[inline]
    pub unsafe fn runqput_kick(
        &self,
        gp: NonNull<T>,
        next: bool,
    ) -> (Option<GQueue<T>>, Option<NonNull<T>>) {
        let mut gp = gp;
        let mut kicked = None;
        // lab runnext/put: begin
        if next {
            // SAFETY: forwarded contract.
            match unsafe { self.runqput_runnext(gp) } {
                None => return (None, None),
                Some(old) => {
                    gp = old;
                    kicked = Some(old);
                }
            }
        }
        // lab runnext/put: end
        // lab runq/put: begin
        loop {
            // Acquire: the consumers' slot reads happen before we reuse slots.
            let h = self.runqhead.load(Acquire);
            let t = self.runqtail.load(Relaxed); // only we write it
            if t.wrapping_sub(h) < Self::CAP {
                self.slot(t).store(gp.as_ptr(), Relaxed);
                // Release: makes the slot (and the G) visible to consumers.
                self.runqtail.store(t.wrapping_add(1), Release);
                return (None, kicked);
            }
            if let Some(batch) = self.runqputslow(gp, h, t) {
                return (Some(batch), kicked);
            }
            // The queue is not full any more: the put above must succeed.
        }
        // lab runq/put: end
    }

    /// `runqput(gp, false)` on a ring used only up to `cap` entries (a
    /// policy's smaller local queue, `gmp_sched::policy::Policy::runq_size`):
    /// when `cap` are queued, `cap/2` of them from the head plus `gp` are
    /// returned for the global queue, as `runqputslow` does at `N`.
    ///
    /// # Safety
    /// As for [`Self::runqput`].
    #[must_use = "a returned batch must be put on the global run queue"]
    pub unsafe fn runqput_capped(&self, gp: NonNull<T>, cap: u32) -> Option<GQueue<T>> {
        let cap = cap.clamp(2, Self::CAP);
        loop {
            // Acquire/Relaxed/Release: as in `runqput`.
            let h = self.runqhead.load(Acquire);
            let t = self.runqtail.load(Relaxed);
            if t.wrapping_sub(h) < cap {
                self.slot(t).store(gp.as_ptr(), Relaxed);
                self.runqtail.store(t.wrapping_add(1), Release);
                return None;
            }
            let n = cap / 2;
            // Claim [h, h+n) as `runqputslow` does; a consumer that moved
            // the head first made room, so try again.
            if self
                .runqhead
                .compare_exchange(h, h.wrapping_add(n), Release, Relaxed)
                .is_err()
            {
                continue;
            }
            let mut batch = GQueue::new();
            for i in 0..n {
                let g = NonNull::new(self.slot(h.wrapping_add(i)).load(Relaxed))
                    .expect("runqput_capped: empty slot below runqtail");
                // SAFETY: queued by `runqput`, whose contract covers it
                // until this crate hands it out; it stays in the batch.
                unsafe { batch.push_back(g) };
            }
            // SAFETY: `gp` is covered by this function's contract.
            unsafe { batch.push_back(gp) };
            return Some(batch);
        }
    }

    /// The `runnext` half of `runqput(gp, true)`: `gp` goes into `runnext`
    /// and the G it displaced, if any, is returned; the caller must then put
    /// that G at the tail of the ring (`runqput(old, false)`), which is what
    /// [`Self::runqput_kick`] does.
    ///
    /// # Safety
    /// As for [`Self::runqput`].
    #[must_use = "a displaced G must be put on the ring"]
    #[inline]
    pub unsafe fn runqput_runnext(&self, gp: NonNull<T>) -> Option<NonNull<T>> {
        // lab runnext/swap: begin
        // Go loops on a CAS of runnext; an atomic swap is the same operation
        // without the loop. AcqRel: publishes gp's contents to whoever takes
        // it, and acquires the old G's.
        NonNull::new(self.runnext.swap(gp.as_ptr(), AcqRel))
        // lab runnext/swap: end
    }

    /// Takes `N/2` Gs from the head of the (full) ring plus `gp`, linked in
    /// order. `None` if a consumer moved `runqhead` first.
    ///
    /// Go copies the slots into a stack array *before* its CAS; this reads
    /// them *after*. Both are correct: only the owner writes slots, the
    /// owner is us, and once the CAS has claimed `[h, h+n)` no consumer can
    /// claim them, so the slots are stable and ours (the same argument as
    /// Go's `runqdrain`). It also needs no `[_; N/2 + 1]` array, which Rust
    /// cannot size from a const generic yet.
    #[cold]
    #[inline(never)]
    fn runqputslow(&self, gp: NonNull<T>, h: u32, t: u32) -> Option<GQueue<T>> {
        // lab overflow/runqputslow: begin
        let n = t.wrapping_sub(h) / 2;
        assert!(n == Self::CAP / 2, "runqputslow: queue is not full");
        // Release: as for every consumer (the "consumer" is us here).
        if self
            .runqhead
            .compare_exchange(h, h.wrapping_add(n), Release, Relaxed)
            .is_err()
        {
            return None;
        }
        let mut batch = GQueue::new();
        for i in 0..n {
            let g = NonNull::new(self.slot(h.wrapping_add(i)).load(Relaxed))
                .expect("runqputslow: empty slot below runqtail");
            // SAFETY: `g` was queued by `runqput`, whose contract covers it
            // until this crate hands it out; it stays inside (in the batch).
            unsafe { batch.push_back(g) };
        }
        // SAFETY: `gp` is covered by `runqput`'s contract, as above.
        unsafe { batch.push_back(gp) };
        Some(batch)
        // lab overflow/runqputslow: end
    }

    /// Puts as many Gs of `q` as fit at the tail of the ring, in order
    /// (Go: `runqputbatch`); those that do not fit stay in `q`.
    ///
    /// Context: owner P only.
    ///
    /// # Safety
    /// The owner rule (module docs): only the queue's owner calls this.
    pub unsafe fn runqputbatch(&self, q: &mut GQueue<T>) {
        // SAFETY: forwarded from this function's contract.
        unsafe { self.runqputbatch_n(q, u32::MAX) }
    }

    /// Moves up to `n` Gs from the head of `q` to the tail of the ring, in
    /// order, as many as fit; the rest stay at the head of `q`, in order.
    /// (The global queue's batch goes straight into the ring this way, with
    /// no intermediate list.)
    ///
    /// Context: owner P only.
    ///
    /// # Safety
    /// The owner rule (module docs): only the queue's owner calls this.
    #[inline]
    pub unsafe fn runqputbatch_n(&self, q: &mut GQueue<T>, n: u32) {
        if n == 0 || q.is_empty() {
            return;
        }
        let h = self.runqhead.load(Acquire);
        let t0 = self.runqtail.load(Relaxed);
        let room = Self::CAP - t0.wrapping_sub(h);
        let mut t = t0;
        for _ in 0..n.min(room) {
            let Some(gp) = q.pop() else { break };
            self.slot(t).store(gp.as_ptr(), Relaxed);
            t = t.wrapping_add(1);
        }
        self.runqtail.store(t, Release);
    }

    /// Takes the next G to run: `runnext` first, then the head of the ring.
    /// The flag (Go: `inheritTime`) is true for the `runnext` G: it shares
    /// the current time slice instead of starting a new one.
    ///
    /// Context: owner P only.
    ///
    /// # Safety
    /// The owner rule (module docs): only the queue's owner calls this.
    #[inline]
    pub unsafe fn runqget(&self) -> Option<(NonNull<T>, bool)> {
        // lab runnext/get: begin
        let next = self.runnext.load(Relaxed); // a guess; the CAS acquires
        // If the CAS fails, a stealer took runnext (only the owner sets it
        // non-null), so there is no point retrying it.
        if let Some(g) = NonNull::new(next)
            && self
                .runnext
                .compare_exchange(next, ptr::null_mut(), AcqRel, Relaxed)
                .is_ok()
        {
            return Some((g, true));
        }
        // lab runnext/get: end
        // lab runq/get: begin
        loop {
            // Acquire: synchronise with other consumers (see the module docs).
            let h = self.runqhead.load(Acquire);
            let t = self.runqtail.load(Relaxed);
            if t == h {
                return None;
            }
            let gp = self.slot(h).load(Relaxed);
            if self
                .runqhead
                .compare_exchange(h, h.wrapping_add(1), Release, Relaxed)
                .is_ok()
            {
                let gp = NonNull::new(gp).expect("runqget: empty slot below runqtail");
                return Some((gp, false));
            }
            spin_loop();
        }
        // lab runq/get: end
    }

    /// Takes every G (runnext first, then the ring in order), e.g. when a P
    /// is destroyed (Go: `runqdrain`).
    ///
    /// Context: owner P only.
    ///
    /// # Safety
    /// The owner rule (module docs): only the queue's owner calls this.
    pub unsafe fn runqdrain(&self) -> GQueue<T> {
        let mut drained = GQueue::new();
        // The first G as `runqget` takes it: `runnext` if set, else the
        // ring's head. None means both were empty, and only the owner (the
        // caller) adds Gs: nothing is left.
        // SAFETY: forwarded contract (owner only).
        let Some((first, _)) = (unsafe { self.runqget() }) else {
            return drained;
        };
        // SAFETY: covered by `runqput`'s contract; it stays inside.
        unsafe { drained.push_back(first) };
        // The rest of the ring, claimed at once.
        loop {
            let h = self.runqhead.load(Acquire);
            let t = self.runqtail.load(Relaxed);
            let qn = t.wrapping_sub(h);
            if qn == 0 {
                return drained;
            }
            if qn > Self::CAP {
                spin_loop(); // read an inconsistent h and t
                continue;
            }
            if self
                .runqhead
                .compare_exchange(h, h.wrapping_add(qn), Release, Relaxed)
                .is_err()
            {
                spin_loop();
                continue;
            }
            // Read the slots only after the CAS (as Go does): from then on
            // no stealer can claim them, so linking the Gs is ours to do.
            for i in 0..qn {
                let g = NonNull::new(self.slot(h.wrapping_add(i)).load(Relaxed))
                    .expect("runqdrain: empty slot below runqtail");
                // SAFETY: covered by `runqput`'s contract; it stays inside.
                unsafe { drained.push_back(g) };
            }
            return drained;
        }
    }

    /// Whether the queue has no G, ring nor `runnext`. Never returns true
    /// spuriously: a G in transit from `runnext` to the ring is seen.
    ///
    /// The race it defends against (Go's comment): `runnext` holds G1 and the
    /// ring is empty; the owner's `runqput(G2, next)` kicks G1 to the ring,
    /// then its `runqget` empties `runnext`. Reading head == tail and then
    /// `runnext` == null would report "empty" although G1 is queued. Hence
    /// the second read of `runqtail`: if our `Acquire` load of `runnext` saw
    /// the null written by that `runqget` (an `AcqRel` CAS), the owner's
    /// earlier `Release` store of the new tail happens-before our second
    /// load, which therefore sees the tail move and we retry.
    ///
    /// Context: any thread.
    pub fn runqempty(&self) -> bool {
        loop {
            let head = self.runqhead.load(Acquire);
            let tail = self.runqtail.load(Acquire);
            let runnext = self.runnext.load(Acquire);
            if tail == self.runqtail.load(Acquire) {
                return head == tail && runnext.is_null();
            }
            spin_loop();
        }
    }

    /// Number of Gs held: those in the ring plus one if `runnext` is set.
    /// A snapshot, exact when the queue is quiescent; read with
    /// `runqempty`'s tail re-check, so it is never 0 while a G moves from
    /// `runnext` to the ring.
    ///
    /// Context: any thread.
    pub fn runqlen(&self) -> u32 {
        loop {
            let head = self.runqhead.load(Acquire);
            let tail = self.runqtail.load(Acquire);
            let runnext = self.runnext.load(Acquire);
            let ring = tail.wrapping_sub(head);
            if tail == self.runqtail.load(Acquire) && ring <= Self::CAP {
                return ring + u32::from(!runnext.is_null());
            }
            spin_loop();
        }
    }

    /// Number of Gs in the ring alone, `runqtail - runqhead` (what Go's
    /// `schedtrace` prints per P, and its `runqsize=` with `scheddetail`).
    ///
    /// Context: any thread (a snapshot).
    pub fn ring_len(&self) -> u32 {
        loop {
            let head = self.runqhead.load(Acquire);
            let tail = self.runqtail.load(Acquire);
            let ring = tail.wrapping_sub(head);
            if ring <= Self::CAP {
                return ring;
            }
            spin_loop();
        }
    }

    /// Whether `runnext` holds a G (a snapshot).
    ///
    /// Context: any thread.
    pub fn has_runnext(&self) -> bool {
        !self.runnext.load(Acquire).is_null()
    }

    /// Calls `f` on every queued G: `runnext` first (flag true), then the
    /// ring from head to tail. A diagnostic view (scheddetail, tests): exact
    /// only while no other thread consumes from this queue, e.g. with the
    /// world stopped, and called by the owner (or with the world stopped);
    /// otherwise the pointers may be stale: it never dereferences them, and
    /// neither should the caller without that guarantee.
    ///
    /// Context: owner P, or a quiescent queue.
    pub fn visit(&self, mut f: impl FnMut(NonNull<T>, bool)) {
        if let Some(g) = NonNull::new(self.runnext.load(Acquire)) {
            f(g, true);
        }
        let h = self.runqhead.load(Acquire);
        let t = self.runqtail.load(Acquire);
        for i in 0..t.wrapping_sub(h).min(Self::CAP) {
            if let Some(g) = NonNull::new(self.slot(h.wrapping_add(i)).load(Relaxed)) {
                f(g, false);
            }
        }
    }

    /// The ring's capacity, `N`.
    pub const fn capacity(&self) -> u32 {
        Self::CAP
    }
}
