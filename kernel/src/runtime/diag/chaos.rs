//! `chaos=N`: seeded stalls at the scheduler's synchronization points.
//!
//! Design note. Chaos rides on the observers' flag byte (`trace::FLAGS`):
//! every report the scheduler makes through `scheduler::observe` — a G
//! created, started, stopped, blocked, readied or ended, a G put on a run
//! queue or kicked out of `runnext`, a steal, a global-queue take, a P
//! taken, released or handed off, an M parked or woken, a stop of the
//! world and its end, a timer firing — is a sync point, and with chaos on
//! its slow path calls [`point`]. So chaos off costs nothing the budgets
//! do not already pay, and chaos on needs no second list of places to
//! keep in step with the loop. Two more points are explicit: the window
//! of `fault=getg-race` and a tick's random preemption ([`preempt_now`]).
//!
//! What a point does is decided by `gmp_sched::chaos::Stalls`, one per M,
//! seeded from the boot seed: usually nothing, sometimes a few `pause`s,
//! rarely thousands. Under `--icount` a `pause` ends this vCPU's turn, so
//! the other cores run on while this one stands at the point — the
//! interleaving is a function of the seed. Without `--icount` (MTTCG or
//! KVM) the pauses are only short delays: chaos still shakes the schedule,
//! but a run is no longer a replayable function of its seed.
//!
//! A point never takes a lock, parks or allocates, so it is safe wherever
//! the scheduler reports from, interrupts on or off, holding locks or not.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use gmp_sched::chaos::Stalls;

use crate::arch::cpu;
use crate::runtime::objects::m::{self, MAX_MS};

static ON: AtomicBool = AtomicBool::new(false);

/// M `i`'s decisions, touched only on core `i` with interrupts off.
struct PerM(UnsafeCell<Stalls>);

// SAFETY: slot `i` is used only by core `i`, with interrupts off (see
// `with_stalls`), and written by `init` before the other cores start.
unsafe impl Sync for PerM {}

static STALLS: [PerM; MAX_MS] = [const { PerM(UnsafeCell::new(Stalls::new(0, 0, 0))) }; MAX_MS];
static POINTS: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
static PAUSES: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
static PREEMPTS: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// Switch chaos on: one point in `one_in` stalls. Bootstrap core, before
/// the other cores run Gs.
pub fn init(one_in: u32, seed: u64) {
    for mp in m::all() {
        // SAFETY: no other core runs scheduler code yet (see `PerM`).
        unsafe { *STALLS[mp.id as usize].0.get() = Stalls::new(seed, mp.id, one_in) };
    }
    ON.store(true, Ordering::Release);
    crate::runtime::diag::trace::observe_chaos();
    crate::kprintln!(
        "chaos: one sync point in {one_in} stalls its core (a few pauses; one stall in {} for 256-4096), one tick in {} preempts; seed {seed}",
        gmp_sched::chaos::LONG_ONE_IN,
        gmp_sched::chaos::PREEMPT_ONE_IN
    );
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

/// `stopat=N`: the TSC past which the next tick calls [`gmp_stop_at`];
/// `u64::MAX`: never. Written once at boot, whatever the option says.
static STOP_AT: AtomicU64 = AtomicU64::new(u64::MAX);

/// Arm `stopat=N` (bootstrap core, before the scheduler starts). Called on
/// every boot, armed or not, and silent: a replay that stops must execute
/// the same instructions as the run it replays, up to the stop (the
/// option's value is printed as 20 digits for the same reason).
pub fn stop_at(tsc: u64) {
    STOP_AT.store(tsc, Ordering::Relaxed);
}

/// From a timer tick: reach [`gmp_stop_at`] once, when the time has come.
/// Armed or not, the test costs the same instructions (a load, `rdtsc`, a
/// compare), so arming it does not change the execution it stops.
#[inline(always)]
pub fn check_stop_at() {
    let at = STOP_AT.load(Ordering::Relaxed);
    if cpu::rdtsc() >= at && STOP_AT.swap(u64::MAX, Ordering::AcqRel) != u64::MAX {
        gmp_stop_at(at);
    }
}

/// Where `--gdb --stop-at N` stops: gdb holds a hardware breakpoint here.
/// Called from the tick of the first core whose clock passed `stopat`,
/// with interrupts off, so the machine stops within a tick after
/// instruction `at`, and `info goroutines` and the rest of gdb/gmp.py show
/// the state then. It prints nothing: from here on the replay executes a
/// call the original run did not, so continuing is no longer exact.
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn gmp_stop_at(at: u64) {
    core::hint::black_box(at);
}

/// Points met, pauses executed and ticks that preempted, over all cores.
pub fn totals() -> (u64, u64, u64) {
    let n = m::mcount();
    let sum = |a: &[AtomicU64]| a[..n].iter().map(|x| x.load(Ordering::Relaxed)).sum();
    (sum(&POINTS), sum(&PAUSES), sum(&PREEMPTS))
}
