//! `test-getg`: a G always knows who it is, even when it is preempted and
//! resumed on another core between two instructions.
//!
//! The regression test of the torture failure "a G that already exited is
//! readied" (see `runtime::proc::getg`): `getg()` used to read this core's
//! M and then that M's `curg`, two loads with interrupts on. An
//! asynchronous preemption landing between them resumed the G on another
//! core, where the second load read the *old* core's `curg` — another G, or
//! none. `Semaphore::acquire` then queued that other G as the waiter, and
//! the release readied a G that was running, waiting on something else, or
//! dead. Here several Gs per P call `getg()` in a tight loop, with
//! interrupts on, under frequent asynchronous preemption (run with a short
//! `forcepreempt` and `tick`), and compare the answer with their own
//! identity each time: any mismatch fails the run. The run also counts how
//! often a G came back on another core, so a pass is only reported when
//! the race had many chances.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::g::G;
use crate::runtime::inspect::g::getg;
use crate::runtime::inspect::machine;
use crate::runtime::inspect::sched;

/// How long the Gs loop.
const RUN_NS: u64 = 3_000_000_000;
/// Gs per P: more Gs than Ps, so preempted Gs come back on other cores.
const GS_PER_P: u32 = 3;
/// `getg` calls between two looks at the clock and the core.
const BATCH: u32 = 256;
/// Fewest migrations (a G resumed on another core) for a meaningful pass.
const MIN_MIGRATIONS: u64 = 200;

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    wrong: AtomicU64,
    migrations: AtomicU64,
    first_wrong: AtomicU64,
}

/// This G, read with interrupts off (it cannot move while it reads).
fn me() -> *const G {
    let were = machine::interrupts_disable_save();
    let gp = getg().expect("test-getg: on a G") as *const G;
    machine::interrupts_restore(were);
    gp
}

fn spin_checking(counts: &Counts, end: u64) {
    let me = me();
    let mut core = this_m();
    while nanotime() < end {
        let mut wrong = 0u64;
        for _ in 0..BATCH {
            // With interrupts on: the G may be preempted and moved anywhere
            // in here, including inside `getg` itself.
            let got = getg().map_or(core::ptr::null(), |g| g as *const G);
            if core::hint::black_box(got) != me {
                wrong += 1;
            }
        }
        counts.calls.fetch_add(u64::from(BATCH), Ordering::Relaxed);
        if wrong != 0 {
            counts.wrong.fetch_add(wrong, Ordering::Relaxed);
            // SAFETY: `me` is this G, alive while it runs.
            let goid = unsafe { &*me }.goid();
            let _ =
                counts
                    .first_wrong
                    .compare_exchange(0, goid, Ordering::Relaxed, Ordering::Relaxed);
        }
        let now_core = this_m();
        if now_core != core {
            counts.migrations.fetch_add(1, Ordering::Relaxed);
            core = now_core;
        }
    }
}

/// Run the check; see the module docs.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs();
    if procs < 2 {
        return Err(format!(
            "test-getg needs at least 2 Ps to move Gs between cores (procs={procs})"
        ));
    }
    let counts = Arc::new(Counts::default());
    let wg = Arc::new(WaitGroup::new());
    let n = procs * GS_PER_P;
    let end = nanotime() + RUN_NS;
    wg.add(i64::from(n));
    for _ in 0..n {
        let (c, w) = (counts.clone(), wg.clone());
        go(move || {
            spin_checking(&c, end);
            w.done();
        });
    }
    wg.wait();
    let calls = counts.calls.load(Ordering::Relaxed);
    let wrong = counts.wrong.load(Ordering::Relaxed);
    let migrations = counts.migrations.load(Ordering::Relaxed);
    let preemptions: u64 = sched::allp()
        .iter()
        .map(|pp| pp.stats.preemptions.load(Ordering::Relaxed))
        .sum();
    kprintln!(
        "getg: {n} Gs called getg {calls} times across {preemptions} preemptions and {migrations} moves to another core; wrong answers: {wrong}"
    );
    if wrong != 0 {
        return Err(format!(
            "getg returned another G (or none) {wrong} times, first seen by G{}: a G preempted inside getg read the old core's curg",
            counts.first_wrong.load(Ordering::Relaxed)
        ));
    }
    if migrations < MIN_MIGRATIONS {
        return Err(format!(
            "only {migrations} moves to another core (need {MIN_MIGRATIONS}): the race had too few chances; run with a short forcepreempt and tick"
        ));
    }
    kprintln!("getg: G identity survived every preemption and move");
    Ok(())
}
