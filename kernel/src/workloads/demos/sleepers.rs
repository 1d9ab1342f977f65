//! `sleepers`: many Gs each sleep a random time. A sleep is a timer on the
//! sleeping G's P plus a park; the timer fires from the tick of the M that
//! holds the P, from `findRunnable` of an M looking for work, or — when
//! every M is parked — from sysmon's tick on M0, which starts an M.
//!
//! The oversleep (woke minus asked) is bounded below by 0 (never early,
//! checked) and in practice by about one timer tick: timers are checked on
//! ticks and in the scheduler, not by a dedicated one-shot interrupt.
//!
//! What to look for: `--schedtrace 10` shows a burst of runnable Gs while
//! they are spawned, then empty run queues and idle Ps (`idleprocs`,
//! `idlethreads`) while every G sleeps, with `schedticks` advancing as
//! they wake; the summary's idle column counts the Ps that parked between
//! wake-ups.

use gmp_sched::rand::CheapRand;

use crate::prelude::*;
use crate::workloads::common::sleep_crowd::sleep_crowd;

/// Sleepers.
const N: usize = 300;
/// Longest sleep, in ms (each sleeps 1..=MAX_MS).
const MAX_MS: u32 = 50;

/// Run the demo.
pub fn run() -> Verdict {
    let seed = options().seed.unwrap_or_else(nanotime);
    let mut rand = CheapRand::new(seed);
    let durations: Vec<u64> = (0..N)
        .map(|_| (1 + rand.below(MAX_MS) as u64) * MS)
        .collect();
    let asked: u64 = durations.iter().sum();
    let o = sleep_crowd(durations);
    kprintln!(
        "sleepers: {N} Gs slept 1-{MAX_MS} ms (mean asked {} us), all woke; oversleep min {} us, mean {} us, max {} us; woke early: {} (tick {} us)",
        asked / N as u64 / 1000,
        o.min_ns / 1000,
        o.total_ns / N as u64 / 1000,
        o.max_ns / 1000,
        o.early,
        options().tick_ns / 1000
    );
    if o.early != 0 {
        return Err(format!("{} sleepers woke before their time", o.early));
    }
    Ok(())
}
