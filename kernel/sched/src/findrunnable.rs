//! The order in which an M looks for work — Go's `findRunnable`, steps 1–5.
//!
//! The kernel owns the data (queues, locks, Ms); this module owns the
//! *decision sequence*, so the sequence can be read in one place and tested
//! on the host against a scripted model:
//!
//! 1. Every 61st schedule tick, if the global queue is not empty, one G from
//!    it first (fairness: two Gs that keep respawning each other into
//!    `runnext` would otherwise starve the global queue forever).
//! 2. The local queue: `runnext`, then the ring (`runqget`).
//! 3. The global queue: a batch (`globrunqget`), one to run, the rest into
//!    the local ring.
//! 4. The netpoller, without blocking (`netpoll(0)`), only when a device
//!    has signalled and a G waits for it (Go also asks only when there are
//!    waiters): the G whose input arrived.
//! 5. Steal (`stealWork`), if this M already spins or may start spinning:
//!    at most half the busy Ps may have a spinning M
//!    (`2*nmspinning < gomaxprocs - npidle`).
//!
//! If all five come up empty the caller releases its P, re-checks every
//! queue and parks (step 6, which needs the kernel's parking machinery).
//! Timers (when they exist) are run by the caller before step 1.

/// Where a G was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Step 1: the fairness check took one G from the global queue.
    GlobalFairness,
    /// Step 2: `runnext` (inherits the time slice).
    Runnext,
    /// Step 2: the local ring.
    LocalRing,
    /// Step 3: a batch from the global queue.
    GlobalBatch,
    /// Step 4: readied by the netpoller.
    Netpoll,
    /// Step 5: stolen from another P.
    Steal,
}

/// The fairness period: every this many schedule ticks the global queue is
/// checked first (Go's 61, a prime so it does not beat with other periods).
pub const GLOBAL_FAIRNESS_TICKS: u64 = 61;

/// What `find_runnable` needs from the kernel; each method is one source.
pub trait Sources {
    /// A G handle.
    type G;
    /// This P's schedule tick.
    fn schedtick(&self) -> u64;
    /// Whether the 1-in-61 check is enabled (boot option `fairness61`).
    fn fairness_enabled(&self) -> bool;
    /// Lock-free hint: is the global queue non-empty?
    fn global_nonempty(&self) -> bool;
    /// Take exactly one G from the global queue (step 1).
    fn globrunqget_one(&mut self) -> Option<Self::G>;
    /// `runqget`: a G and whether it came from `runnext` (step 2).
    fn runqget(&mut self) -> Option<(Self::G, bool)>;
    /// `globrunqget` with Go's batch size (step 3).
    fn globrunqget_batch(&mut self) -> Option<Self::G>;
    /// Lock-free hint: did a device signal while a G waits on it?
    fn netpoll_pending(&self) -> bool;
    /// `netpoll(0)` (step 4): the G whose input is ready, now runnable.
    fn netpoll(&mut self) -> Option<Self::G>;
    /// Whether this M is spinning.
    fn spinning(&self) -> bool;
    /// Whether a new spinner is allowed (`2*nmspinning < gomaxprocs - npidle`)
    /// and stealing is enabled.
    fn may_start_spinning(&self) -> bool;
    /// Mark this M spinning (`becomeSpinning`).
    fn become_spinning(&mut self);
    /// `stealWork` (step 5): a G and whether it inherits the time slice.
    fn steal_work(&mut self) -> Option<(Self::G, bool)>;
}

/// Steps 1–5. `Some((g, inherit_time, source))` or `None` when the caller
/// must go idle (step 6).
#[inline]
pub fn find_runnable<S: Sources>(s: &mut S) -> Option<(S::G, bool, Source)> {
    // lab fairness/check61: begin
    // Go tests `schedtick % 61 == 0 && !sched.runq.empty()`; the three
    // conditions are side-effect-free loads, so testing the cheapest and
    // most often false one first (an empty global queue) gives the same
    // decision for less work.
    if s.global_nonempty()
        && s.fairness_enabled()
        && s.schedtick().is_multiple_of(GLOBAL_FAIRNESS_TICKS)
        && let Some(g) = s.globrunqget_one()
    {
        return Some((g, false, Source::GlobalFairness));
    }
    // lab fairness/check61: end
    // lab schedule/find_runnable: begin
    if let Some((g, inherit)) = s.runqget() {
        return Some((
            g,
            inherit,
            if inherit {
                Source::Runnext
            } else {
                Source::LocalRing
            },
        ));
    }
    if s.global_nonempty()
        && let Some(g) = s.globrunqget_batch()
    {
        return Some((g, false, Source::GlobalBatch));
    }
    if s.netpoll_pending()
        && let Some(g) = s.netpoll()
    {
        return Some((g, false, Source::Netpoll));
    }
    if s.spinning() || s.may_start_spinning() {
        if !s.spinning() {
            s.become_spinning();
        }
        if let Some((g, inherit)) = s.steal_work() {
            return Some((g, inherit, Source::Steal));
        }
    }
    None
    // lab schedule/find_runnable: end
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::VecDeque;
    use alloc::vec;
    use alloc::vec::Vec;

    /// A scripted world: each source holds named Gs, and every call is logged.
    #[derive(Default)]
    struct Model {
        tick: u64,
        fairness: bool,
        global: VecDeque<u32>,
        runnext: Option<u32>,
        ring: VecDeque<u32>,
        victims: VecDeque<u32>,
        polled: Option<u32>,
        spinning: bool,
        may_spin: bool,
        log: Vec<&'static str>,
    }

    impl Sources for Model {
        type G = u32;
        fn schedtick(&self) -> u64 {
            self.tick
        }
        fn fairness_enabled(&self) -> bool {
            self.fairness
        }
        fn global_nonempty(&self) -> bool {
            !self.global.is_empty()
        }
        fn globrunqget_one(&mut self) -> Option<u32> {
            self.log.push("global1");
            self.global.pop_front()
        }
        fn runqget(&mut self) -> Option<(u32, bool)> {
            self.log.push("local");
            if let Some(g) = self.runnext.take() {
                return Some((g, true));
            }
            self.ring.pop_front().map(|g| (g, false))
        }
        fn globrunqget_batch(&mut self) -> Option<u32> {
            self.log.push("globalN");
            self.global.pop_front()
        }
        fn netpoll_pending(&self) -> bool {
            self.polled.is_some()
        }
        fn netpoll(&mut self) -> Option<u32> {
            self.log.push("netpoll");
            self.polled.take()
        }
        fn spinning(&self) -> bool {
            self.spinning
        }
        fn may_start_spinning(&self) -> bool {
            self.may_spin
        }
        fn become_spinning(&mut self) {
            self.log.push("spin");
            self.spinning = true;
        }
        fn steal_work(&mut self) -> Option<(u32, bool)> {
            self.log.push("steal");
            self.victims.pop_front().map(|g| (g, false))
        }
    }

    fn model() -> Model {
        Model {
            fairness: true,
            may_spin: true,
            tick: 1,
            ..Model::default()
        }
    }

    type Found = Option<(u32, bool, Source)>;

    /// Runs `find_runnable` on `model()` as `setup` leaves it: what it found
    /// and the calls it made, in order.
    fn find(setup: impl FnOnce(&mut Model)) -> (Found, Vec<&'static str>) {
        let mut m = model();
        setup(&mut m);
        (find_runnable(&mut m), m.log)
    }

    #[test]
    fn every_61st_tick_takes_global_before_local() {
        let found = find(|m| {
            m.tick = 61 * 3;
            m.global.push_back(7);
            m.runnext = Some(1);
        });
        let fair = Some((7, false, Source::GlobalFairness));
        assert_eq!(found, (fair, vec!["global1"]));
    }

    #[test]
    fn fairness_tick_with_empty_global_falls_through_to_local() {
        let found = find(|m| {
            m.tick = 61;
            m.runnext = Some(1);
        });
        assert_eq!(found, (Some((1, true, Source::Runnext)), vec!["local"]));
    }

    #[test]
    fn fairness_off_never_checks_global_first() {
        let found = find(|m| {
            m.fairness = false;
            m.tick = 61;
            m.global.push_back(7);
            m.ring.push_back(2);
        });
        assert_eq!(found, (Some((2, false, Source::LocalRing)), vec!["local"]));
    }

    #[test]
    fn other_ticks_prefer_local_then_global_batch() {
        for tick in [1, 60, 62, 121] {
            let found = find(|m| {
                m.tick = tick;
                m.global.push_back(7);
                m.ring.push_back(2);
            });
            let local = Some((2, false, Source::LocalRing));
            assert_eq!(found, (local, vec!["local"]), "tick {tick}");
            let found = find(|m| {
                m.tick = tick;
                m.global.push_back(7);
            });
            let batch = Some((7, false, Source::GlobalBatch));
            assert_eq!(found, (batch, vec!["local", "globalN"]), "tick {tick}");
        }
    }

    #[test]
    fn steals_only_when_allowed_to_spin() {
        let stolen = Some((9, false, Source::Steal));
        let found = find(|m| m.victims.push_back(9));
        assert_eq!(found, (stolen, vec!["local", "spin", "steal"]));

        let found = find(|m| {
            m.may_spin = false;
            m.victims.push_back(9);
        });
        assert_eq!(found, (None, vec!["local"]));

        // An M that already spins keeps stealing even when no new spinner
        // would be allowed.
        let found = find(|m| {
            m.may_spin = false;
            m.spinning = true;
            m.victims.push_back(9);
        });
        assert_eq!(found, (stolen, vec!["local", "steal"]));
    }

    #[test]
    fn netpoll_after_local_and_global_before_stealing() {
        let found = find(|m| {
            m.polled = Some(5);
            m.victims.push_back(9);
        });
        let polled = Some((5, false, Source::Netpoll));
        assert_eq!(found, (polled, vec!["local", "netpoll"]));

        // Local and global work come first: the poll is not even made.
        let found = find(|m| {
            m.polled = Some(5);
            m.global.push_back(7);
        });
        let batch = Some((7, false, Source::GlobalBatch));
        assert_eq!(found, (batch, vec!["local", "globalN"]));

        // Nothing pending: no poll, straight to stealing.
        let (found, log) = find(|m| m.victims.push_back(9));
        assert_eq!(found, Some((9, false, Source::Steal)));
        assert!(!log.contains(&"netpoll"));
    }

    #[test]
    fn netpoll_is_asked_by_an_m_that_may_not_spin() {
        // Step 4 is not part of stealing: an M refused as a spinner still
        // gets the G whose input arrived (Go polls before its spinning
        // check too), or that G would wait for sysmon's 10 ms poll.
        let found = find(|m| {
            m.may_spin = false;
            m.polled = Some(5);
        });
        let polled = Some((5, false, Source::Netpoll));
        assert_eq!(found, (polled, vec!["local", "netpoll"]));
    }

    #[test]
    fn nothing_anywhere_returns_none_after_trying_everything() {
        let mut m = model();
        assert_eq!(find_runnable(&mut m), None);
        assert_eq!(m.log, ["local", "spin", "steal"]);
        assert!(
            m.spinning,
            "the M stays spinning; the caller un-spins in step 6"
        );
    }
}
