//! `test-spinning`: the spinning limit at work. Go lets at most half of the
//! busy Ps have a spinning M (`2*nmspinning < gomaxprocs - npidle`), so
//! when every P runs dry at once, the first Ms go looking for work and the
//! rest are refused and park.
//!
//! Design note: a refusal needs a second M to run dry while the first is
//! still looking, which ordinary workloads rarely arrange. Here every round
//! runs two Gs on two Ps, held at a barrier until both run, so both end
//! together; the main G sleeps meanwhile, so the other Ps are idle and the
//! limit is `2*nmspinning < 2`: the first M to run dry may spin, the
//! second is refused. (The main G polls with `sleep` instead of waiting on
//! a WaitGroup: a wake would put it on the last G's P, which then would not
//! run dry.) With `spinning=off` there is no limit, so nothing is refused.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::counters::counters;
use crate::runtime::inspect::sched;

/// How often the main G looks whether a round is over.
const POLL_NS: u64 = 200_000;

const ROUNDS: u32 = 500;
/// Gs per round: two, so that two Ps are busy and the rest idle.
const GS: u32 = 2;

/// Run the experiment (needs at least two Ps).
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs();
    if procs < GS {
        return Err(format!("this experiment needs procs >= {GS} (got {procs})"));
    }
    let refused0 = counters().spin_refused;
    let misses0 = counters().steal_misses;
    for _ in 0..ROUNDS {
        let arrived = Arc::new(AtomicU32::new(0));
        let finished = Arc::new(AtomicU32::new(0));
        for _ in 0..GS {
            let (arrived, finished) = (arrived.clone(), finished.clone());
            go(move || {
                arrived.fetch_add(1, Ordering::AcqRel);
                while arrived.load(Ordering::Acquire) < GS {
                    core::hint::spin_loop();
                }
                finished.fetch_add(1, Ordering::Release);
            });
        }
        while finished.load(Ordering::Acquire) < GS {
            sleep(POLL_NS);
        }
    }
    let refused = counters().spin_refused - refused0;
    let misses = counters().steal_misses - misses0;
    let opts = crate::runtime::inspect::debug::options();
    kprintln!(
        "spinning: spinning={}: {ROUNDS} rounds of {GS} of {procs} Ps running dry together: {refused} spinners refused by the limit, {misses} steal passes found nothing",
        if opts.spinning { "on" } else { "off" }
    );
    Ok(())
}
