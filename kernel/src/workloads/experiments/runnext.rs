//! `test-runnext`: what `runnext` is for, counted. A G readied by a
//! channel send should run next, not behind every G already waiting in the
//! P's ring.
//!
//! Design note: on one P without preemption the order is exact. A receiver
//! parks on an unbuffered channel; the main G fills the ring with `FILLERS`
//! short Gs, sends (which readies the receiver, Go's `goready(gp, next)`),
//! and blocks. Each filler bumps a counter when it runs; the receiver reads
//! the counter when it runs. With `runnext=on` it finds 0 (it took the
//! `runnext` slot and ran first); with `runnext=off` it went to the tail of
//! the ring and finds all `FILLERS`. The time from send to run is printed
//! too, in TSC ticks: instructions under `--icount`, emulated time otherwise.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Verdict, need_procs};
use crate::prelude::*;
use crate::runtime::inspect::machine::rdtsc;
use crate::workloads::common::group::wg_go;

/// Gs waiting in the ring when the receiver is readied (fewer than the
/// ring's 256 slots, so none overflows to the global queue).
const FILLERS: u64 = 128;

/// Run the experiment (procs=1 preempt=off).
pub fn run() -> Verdict {
    let opts = crate::runtime::inspect::debug::options();
    need_procs(1)?;
    if opts.preempt != gmp_sched::options::Preempt::Off {
        return Err(format!(
            "this experiment needs preempt=off (got preempt={})",
            opts.preempt.as_str()
        ));
    }
    let ch: Chan<u64> = Chan::new(0);
    let fillers_ran = Arc::new(AtomicU64::new(0));
    let seen = Arc::new(AtomicU64::new(u64::MAX));
    let latency = Arc::new(AtomicU64::new(0));
    let waiting = Arc::new(AtomicBool::new(false));
    let wg = Arc::new(WaitGroup::new());
    {
        let (ch, ran, seen, latency, waiting) = (
            ch.clone(),
            fillers_ran.clone(),
            seen.clone(),
            latency.clone(),
            waiting.clone(),
        );
        wg_go(&wg, move || {
            waiting.store(true, Ordering::Release);
            // One P, no preemption: nothing else runs until this parks.
            let sent_at = ch.recv().expect("channel closed");
            seen.store(ran.load(Ordering::Relaxed), Ordering::Relaxed);
            latency.store(rdtsc() - sent_at, Ordering::Relaxed);
        });
    }
    while !waiting.load(Ordering::Acquire) {
        gosched();
    }
    for _ in 0..FILLERS {
        let ran = fillers_ran.clone();
        wg_go(&wg, move || {
            ran.fetch_add(1, Ordering::Relaxed);
        });
    }
    ch.send(rdtsc());
    wg.wait();
    let seen = seen.load(Ordering::Relaxed);
    let ticks = latency.load(Ordering::Relaxed);
    kprintln!(
        "runnext: runnext={}: the G readied by a channel send ran after {seen} of the {FILLERS} Gs waiting in the ring, {ticks} {} after the send",
        if opts.runnext { "on" } else { "off" },
        if opts.icount {
            "instructions (--icount)"
        } else {
            "TSC ticks (emulated time)"
        }
    );
    Ok(())
}
