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

/// What the blocking G and the workers share.
struct Shared {
    /// The blocking G is in its call.
    in_call: AtomicBool,
    /// The P it blocked on.
    blocker_p: AtomicU64,
    /// Worker turns on that P during the call.
    ran_on_blocker_p: AtomicU64,
    stop: AtomicBool,
}

/// Hand-offs by sysmon so far, over every P.
fn handoffs() -> u64 {
    sched::allp()
        .iter()
        .map(|pp| pp.stats.handoffs.load(Ordering::Relaxed))
        .sum()
}

/// A G in a long blocking call loses its P; the other Gs keep running on it.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs();
    if procs as usize >= crate::runtime::inspect::m::mcount() {
        return Err(format!(
            "this test needs procs below the core count (procs={procs})"
        ));
    }
    let sh = Arc::new(Shared {
        in_call: AtomicBool::new(false),
        blocker_p: AtomicU64::new(u64::MAX),
        ran_on_blocker_p: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    let wg = Arc::new(WaitGroup::new());
    const WORKERS: usize = 8;
    for _ in 0..WORKERS {
        let sh = sh.clone();
        wg_go(&wg, move || {
            while !sh.stop.load(Ordering::Relaxed) {
                if sh.in_call.load(Ordering::Relaxed)
                    && this_p_id() == sh.blocker_p.load(Ordering::Relaxed)
                {
                    sh.ran_on_blocker_p.fetch_add(1, Ordering::Relaxed);
                }
                gosched();
            }
        });
    }
    let handoffs_before = handoffs();
    {
        let sh = sh.clone();
        wg_go(&wg, move || {
            sh.blocker_p.store(this_p_id(), Ordering::Relaxed);
            sh.in_call.store(true, Ordering::Release);
            // Block until other Gs have been seen running on our P (the
            // evidence of the hand-off), or give up after 10 s.
            blocking_call_until(
                || sh.ran_on_blocker_p.load(Ordering::Relaxed) > 100,
                10_000 * MS,
            );
            sh.in_call.store(false, Ordering::Release);
            sh.stop.store(true, Ordering::Relaxed);
        });
    }
    wg.wait();
    let handoffs = handoffs() - handoffs_before;
    let ran = sh.ran_on_blocker_p.load(Ordering::Relaxed);
    kprintln!(
        "syscall: a blocking call on P{}; sysmon handed off {handoffs} P(s); other Gs ran {ran} times on that P meanwhile",
        sh.blocker_p.load(Ordering::Relaxed)
    );
    if handoffs == 0 || ran == 0 {
        return Err("the blocked G's P was not handed to other Gs".into());
    }
    Ok(())
}
