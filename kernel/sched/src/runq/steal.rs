//! Stealing from a local run queue: `runqgrab` and `runqsteal` (Go's
//! names), consumers that may run on any thread. The argument for why a
//! successful CAS on `runqhead` proves the grabbed slots were not
//! overwritten is in the parent module's design note.

use super::LocalRunQueue;
use crate::glist::SchedLink;
use crate::sync::{
    BROKEN_RUNQ,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
    spin_loop,
};
use core::ptr::{self, NonNull};

impl<T: SchedLink, const N: usize> LocalRunQueue<T, N> {
    /// The grab algorithm shared by [`Self::runqgrab`] and
    /// [`Self::runqsteal`]; `put(i, g)` stores the `i`-th grabbed G into the
    /// caller's buffer. It may be called again for the same `i` on a retry;
    /// only the values of the final, successful attempt count.
    ///
    /// `BROKEN` is the deliberate bug of the negative controls (claiming
    /// without a CAS); `WIDEN` widens its window so that a short run hits
    /// it. Both are constants, so the correct queue carries no trace of
    /// the bug.
    fn grab<const BROKEN: bool, const WIDEN: bool>(
        &self,
        steal_runnext: bool,
        max: u32,
        mut pause: impl FnMut(),
        mut put: impl FnMut(u32, *mut T),
    ) -> (u32, bool) {
        // lab steal/grab: begin
        loop {
            let h = self.runqhead.load(Acquire); // synchronise with other consumers
            let t = self.runqtail.load(Acquire); // synchronise with the producer
            let n = t.wrapping_sub(h);
            let n = (n - n / 2).min(max);
            if n == 0 {
                if steal_runnext {
                    let next = self.runnext.load(Relaxed); // the CAS acquires
                    if !next.is_null() {
                        // The caller sleeps ~3 µs here if the victim P is
                        // running: its owner is likely about to run runnext.
                        pause();
                        if self
                            .runnext
                            .compare_exchange(next, ptr::null_mut(), AcqRel, Relaxed)
                            .is_err()
                        {
                            continue;
                        }
                        put(0, next);
                        return (1, true);
                    }
                }
                return (0, false);
            }
            if n > Self::CAP / 2 {
                spin_loop(); // read an inconsistent h and t
                continue;
            }
            for i in 0..n {
                // May race with the owner reusing the slot; see the module
                // docs: the CAS below then fails and the value is dropped.
                put(i, self.slot(h.wrapping_add(i)).load(Relaxed));
            }
            if BROKEN {
                // The deliberate bug of the `broken-runq` feature (or of
                // the kernel's `fault=runq-dup`): claiming
                // without checking that nobody claimed these slots first.
                if WIDEN {
                    // Widen the window, so that a short run hits the race.
                    for _ in 0..256 {
                        spin_loop();
                    }
                }
                self.runqhead.store(h.wrapping_add(n), Release);
                return (n, false);
            }
            if self
                .runqhead
                .compare_exchange(h, h.wrapping_add(n), Release, Relaxed)
                .is_ok()
            {
                return (n, false);
            }
            spin_loop();
        }
        // lab steal/grab: end
    }

    /// Grabs half of the ring, rounded up (`n - n/2`), into `batch[..k]` and
    /// returns `k`. When the ring is empty and `steal_runnext`, takes
    /// `runnext` instead (`k = 1`), calling `pause()` first: the caller
    /// pauses ~3 µs there only if the victim P is running (Go's `usleep(3)`).
    ///
    /// Context: any thread. Panics if `batch` is shorter than `N/2`.
    pub fn runqgrab(
        &self,
        batch: &mut [Option<NonNull<T>>],
        steal_runnext: bool,
        pause: impl FnMut(),
    ) -> u32 {
        assert!(
            batch.len() >= (Self::CAP / 2) as usize,
            "runqgrab: batch shorter than N/2"
        );
        self.grab::<BROKEN_RUNQ, false>(steal_runnext, u32::MAX, pause, |i, g| {
            batch[i as usize] = NonNull::new(g)
        })
        .0
    }

    /// Steals half of `victim`'s ring (or its `runnext`, see
    /// [`Self::runqgrab`]) into this queue's ring and returns one of the
    /// stolen Gs to run — the last one grabbed, as Go — with the number of
    /// Gs taken from the victim (the returned one included; the rest are now
    /// at the tail of this ring).
    ///
    /// The grab writes straight into this ring's free slots, as Go does,
    /// so this ring must have room for `N/2` more (Go only steals into an
    /// empty ring): panics otherwise, before touching anything.
    ///
    /// Context: owner of `self` (the thief); `victim` is any other P.
    ///
    /// # Safety
    /// The owner rule (module docs) for `self`: only the thief's owner
    /// calls this. `victim` needs nothing: stealing is safe from anywhere.
    pub unsafe fn runqsteal(
        &self,
        victim: &Self,
        steal_runnext: bool,
        pause: impl FnMut(),
    ) -> Option<(NonNull<T>, u32)> {
        // SAFETY: forwarded contract.
        unsafe { self.runqsteal_runnext(victim, steal_runnext, pause) }.map(|(g, n, _)| (g, n))
    }

    /// [`Self::runqsteal`], also reporting whether the G taken was the
    /// victim's `runnext` (for tracing).
    ///
    /// # Safety
    /// As for [`Self::runqsteal`].
    pub unsafe fn runqsteal_runnext(
        &self,
        victim: &Self,
        steal_runnext: bool,
        pause: impl FnMut(),
    ) -> Option<(NonNull<T>, u32, bool)> {
        // SAFETY: forwarded contract.
        unsafe { self.steal::<BROKEN_RUNQ, false>(victim, steal_runnext, u32::MAX, pause) }
    }

    /// [`Self::runqsteal_runnext`] taking at most `max` Gs (a policy that
    /// steals one: `gmp_sched::policy::StealAmount::One`).
    ///
    /// # Safety
    /// As for [`Self::runqsteal`].
    pub unsafe fn runqsteal_at_most(
        &self,
        victim: &Self,
        steal_runnext: bool,
        max: u32,
        pause: impl FnMut(),
    ) -> Option<(NonNull<T>, u32, bool)> {
        // SAFETY: forwarded contract.
        unsafe { self.steal::<BROKEN_RUNQ, false>(victim, steal_runnext, max, pause) }
    }

    /// [`Self::runqsteal_runnext`] with the deliberate bug of the kernel's
    /// `fault=runq-dup` negative control: the victim's batch is claimed
    /// with a plain store, so two thieves can take the same Gs. Only the
    /// kernel's fault injection calls it.
    ///
    /// # Safety
    /// As for [`Self::runqsteal`].
    pub unsafe fn runqsteal_broken(
        &self,
        victim: &Self,
        steal_runnext: bool,
        pause: impl FnMut(),
    ) -> Option<(NonNull<T>, u32, bool)> {
        // SAFETY: forwarded contract.
        unsafe { self.steal::<true, true>(victim, steal_runnext, u32::MAX, pause) }
    }

    /// # Safety
    /// As for [`Self::runqsteal`].
    unsafe fn steal<const BROKEN: bool, const WIDEN: bool>(
        &self,
        victim: &Self,
        steal_runnext: bool,
        max: u32,
        pause: impl FnMut(),
    ) -> Option<(NonNull<T>, u32, bool)> {
        assert!(
            !ptr::eq(self, victim),
            "runqsteal: a P cannot steal from itself"
        );
        let t = self.runqtail.load(Relaxed);
        let h = self.runqhead.load(Acquire);
        assert!(
            t.wrapping_sub(h) <= Self::CAP / 2,
            "runqsteal: runq overflow"
        );
        let (n, from_runnext) = victim.grab::<BROKEN, WIDEN>(steal_runnext, max, pause, |i, g| {
            self.slot(t.wrapping_add(i)).store(g, Relaxed);
        });
        if n == 0 {
            return None;
        }
        let last = n - 1;
        let gp = NonNull::new(self.slot(t.wrapping_add(last)).load(Relaxed))
            .expect("runqsteal: grabbed an empty slot");
        if last > 0 {
            // Release: publishes the stolen Gs in our ring to our stealers.
            self.runqtail.store(t.wrapping_add(last), Release);
        }
        Some((gp, n, from_runnext))
    }
}
