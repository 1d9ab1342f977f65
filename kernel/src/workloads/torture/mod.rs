//! `workload=torture`: a random mix of everything the scheduler does, on
//! every core, for `duration=` seconds, proven by ledgers and checked by a
//! stop-the-world invariant checker while it runs.
//!
//! Design note: the run is a sequence of rounds (`round`). Each round
//! spawns workers doing random operations (`worker`), consumers for its
//! channels and a waker for its parking lot; while it runs, the main G
//! stutters it (`stutter`) at random moments. When its workers are done the
//! channels are closed, the helpers finish, and the round's ledgers must
//! show every G created, started and finished exactly once and every
//! message received exactly once. Meanwhile a checker G stops the world
//! now and then (`runtime::stw`) and checks where every G and P is
//! (`checker`), and a stats G prints a progress line every second. The
//! first broken rule ends the run (`failure`): `torture: FAILURE: ...`.
//! The main G also changes GOMAXPROCS at random moments (1 to the core
//! count), so Ps are destroyed and created under the workers' feet.
//! Everything random is seeded from `seed=` (or the TSC, printed). `mix=`
//! leaves operations out (the stutters, resizes and checks included), for
//! `explore --shrink`.

mod checker;
mod failure;
mod parklot;
mod round;
mod stall;
mod stats;
mod stutter;
mod worker;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use gmp_sched::options::{Mix, Op};
use gmp_sched::rand::CheapRand;

use crate::prelude::*;
use crate::runtime::inspect::machine::IrqMutex;
use crate::runtime::inspect::machine::{ExitCode, exit_qemu};
use crate::runtime::inspect::stw::{self, StwReason};
use failure::{fail, failed};
use round::{CHAN_CAPS, Round};
use stats::{STATS, bump};

const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;
/// A round whose Gs make no progress for this long has lost some.
const STALL_NS: u64 = 20 * NS_PER_S;
/// Consumers per channel.
const CONSUMERS: usize = 2;

static STOP: AtomicBool = AtomicBool::new(false);

/// The round being run, for the stats G's stall backstop.
static CURRENT_ROUND: IrqMutex<Option<Arc<Round>>> = IrqMutex::new(None);

/// Run the torture workload.
pub fn run() -> Verdict {
    let opts = crate::runtime::inspect::debug::options();
    let seed = opts
        .seed
        .unwrap_or_else(crate::runtime::inspect::machine::rdtsc);
    let duration_ns = u64::from(opts.duration_secs) * NS_PER_S;
    let procs = crate::runtime::inspect::sched::gomaxprocs();
    let workers = (procs as usize * 4 + 4).min(64);
    let mix = opts.mix;
    kprintln!(
        "torture: seed={seed} duration={}s procs={procs} workers/round={workers} cores={}{}",
        opts.duration_secs,
        crate::runtime::inspect::m::mcount(),
        if mix == Mix::ALL {
            String::new()
        } else {
            format!(" mix={mix}")
        }
    );
    parklot::arm_fault();
    let start = nanotime();
    let bg = Arc::new(WaitGroup::new());
    bg.add(2);
    let b = bg.clone();
    go(move || {
        stats_loop(start);
        b.done();
    });
    let b = bg.clone();
    go(move || {
        if mix.has(Op::Check) {
            checker_loop(seed);
        }
        b.done();
    });

    let mut rng = CheapRand::new(seed);
    let mut number = 0;
    while !failed() && nanotime() - start < duration_ns {
        run_round(number, seed, mix, workers, &mut rng);
        number += 1;
    }
    STOP.store(true, Ordering::Release);
    stutter::end();
    if !wait_for(&bg, 5 * NS_PER_S) {
        fail(String::from("the stats or checker G did not stop"));
    }
    let secs = (nanotime() - start) / NS_PER_MS;
    match failure::first() {
        None => {
            kprintln!(
                "torture: SUCCESS after {}.{:03}s: {STATS}",
                secs / 1000,
                secs % 1000
            );
            Ok(())
        }
        Some(why) => {
            kprintln!("torture: FAILURE: {why}");
            kprintln!(
                "torture: after {}.{:03}s: {STATS}",
                secs / 1000,
                secs % 1000
            );
            Err(why)
        }
    }
}

/// One round: spawn, stutter while it runs, close, verify.
fn run_round(number: u64, seed: u64, mix: Mix, workers: usize, rng: &mut CheapRand) {
    let r = Round::new(number, seed, mix);
    *CURRENT_ROUND.lock() = Some(r.clone());
    for c in 0..CHAN_CAPS.len() {
        for _ in 0..CONSUMERS {
            r.spawn(true, move |r, t| worker::consumer(r, t, c));
        }
    }
    r.spawn(true, worker::waker);
    for _ in 0..workers {
        let ops = 20 + rng.below(60);
        r.spawn(false, move |r, t| worker::worker(r, t, 0, ops));
    }

    // Stutter until the workers are done.
    let mut last = r.progress();
    let mut last_change = nanotime();
    while r.workers.count() > 0 && !failed() {
        sleep(u64::from(1 + rng.below(15)) * NS_PER_MS);
        // Resizes and stutters are drawn whether or not `mix=` has them,
        // so leaving one out does not move the main G's other draws.
        if rng.below(8) == 0 {
            // GOMAXPROCS changes while Gs run, sleep and wait: the ledgers
            // then prove that no G is lost or run twice across a resize.
            let n = 1 + rng.below(crate::runtime::inspect::m::mcount() as u32);
            if mix.has(Op::Resize) && stw::gomaxprocs_set(n) != n {
                bump(&STATS.resizes);
            }
        }
        if rng.below(3) == 0 && r.workers.count() > 0 {
            let ms = u64::from(1 + rng.below(10));
            if mix.has(Op::Stutter) {
                stutter::begin();
                sleep(ms * NS_PER_MS);
                stutter::end();
            }
        }
        let now = r.progress();
        if now != last {
            last = now;
            last_change = nanotime();
        } else if nanotime() - last_change > STALL_NS {
            stall::stalled(&r, "");
        }
    }
    if failed() {
        return;
    }
    r.workers_done.store(true, Ordering::Release);
    for c in &r.chans {
        c.close();
    }
    if !wait_for(&r.helpers, STALL_NS) {
        stall::stalled(&r, " (its consumers or waker)");
        return;
    }
    if let Err(why) = r.verify() {
        fail(why);
        return;
    }
    bump(&STATS.rounds);
}

/// Wait (polling, so a lost G cannot hang us) until `wg` is zero; false
/// after `timeout_ns` or a failure elsewhere.
fn wait_for(wg: &WaitGroup, timeout_ns: u64) -> bool {
    let end = nanotime() + timeout_ns;
    while wg.count() > 0 {
        if nanotime() > end || failed() {
            return false;
        }
        sleep(NS_PER_MS);
    }
    true
}

/// Print a progress line every second until the run stops.
///
/// This G is also the run's backstop. A broken scheduler can lose any G —
/// the main G, which watches each round for stalls, and the checker
/// included — so the stall watch is kept here too: when the current round
/// has made no progress for longer than the main G's own limit, this G
/// records its lost Gs; and when a failure has been recorded but the main
/// G has not ended the run `STALL_NS` later (it was lost too), this G ends
/// the run itself. Only if this G is lost as well does the runner's
/// timeout have the last word.
fn stats_loop(start: u64) {
    let mut next = start + NS_PER_S;
    let mut last = None;
    let mut last_change = start;
    let mut failed_since = None;
    while !STOP.load(Ordering::Acquire) {
        sleep(10 * NS_PER_MS);
        let now = nanotime();
        if now >= next {
            next += NS_PER_S;
            let ms = (now - start) / NS_PER_MS;
            kprintln!("torture: {}.{:03}s {STATS}", ms / 1000, ms % 1000);
        }
        let round = CURRENT_ROUND.lock().clone();
        let progress = round.as_ref().map(|r| (r.number, r.progress()));
        if progress != last {
            last = progress;
            last_change = now;
        } else if now - last_change > STALL_NS + 5 * NS_PER_S
            && let Some(r) = &round
        {
            stall::stalled(r, "");
        }
        if failed() {
            let since = *failed_since.get_or_insert(now);
            if now - since > STALL_NS {
                end_run_from_here();
            }
        }
    }
}

/// End a failed run from the stats G, because the main G that would have
/// reported it is gone.
fn end_run_from_here() -> ! {
    let why = failure::first().unwrap_or_default();
    kprintln!("torture: FAILURE: {why}");
    kprintln!("torture: {STATS}");
    kprintln!(
        "torture: the main G did not end the run (a lost G itself); ending it from the stats G"
    );
    kprintln!("workload torture: FAILED: {why}");
    exit_qemu(ExitCode::Failure)
}

/// Stop the world and check it, every 20–80 ms, until the run stops.
fn checker_loop(seed: u64) {
    let mut rng = CheapRand::new(seed ^ 0xc0ff_ee00);
    while !STOP.load(Ordering::Acquire) && !failed() {
        sleep(u64::from(20 + rng.below(60)) * NS_PER_MS);
        let w = stw::stop_the_world(StwReason::TortureCheck);
        let verdict = checker::check_stopped();
        stw::start_the_world(w);
        bump(&STATS.checks);
        if let Err(why) = verdict {
            fail(format!("invariant: {why}"));
        }
    }
}
