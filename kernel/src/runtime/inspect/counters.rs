//! The scheduler's counters as plain numbers: one P's, every P's, or
//! their sum — a snapshot of what the end-of-run summary prints.
//!
//! Design note: the counters live as atomics in each P (`objects::p`,
//! `PStats`), written only by the M holding the P. A snapshot read while
//! Ms run is a set of figures from slightly different instants (good for
//! "how many hand-offs happened during my demo", not for an identity
//! between two columns); the end-of-run summary reads them from a stopped
//! world. Go exposes the same kind of figures through `runtime/metrics`.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use crate::runtime::objects::p::PStats;
use crate::runtime::objects::sched::allp_all;

/// One P's counters, or a sum of several.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Gs started running (`execute`).
    pub gs_run: u64,
    /// Gs created (`go`).
    pub spawned: u64,
    /// Gs that exited (`goexit`).
    pub exits: u64,
    /// Gs stolen into this P, and out of it.
    pub steals_in: u64,
    pub steals_out: u64,
    /// Batches taken from the global queue.
    pub glob_takes: u64,
    /// Gs moved to the global queue because the local ring was full.
    pub overflows: u64,
    /// Times the P went idle.
    pub parks: u64,
    /// Times sysmon asked the P's G to yield, and Gs actually preempted.
    pub preempt_requests: u64,
    pub preemptions: u64,
    /// Ps taken from a blocking call and handed off.
    pub handoffs: u64,
    /// Steal rounds that visited every P and found nothing.
    pub steal_misses: u64,
    /// Gs run from `runnext`.
    pub runnext_runs: u64,
    /// Times the spinning limit kept an M from spinning.
    pub spin_refused: u64,
}

impl Counters {
    /// A snapshot of one P's atomics.
    pub fn of(s: &PStats) -> Counters {
        let r = |a: &core::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        Counters {
            gs_run: r(&s.gs_run),
            spawned: r(&s.spawned),
            exits: r(&s.exits),
            steals_in: r(&s.steals_in),
            steals_out: r(&s.steals_out),
            glob_takes: r(&s.glob_takes),
            overflows: r(&s.overflows),
            parks: r(&s.parks),
            preempt_requests: r(&s.preempt_requests),
            preemptions: r(&s.preemptions),
            handoffs: r(&s.handoffs),
            steal_misses: r(&s.steal_misses),
            runnext_runs: r(&s.runnext_runs),
            spin_refused: r(&s.spin_refused),
        }
    }

    /// `self + o`, field by field.
    pub fn plus(self, o: Counters) -> Counters {
        Counters {
            gs_run: self.gs_run + o.gs_run,
            spawned: self.spawned + o.spawned,
            exits: self.exits + o.exits,
            steals_in: self.steals_in + o.steals_in,
            steals_out: self.steals_out + o.steals_out,
            glob_takes: self.glob_takes + o.glob_takes,
            overflows: self.overflows + o.overflows,
            parks: self.parks + o.parks,
            preempt_requests: self.preempt_requests + o.preempt_requests,
            preemptions: self.preemptions + o.preemptions,
            handoffs: self.handoffs + o.handoffs,
            steal_misses: self.steal_misses + o.steal_misses,
            runnext_runs: self.runnext_runs + o.runnext_runs,
            spin_refused: self.spin_refused + o.spin_refused,
        }
    }
}

/// Every P the machine has (in use or not; a P a GOMAXPROCS change
/// destroyed keeps its counts), indexed by P id.
pub fn counters_per_p() -> Vec<Counters> {
    allp_all()
        .iter()
        .map(|pp| Counters::of(&pp.stats))
        .collect()
}

/// The sum over every P.
pub fn counters() -> Counters {
    allp_all().iter().fold(Counters::default(), |acc, pp| {
        acc.plus(Counters::of(&pp.stats))
    })
}
