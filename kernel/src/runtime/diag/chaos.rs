//! `chaos=N`: seeded stalls at the scheduler's synchronization points,
//! and `stopat=N`, which stops a replay for gdb.
//!
//! Design note. Chaos rides on the observers' flag byte (`trace::FLAGS`):
//! every report the scheduler makes through `scheduler::observe` — a G
//! created, started, stopped, blocked, readied or ended, a G put on a run
//! queue or kicked out of `runnext`, a steal, a global-queue take, a P
//! taken, released or handed off, an M parked or woken, a stop of the
//! world and its end, a timer firing — is a sync point, and with chaos on
//! its slow path calls [`point`]. So chaos off costs nothing the budgets
//! do not already pay. The points that are not reports are marked by name
//! ([`at_point`]): `sched.lock` about to be taken, the spinning
//! transitions (`become_spinning`, `resetspinning`, `wakep`'s claim, the
//! drop of `findRunnable`'s spinner before its last look), a wake-up note
//! set before its IPI, a preemption request before its IPI and the
//! preempt IPI's arrival, and the window of `fault=getg-race`. A tick's
//! random preemption is [`preempt_now`].
//!
//! The stalls themselves (per-M seeded decisions, `pause` loops) live in
//! `runtime::objects::chaos`, beside `sched.lock`, which reaches them from
//! below this room; this file arms them from the boot options and counts
//! them for the summary.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::cpu;

pub use crate::runtime::objects::chaos::{at_point, on, point, preempt_now, totals};

/// Switch chaos on: one point in `one_in` stalls. Bootstrap core, before
/// the other cores run Gs.
pub fn init(one_in: u32, seed: u64) {
    crate::runtime::objects::chaos::arm(one_in, seed);
    crate::runtime::diag::trace::observe_chaos();
    crate::kprintln!(
        "chaos: one sync point in {one_in} stalls its core (a few pauses; one stall in {} for 256-4096), one tick in {} preempts; seed {seed}",
        gmp_sched::chaos::LONG_ONE_IN,
        gmp_sched::chaos::PREEMPT_ONE_IN
    );
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
    ASKED.store(tsc, Ordering::Relaxed);
}

/// From a timer tick: reach [`gmp_stop_at`] once, when the time has come.
/// Armed or not, the test costs the same instructions (a load, `rdtsc`, a
/// compare), so arming it does not change the execution it stops.
#[inline(always)]
pub fn check_stop_at() {
    let at = STOP_AT.load(Ordering::Relaxed);
    let now = cpu::rdtsc();
    if now >= at && STOP_AT.swap(u64::MAX, Ordering::AcqRel) != u64::MAX {
        STOPPED.store(now, Ordering::Relaxed);
        gmp_stop_at(at);
    }
}

/// The TSC of the tick that called [`gmp_stop_at`]; `u64::MAX`: none did.
/// Written after the stop, so the run up to it is unchanged.
static STOPPED: AtomicU64 = AtomicU64::new(u64::MAX);

/// `Some((asked, reached))` when `stopat=` was armed: the TSC asked for
/// and the TSC of the tick that stopped (`None` if none did yet).
pub fn stop_report() -> Option<(u64, Option<u64>)> {
    let reached = STOPPED.load(Ordering::Relaxed);
    let asked = ASKED.load(Ordering::Relaxed);
    (asked != u64::MAX).then_some((asked, (reached != u64::MAX).then_some(reached)))
}

/// `stopat=` as given, for [`stop_report`] (`STOP_AT` is cleared by the stop).
static ASKED: AtomicU64 = AtomicU64::new(u64::MAX);

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
