//! Finding work elsewhere: the `findRunnable` decision sequence's view of
//! this M's queues ([`Finder`], the kernel's half of
//! `gmp_sched::findrunnable::Sources`) and work stealing (`stealWork`):
//! four passes over the other Ps in a random order that visits each once
//! per pass (the coprime steal order of `gmp_sched::stealorder`), taking
//! half a victim's ring, and its `runnext` only on the last pass.

use core::sync::atomic::Ordering;

use gmp_sched::findrunnable::Sources;
use gmp_sched::options::Fault;
use gmp_sched::spinning;
use gmp_sched::stealorder::RandomOrder;

use crate::arch::tsc;
use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::g::G;
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::sched::{SCHED, allp, gomaxprocs};
use crate::runtime::scheduler::observe;

use crate::runtime::scheduler::mpark::become_spinning;
use crate::runtime::scheduler::queues::{glob_batch_max, globrunqget};

/// How long a thief waits before taking a running victim's `runnext`
/// (Go's `usleep(3)`): the victim is likely about to run it itself.
const RUNNEXT_STEAL_PAUSE_NS: u64 = 3_000;
/// Passes `stealWork` makes over all Ps (Go's `stealTries`).
const STEAL_TRIES: usize = 4;

/// The steal order over the Ps (Go's `stealOrder`): rebuilt for the P
/// count at boot and by `procresize` with the world stopped, read by
/// stealing Ms otherwise.
struct OrderCell(core::cell::UnsafeCell<RandomOrder>);

// SAFETY: written only by `init_steal_order`, which runs at boot before any
// M steals, or with the world stopped (no M is scheduling); read otherwise.
unsafe impl Sync for OrderCell {}

static STEAL_ORDER: OrderCell = OrderCell(core::cell::UnsafeCell::new(RandomOrder::new()));

/// Prepare the steal order for `nprocs` Ps (Go's `stealOrder.reset`).
///
/// Context: boot before the scheduler runs, or the world stopped.
pub fn init_steal_order(nprocs: u32) {
    // SAFETY: see `OrderCell`: nobody reads it now.
    unsafe { (*STEAL_ORDER.0.get()).reset(nprocs) };
}

/// The steal order.
pub fn steal_order() -> Option<&'static RandomOrder> {
    // SAFETY: see `OrderCell`: no write happens while Ms read it.
    Some(unsafe { &*STEAL_ORDER.0.get() })
}

/// The M's view of the queues for the portable decision sequence.
pub(crate) struct Finder {
    pub(crate) m: &'static M,
    pub(crate) pp: &'static P,
}

impl Sources for Finder {
    type G = &'static G;

    fn schedtick(&self) -> u64 {
        self.pp.schedtick.load(Ordering::Relaxed)
    }

    fn fairness_enabled(&self) -> bool {
        knobs().fairness61
    }

    fn global_nonempty(&self) -> bool {
        SCHED.runqsize.load(Ordering::Acquire) != 0
    }

    fn globrunqget_one(&mut self) -> Option<&'static G> {
        globrunqget(self.pp, 1)
    }

    fn runqget(&mut self) -> Option<(&'static G, bool)> {
        // SAFETY: this M holds `pp`, the queue's owner; entries are live Gs.
        let got = unsafe { self.pp.runq.runqget() }
            .map(|(g, inherit)| (unsafe { &*g.as_ptr() }, inherit));
        if let Some((_, true)) = got {
            self.pp.stats.runnext_runs.fetch_add(1, Ordering::Relaxed);
        }
        got
    }

    fn globrunqget_batch(&mut self) -> Option<&'static G> {
        globrunqget(self.pp, glob_batch_max())
    }

    #[inline(always)]
    fn netpoll_pending(&self) -> bool {
        crate::runtime::scheduler::netpoll::pending()
    }

    #[cold]
    fn netpoll(&mut self) -> Option<&'static G> {
        crate::runtime::scheduler::netpoll::netpoll(
            crate::runtime::scheduler::netpoll::Finder::FindRunnable,
        )
    }

    fn spinning(&self) -> bool {
        self.m.spinning.load(Ordering::Relaxed)
    }

    fn may_start_spinning(&self) -> bool {
        let knobs = knobs();
        if !knobs.steal || knobs.gm_model {
            return false;
        }
        if !knobs.spinning {
            // Without the spinning limit every M that runs dry may steal.
            return true;
        }
        let ok = spinning::may_start_spinning(
            SCHED.nmspinning.load(Ordering::Acquire),
            gomaxprocs(),
            SCHED.npidle.load(Ordering::Acquire),
        );
        if !ok {
            self.pp.stats.spin_refused.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    fn become_spinning(&mut self) {
        become_spinning(self.m);
    }

    fn steal_work(&mut self) -> Option<(&'static G, bool)> {
        let knobs = knobs();
        if !knobs.steal || knobs.gm_model {
            // An M started as a spinner (wakep) still spins, but takes
            // nothing from other Ps: it looks at the global queue only.
            return None;
        }
        steal_work(self.m, self.pp).map(|g| (g, false))
    }
}

/// Steal from the other Ps: four passes in a random order that visits each
/// P once per pass; only the last pass may take a victim's `runnext`.
pub(crate) fn steal_work(m: &'static M, pp: &'static P) -> Option<&'static G> {
    let order = steal_order().expect("steal order initialised");
    let ps = allp();
    for i in 0..STEAL_TRIES {
        let steal_runnext = i == STEAL_TRIES - 1;
        let draw = m.rand().next_u32();
        if m.first_steal_draw.load(Ordering::Relaxed) == u64::MAX {
            m.first_steal_draw.store(u64::from(draw), Ordering::Relaxed);
        }
        let mut e = order.start(draw);
        while !e.done() {
            let p2 = &ps[e.position() as usize];
            e.advance();
            if core::ptr::eq(pp, p2) || p2.status() == Pstatus::Pidle {
                continue;
            }
            let pause = || {
                if p2.status() == Pstatus::Prunning {
                    tsc::spin_ns(RUNNEXT_STEAL_PAUSE_NS);
                }
            };
            let stolen = if knobs().fault == Fault::RunqDup {
                // The deliberate bug of `fault=runq-dup` (a negative
                // control): claim the victim's Gs without a CAS.
                // SAFETY: as below.
                unsafe { pp.runq.runqsteal_broken(&p2.runq, steal_runnext, pause) }
            } else {
                // SAFETY: this M holds `pp`, the thief's queue; its ring is
                // empty (findRunnable steals only after runqget failed).
                unsafe { pp.runq.runqsteal_runnext(&p2.runq, steal_runnext, pause) }
            };
            if let Some((gp, n, from_next)) = stolen {
                observe::steal(p2.id, n, from_next);
                pp.stats.steals_in.fetch_add(n as u64, Ordering::Relaxed);
                p2.stats.steals_out.fetch_add(n as u64, Ordering::Relaxed);
                // SAFETY: queue entries are live Gs.
                return Some(unsafe { &*gp.as_ptr() });
            }
        }
    }
    pp.stats.steal_misses.fetch_add(1, Ordering::Relaxed);
    None
}
