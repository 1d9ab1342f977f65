//! `test-parallelism`: gomaxprocs Gs spin in lock-step, which only
//! finishes if all Ps run at once.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::sched;

/// Go's TestGoroutineParallelism: gomaxprocs Gs pass a token around in a
/// fixed order by spinning on a shared counter, without ever yielding. This
/// can only finish if all of them run at the same time, on different Ps.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs();
    const TRIES: usize = 5;
    const ROUNDS: u32 = 3;
    for _ in 0..TRIES {
        let x = Arc::new(AtomicU32::new(0));
        let wg = Arc::new(WaitGroup::new());
        let ms = Arc::new(AtomicU32::new(0));
        wg.add(procs as i64);
        for p in 0..procs {
            let (x, wg, ms) = (x.clone(), wg.clone(), ms.clone());
            go(move || {
                for i in 0..ROUNDS {
                    let expected = procs * i + p;
                    while x.load(Ordering::Acquire) != expected {
                        core::hint::spin_loop();
                    }
                    ms.fetch_or(1 << (this_m() % 32), Ordering::Relaxed);
                    x.store(expected + 1, Ordering::Release);
                }
                wg.done();
            });
        }
        // The main G parks (it must not hold a P while the spinners need all of them).
        wg.wait();
        let distinct = ms.load(Ordering::Relaxed).count_ones();
        if distinct < procs.min(32) {
            return Err(format!("only {distinct} Ms took part, expected {procs}"));
        }
    }
    kprintln!("parallelism: {procs} Gs ran simultaneously on {procs} Ps, {TRIES} times");
    Ok(())
}
