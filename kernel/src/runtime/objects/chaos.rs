//! The stalls of `chaos=N`: per-M seeded decisions, taken at sync points.
//!
//! Design note. A sync point is a place where another core's next step can
//! change what this core sees: a G status transition, a run-queue put, a
//! `runnext` kick-out, a steal, `sched.lock` about to be taken, a spinning
//! transition, a wake-up note and its IPI. What a point does is decided by
//! `gmp_sched::chaos::Stalls`, one per M, seeded from the boot seed:
//! usually nothing, sometimes a few `pause`s, rarely thousands. Under
//! `--icount` a `pause` ends this vCPU's turn, so the other cores run on
//! while this one stands at the point: the interleaving is a function of
//! the seed. Without `--icount` (MTTCG or KVM) the pauses are only short
//! delays: chaos still shakes the schedule, but a run is no longer a
//! replayable function of its seed.
//!
//! The stalls live here, in the objects room, because `sched.lock` does:
//! the lock's own points ([`crate::runtime::objects::sched::lock`]) call
//! [`point`] without naming a room above. The option, its summary line and
//! `stopat=` are `runtime::diag::chaos`'s. With chaos off a point costs
//! one relaxed load and a branch ([`on`]).
//!
//! A point never takes a lock, parks or allocates, so it is safe wherever
//! the scheduler reaches one, interrupts on or off, holding locks or not.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use gmp_sched::chaos::Stalls;

use crate::arch::cpu;
use crate::runtime::objects::m::{self, MAX_MS};

static ON: AtomicBool = AtomicBool::new(false);

/// M `i`'s decisions, touched only on core `i` with interrupts off.
struct PerM(UnsafeCell<Stalls>);

// SAFETY: slot `i` is used only by core `i`, with interrupts off (see
// `with_stalls`), and written by `arm` before the other cores start.
unsafe impl Sync for PerM {}

static STALLS: [PerM; MAX_MS] = [const { PerM(UnsafeCell::new(Stalls::new(0, 0, 0))) }; MAX_MS];
static POINTS: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
static PAUSES: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
static PREEMPTS: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// Switch chaos on: one point in `one_in` stalls. Bootstrap core, before
/// the other cores run Gs.
pub fn arm(one_in: u32, seed: u64) {
    for mp in m::all() {
        // SAFETY: no other core runs scheduler code yet (see `PerM`).
        unsafe { *STALLS[mp.id as usize].0.get() = Stalls::new(seed, mp.id, one_in) };
    }
    ON.store(true, Ordering::Release);
}

/// Whether chaos is on (one load).
#[inline(always)]
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

fn with_stalls<T>(f: impl FnOnce(&mut Stalls, usize) -> T) -> T {
    let were = cpu::interrupts_disable_save();
    let i = crate::arch::percpu::this_cpu_id() as usize;
    // SAFETY: core `i`'s slot, interrupts off: nothing else touches it.
    let r = f(unsafe { &mut *STALLS[i].0.get() }, i);
    cpu::interrupts_restore(were);
    r
}

/// A sync point on this core: stall here if the seed says so.
#[inline(never)]
pub fn point() {
    if !on() {
        return;
    }
    let pauses = with_stalls(|s, i| {
        POINTS[i].fetch_add(1, Ordering::Relaxed);
        let p = s.at_point();
        PAUSES[i].fetch_add(p as u64, Ordering::Relaxed);
        p
    });
    for _ in 0..pauses {
        core::hint::spin_loop();
    }
}

/// From a timer tick: whether to preempt the running G now, whatever its
/// time slice.
pub fn preempt_now() -> bool {
    on() && with_stalls(|s, i| {
        let yes = s.preempt_at_tick();
        if yes {
            PREEMPTS[i].fetch_add(1, Ordering::Relaxed);
        }
        yes
    })
}

/// A sync point that names itself: stall here if chaos is on and the seed
/// says so. Inlined, so with chaos off it is a load and a branch.
#[inline(always)]
pub fn at_point() {
    if on() {
        point();
    }
}

/// Points met, pauses executed and ticks that preempted, over all cores.
pub fn totals() -> (u64, u64, u64) {
    let n = m::mcount();
    let sum = |a: &[AtomicU64]| a[..n].iter().map(|x| x.load(Ordering::Relaxed)).sum();
    (sum(&POINTS), sum(&PAUSES), sum(&PREEMPTS))
}
