//! `test-syscall`: a G in a long blocking call loses its P; the other Gs
//! keep running on it.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::blocking_call_until;
use crate::runtime::inspect::sched;
use crate::workloads::common::group::wg_go;

/// The id of the P this G runs on (`u64::MAX` for none).
fn this_p_id() -> u64 {
    crate::runtime::inspect::m::this_m()
        .p()
        .map_or(u64::MAX, |pp| pp.id as u64)
}

/// A G in a long blocking call loses its P; the other Gs keep running on it.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs();
    if procs as usize >= crate::runtime::inspect::m::mcount() {
        return Err(format!(
            "this test needs procs below the core count (procs={procs})"
        ));
    }
    let in_call = Arc::new(AtomicBool::new(false));
    let blocker_p = Arc::new(AtomicU64::new(u64::MAX));
    let ran_on_blocker_p = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let wg = Arc::new(WaitGroup::new());
    const WORKERS: usize = 8;
    for _ in 0..WORKERS {
        let (in_call, blocker_p, ran, stop) = (
            in_call.clone(),
            blocker_p.clone(),
            ran_on_blocker_p.clone(),
            stop.clone(),
        );
        wg_go(&wg, move || {
            while !stop.load(Ordering::Relaxed) {
                if in_call.load(Ordering::Relaxed)
                    && this_p_id() == blocker_p.load(Ordering::Relaxed)
                {
                    ran.fetch_add(1, Ordering::Relaxed);
                }
                gosched();
            }
        });
    }
    let handoffs_before: u64 = sched::allp()
        .iter()
        .map(|pp| pp.stats.handoffs.load(Ordering::Relaxed))
        .sum();
    {
        let (in_call, blocker_p, stop, ran_probe) = (
            in_call.clone(),
            blocker_p.clone(),
            stop.clone(),
            ran_on_blocker_p.clone(),
        );
        wg_go(&wg, move || {
            blocker_p.store(this_p_id(), Ordering::Relaxed);
            in_call.store(true, Ordering::Release);
            // Block until other Gs have been seen running on our P (the
            // evidence of the hand-off), or give up after 10 s.
            blocking_call_until(|| ran_probe.load(Ordering::Relaxed) > 100, 10_000 * MS);
            in_call.store(false, Ordering::Release);
            stop.store(true, Ordering::Relaxed);
        });
    }
    wg.wait();
    let handoffs: u64 = sched::allp()
        .iter()
        .map(|pp| pp.stats.handoffs.load(Ordering::Relaxed))
        .sum::<u64>()
        - handoffs_before;
    let ran = ran_on_blocker_p.load(Ordering::Relaxed);
    kprintln!(
        "syscall: a blocking call on P{}; sysmon handed off {handoffs} P(s); other Gs ran {ran} times on that P meanwhile",
        blocker_p.load(Ordering::Relaxed)
    );
    if handoffs == 0 || ran == 0 {
        return Err("the blocked G's P was not handed to other Gs".into());
    }
    Ok(())
}
