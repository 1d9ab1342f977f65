//! Finding work elsewhere: the `findRunnable` decision sequence's view of
//! this M's queues ([`Finder`], the kernel's half of
//! `gmp_sched::findrunnable::Sources`) and work stealing (`stealWork`):
//! four passes over the other Ps in a random order that visits each once
//! per pass (the coprime steal order of `gmp_sched::stealorder`), taking
//! half a victim's ring, and its `runnext` only on the last pass — Go's
//! policy; the policy in force (`objects::policy`) may choose the nearest
//! cores first, one G per steal, or `runnext` never or on every pass.

use core::sync::atomic::Ordering;

use alloc::vec::Vec;

use gmp_sched::findrunnable::Sources;
use gmp_sched::options::Fault;
use gmp_sched::policy::{Policy, StealAmount, Victims};
use gmp_sched::stealorder::{self, RandomOrder};

use crate::arch::tsc;
use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::g::G;
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::policy::{fast, policy};
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

    #[inline(always)]
    fn schedtick(&self) -> u64 {
        let tick = self.pp.schedtick.load(Ordering::Relaxed);
        if fast().interval_61 {
            return tick;
        }
        // The sequence's step 1 takes a global G when this is a multiple
        // of 61 (Go's interval, in the lab's region). A policy with
        // another interval answers for that step: 0 on its own ticks, 1
        // otherwise. (Asked only while the global queue has Gs and the
        // interval is not 0.)
        if policy().global_first(tick) { 0 } else { 1 }
    }

    fn fairness_enabled(&self) -> bool {
        policy().global_interval != 0
    }

    fn global_nonempty(&self) -> bool {
        SCHED.runqsize.load(Ordering::Acquire) != 0
    }

    fn globrunqget_one(&mut self) -> Option<&'static G> {
        globrunqget(self.pp, 1)
    }

    #[inline(always)]
    fn runqget(&mut self) -> Option<(&'static G, bool)> {
        // SAFETY: this M holds `pp`, the queue's owner; entries are live Gs.
        let got = unsafe { self.pp.runq.runqget() }
            .map(|(g, inherit)| (unsafe { &*g.as_ptr() }, inherit));
        if let Some((_, from_next)) = got {
            if from_next {
                self.pp.stats.runnext_runs.fetch_add(1, Ordering::Relaxed);
            }
            if !fast().runqget_plain {
                return runqget_policy(self.pp, got);
            }
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
        let pol = policy();
        if !pol.steal || knobs().gm_model {
            return false;
        }
        // The policy's cap: half the busy Ps (Go), one, or none.
        let ok = pol.may_start_spinning(
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
        if !policy().steal || knobs().gm_model {
            // An M started as a spinner (wakep) still spins, but takes
            // nothing from other Ps: it looks at the global queue only.
            return None;
        }
        steal_work(self.m, self.pp).map(|g| (g, false))
    }
}

/// A policy other than Go's at `runqget`, which found a G: count the run
/// of `runnext` Gs for its cap (only the holder of the P writes it; a G
/// from anywhere but the local queue leaves the count alone), and say
/// whether a `runnext` G inherits the time slice.
#[cold]
#[inline(never)]
fn runqget_policy(pp: &P, got: Option<(&'static G, bool)>) -> Option<(&'static G, bool)> {
    let pol = policy();
    let n = match got {
        Some((_, true)) => pp.runnext_streak.load(Ordering::Relaxed) + 1,
        _ => 0,
    };
    pp.runnext_streak.store(n, Ordering::Relaxed);
    got.map(|(g, from_next)| (g, from_next && pol.runnext_inherits))
}

/// Steal from the other Ps: four passes, each visiting every P once — in
/// a random order (Go), or nearest core first (`Victims::Nearest`); the
/// policy says on which passes a victim's `runnext` may be taken (Go: the
/// last) and how much one steal takes (Go: half).
pub(crate) fn steal_work(m: &'static M, pp: &'static P) -> Option<&'static G> {
    let pol = policy();
    if pol.victims == Victims::Nearest {
        return steal_nearest(m, pp, pol);
    }
    let order = steal_order().expect("steal order initialised");
    let ps = allp();
    for i in 0..STEAL_TRIES {
        let steal_runnext = pol.steal_runnext_on(i, STEAL_TRIES);
        let draw = m.rand().next_u32();
        if m.first_steal_draw.load(Ordering::Relaxed) == u64::MAX {
            m.first_steal_draw.store(u64::from(draw), Ordering::Relaxed);
        }
        let mut e = order.start(draw);
        while !e.done() {
            let p2 = &ps[e.position() as usize];
            e.advance();
            if let Some(gp) = steal_from(pp, p2, steal_runnext, pol) {
                return Some(gp);
            }
        }
    }
    pp.stats.steal_misses.fetch_add(1, Ordering::Relaxed);
    None
}

/// One victim: take what the policy allows from `p2` into `pp`.
#[inline]
fn steal_from(
    pp: &'static P,
    p2: &'static P,
    steal_runnext: bool,
    pol: &Policy,
) -> Option<&'static G> {
    if core::ptr::eq(pp, p2) || p2.status() == Pstatus::Pidle {
        return None;
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
    } else if pol.steal_amount == StealAmount::Half {
        // SAFETY: this M holds `pp`, the thief's queue; its ring is
        // empty (findRunnable steals only after runqget failed).
        unsafe { pp.runq.runqsteal_runnext(&p2.runq, steal_runnext, pause) }
    } else {
        // SAFETY: as above.
        unsafe {
            pp.runq
                .runqsteal_at_most(&p2.runq, steal_runnext, pol.steal_max(), pause)
        }
    };
    let (gp, n, from_next) = stolen?;
    observe::steal(p2.id, n, from_next);
    pp.stats.steals_in.fetch_add(n as u64, Ordering::Relaxed);
    p2.stats.steals_out.fetch_add(n as u64, Ordering::Relaxed);
    // SAFETY: queue entries are live Gs.
    Some(unsafe { &*gp.as_ptr() })
}

/// Every M's victims, nearest core first (`gmp_sched::stealorder::
/// nearest_first` over the APIC ids), built by the first `nearest` steal.
static NEAREST: spin::Once<Vec<Vec<u32>>> = spin::Once::new();

/// `Victims::Nearest`: the Ps held by the Ms nearest this core first, four
/// passes; an idle P holds no Gs (stealers skip it), so following the Ms
/// misses nothing a random order would find, except a P in hand-off.
fn steal_nearest(m: &'static M, pp: &'static P, pol: &Policy) -> Option<&'static G> {
    let near = NEAREST.call_once(|| {
        let ms = crate::runtime::objects::m::all();
        let apics: Vec<u32> = ms.iter().map(|mp| mp.apic()).collect();
        apics
            .iter()
            .map(|&me| stealorder::nearest_first(me, &apics))
            .collect()
    });
    let ms = crate::runtime::objects::m::all();
    let mine = near.get(m.id as usize)?;
    for i in 0..STEAL_TRIES {
        let steal_runnext = pol.steal_runnext_on(i, STEAL_TRIES);
        for &j in mine {
            let Some(p2) = ms.get(j as usize).and_then(|m2| m2.p()) else {
                continue;
            };
            if let Some(gp) = steal_from(pp, p2, steal_runnext, pol) {
                return Some(gp);
            }
        }
    }
    pp.stats.steal_misses.fetch_add(1, Ordering::Relaxed);
    None
}
