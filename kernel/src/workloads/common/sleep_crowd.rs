//! A crowd of sleepers, measured: shared by `test-sleep` and the
//! `sleepers` demo.

use crate::prelude::*;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// What a crowd of sleepers measured: how many woke early, and how much
/// later than asked the others woke (ns).
pub(crate) struct Oversleep {
    pub early: usize,
    pub min_ns: u64,
    pub total_ns: u64,
    pub max_ns: u64,
}

/// One G per entry of `durations` sleeps that long; returns once all woke.
pub(crate) fn sleep_crowd(durations: Vec<u64>) -> Oversleep {
    let n = durations.len();
    let durations = Arc::new(durations);
    let wg = Arc::new(WaitGroup::new());
    let early = Arc::new(AtomicUsize::new(0));
    let over = Arc::new(AtomicU64::new(0));
    let worst = Arc::new(AtomicU64::new(0));
    let best = Arc::new(AtomicU64::new(u64::MAX));
    wg.add(n as i64);
    for i in 0..n {
        let (durations, wg, early, over, worst, best) = (
            durations.clone(),
            wg.clone(),
            early.clone(),
            over.clone(),
            worst.clone(),
            best.clone(),
        );
        go(move || {
            let d = durations[i];
            let t0 = nanotime();
            sleep(d);
            let slept = nanotime() - t0;
            if slept < d {
                early.fetch_add(1, Ordering::Relaxed);
            }
            let o = slept.saturating_sub(d);
            over.fetch_add(o, Ordering::Relaxed);
            worst.fetch_max(o, Ordering::Relaxed);
            best.fetch_min(o, Ordering::Relaxed);
            wg.done();
        });
    }
    wg.wait();
    Oversleep {
        early: early.load(Ordering::Relaxed),
        min_ns: best.load(Ordering::Relaxed),
        total_ns: over.load(Ordering::Relaxed),
        max_ns: worst.load(Ordering::Relaxed),
    }
}
