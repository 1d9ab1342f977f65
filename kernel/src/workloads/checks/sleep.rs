//! `test-sleep`: sleeps never wake early; many sleepers on every core all
//! wake; a sleeper wakes even when every M is parked.

use alloc::format;

use crate::prelude::*;
use crate::workloads::common::sleep_crowd::sleep_crowd;

/// Sleeps never wake early; many sleepers on every core all wake; a sleeper
/// wakes even when every M is parked.
pub fn run() -> Verdict {
    for d in [MS, 5 * MS, 20 * MS] {
        let t0 = nanotime();
        sleep(d);
        let slept = nanotime() - t0;
        if slept < d {
            return Err(format!("sleep({d} ns) returned after {slept} ns"));
        }
        kprintln!("sleep: asked {} us, slept {} us", d / 1000, slept / 1000);
    }
    const N: usize = 400;
    let durations = (0..N).map(|i| (1 + (i as u64 * 7919) % 30) * MS).collect();
    let o = sleep_crowd(durations);
    if o.early != 0 {
        return Err(format!("{} sleepers woke early", o.early));
    }
    kprintln!(
        "sleep: {N} sleepers (1-30 ms) all woke, none early; oversleep mean {} us, max {} us (tick {} us)",
        o.total_ns / N as u64 / 1000,
        o.max_ns / 1000,
        crate::runtime::inspect::machine::tick_ns() / 1000
    );
    // Everyone parked: only sysmon's tick can notice the timer.
    let t0 = nanotime();
    sleep(50 * MS);
    kprintln!(
        "sleep: with every M parked, a 50 ms sleep woke after {} us",
        (nanotime() - t0) / 1000
    );
    Ok(())
}
