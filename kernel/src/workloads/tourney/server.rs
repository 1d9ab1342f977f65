//! `tour-server`: latency-sensitive handlers beside CPU hogs, for the
//! policy tournament (`tourney/mod.rs` prints the line).
//!
//! Design note. golang/go#51071's shape: a server whose request handlers
//! sleep on a timer and then do a microsecond of work shares its Ps with
//! CPU-bound Gs that never block. One hog per P runs long compute loops
//! that never call the runtime (only asynchronous preemption takes its P
//! away, every `forcepreempt`, 10 ms as in Go); HANDLERS handler Gs each
//! loop REQUESTS times: sleep 1 ms, then about 1 µs of work. A handler's
//! timer fires while a hog holds its P, so the handler waits for the hog's
//! time slice to end: `wake_p99` (readied Gs: the handlers, woken by their
//! timers) is the headline, in the tens of the slice rather than the
//! microsecond the work takes. When every handler is done the hogs are
//! told to stop (a flag they poll between loops). The hogs are the equal
//! Gs (`jain` over their CPU time). Units: requests.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::sched;
use crate::workloads::common::fibtree::fib_seq;
use crate::workloads::tourney::{self, my_cputime};

/// Latency-sensitive handler Gs.
const HANDLERS: u64 = 8;
/// Requests each handler serves.
const REQUESTS: u64 = 4;
/// A request's work: fib(HANDLER_FIB), about a microsecond.
const HANDLER_FIB: u64 = 10;
/// One hog loop: fib(HOG_FIB), some tens of microseconds between looks
/// at the stop flag.
const HOG_FIB: u64 = 16;
/// A hog gives up by itself after this long on its own clock: a policy
/// that never preempts (`preempt=off`) would otherwise keep the handlers,
/// and the G that sets the flag, off the Ps for good. With Go's 10 ms
/// slice the run ends at about 56 ms, well before; under `preempt=off` it
/// ends at the cap, the handlers' latency showing it.
const HOG_CAP_NS: u64 = 250 * MS;

/// Run it.
pub fn run() -> Verdict {
    let hogs = sched::gomaxprocs() as usize;
    let want_req = fib_seq(HANDLER_FIB);
    let want_hog = fib_seq(HOG_FIB);
    let mark = tourney::start()?;
    let stop = Arc::new(AtomicBool::new(false));
    let hogs_done = Arc::new(WaitGroup::new());
    hogs_done.add(hogs as i64);
    // Per hog: (loops, wrong answers, CPU time).
    let hog_stats: Arc<Vec<[AtomicU64; 3]>> = Arc::new(
        (0..hogs)
            .map(|_| [const { AtomicU64::new(0) }; 3])
            .collect(),
    );
    for i in 0..hogs {
        let (stop, done, stats) = (stop.clone(), hogs_done.clone(), hog_stats.clone());
        go(move || {
            let t0 = nanotime();
            let (mut loops, mut wrong) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) && nanotime() - t0 < HOG_CAP_NS {
                if core::hint::black_box(fib_seq(core::hint::black_box(HOG_FIB))) != want_hog {
                    wrong += 1;
                }
                loops += 1;
            }
            stats[i][0].store(loops, Ordering::Relaxed);
            stats[i][1].store(wrong, Ordering::Relaxed);
            stats[i][2].store(my_cputime(), Ordering::Relaxed);
            done.done();
        });
    }
    let handlers_done = Arc::new(WaitGroup::new());
    handlers_done.add(HANDLERS as i64);
    // Requests served and their answers' sum, over every handler.
    let served = Arc::new([const { AtomicU64::new(0) }; 2]);
    for _ in 0..HANDLERS {
        let (done, served) = (handlers_done.clone(), served.clone());
        go(move || {
            for _ in 0..REQUESTS {
                sleep(MS);
                let v = core::hint::black_box(fib_seq(core::hint::black_box(HANDLER_FIB)));
                served[0].fetch_add(1, Ordering::Relaxed);
                served[1].fetch_add(v, Ordering::Relaxed);
            }
            done.done();
        });
    }
    handlers_done.wait();
    stop.store(true, Ordering::Relaxed);
    hogs_done.wait();
    let measured = mark.stop();
    let units = HANDLERS * REQUESTS;
    let (n, sum) = (
        served[0].load(Ordering::Relaxed),
        served[1].load(Ordering::Relaxed),
    );
    if n != units || sum != units * want_req {
        return Err(format!(
            "the handlers served {n} requests summing to {sum}, not {units} summing to {}",
            units * want_req
        ));
    }
    let wrong: u64 = hog_stats.iter().map(|s| s[1].load(Ordering::Relaxed)).sum();
    if wrong != 0 {
        return Err(format!(
            "the hogs computed fib({HOG_FIB}) wrong {wrong} times"
        ));
    }
    let cpu: Vec<u64> = hog_stats
        .iter()
        .map(|s| s[2].load(Ordering::Relaxed))
        .collect();
    measured.print("tour-server", units, Some(&cpu));
    Ok(())
}
