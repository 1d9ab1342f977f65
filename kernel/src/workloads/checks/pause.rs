//! `test-pause`: under `--icount`, a `pause` ends the running vCPU's turn.
//!
//! Chaos (`chaos=N`) stands on this: QEMU's x86 TCG implements `pause` as
//! "let another CPU run" (it leaves the CPU loop with `EXCP_INTERRUPT`),
//! and under `-icount` every vCPU runs round-robin on one host thread, so
//! a `pause` hands the machine to the next vCPU at exactly that
//! instruction. Measured, not assumed: two Gs wired to two cores hand a
//! turn back and forth through one atomic, each spinning until the turn is
//! its own — once spinning with `pause`, once with plain loads. With
//! `pause`, a spinner yields its turn at once and a round trip costs a few
//! hundred instructions; with plain loads, it burns its whole time slice
//! (the next timer deadline shared out among the cores) before the other
//! core can answer. Under `icount=on` the run fails unless the `pause`
//! round trip is at least 20 times cheaper; without it (real parallel
//! vCPUs) both figures are printed and nothing is asserted.

use alloc::format;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::prelude::*;

/// Round trips per measurement.
const TRIPS: u32 = 200;

/// The least ratio of plain-spin to `pause`-spin round-trip cost that
/// shows `pause` ends the turn (measured: several hundred).
const MIN_RATIO: u64 = 20;

fn wait_turn(turn: &AtomicU32, want: u32, pause: bool) {
    while turn.load(Ordering::Acquire) != want {
        if pause {
            core::hint::spin_loop();
        }
    }
}

/// Virtual (under icount) or real nanoseconds per round trip between two
/// Gs wired to two different cores.
fn round_trip_ns(pause: bool) -> Result<u64, String> {
    let turn = Arc::new(AtomicU32::new(0));
    let first_m = Arc::new(AtomicU32::new(u32::MAX));
    let wg = Arc::new(WaitGroup::new());
    wg.add(2);
    let (t, f, w) = (turn.clone(), first_m.clone(), wg.clone());
    go(move || {
        f.store(wire(), Ordering::Release);
        for i in 0..TRIPS {
            wait_turn(&t, 2 * i + 1, pause);
            t.store(2 * i + 2, Ordering::Release);
        }
        unwire();
        w.done();
    });
    let (t, w) = (turn.clone(), wg.clone());
    let elapsed = Arc::new(core::sync::atomic::AtomicU64::new(0));
    let e = elapsed.clone();
    go(move || {
        // Wire to a core other than the first G's.
        loop {
            let other = first_m.load(Ordering::Acquire);
            if other != u32::MAX && this_m() != other {
                break;
            }
            gosched();
        }
        wire();
        let start = nanotime();
        for i in 0..TRIPS {
            t.store(2 * i + 1, Ordering::Release);
            wait_turn(&t, 2 * i + 2, pause);
        }
        e.store(nanotime() - start, Ordering::Relaxed);
        unwire();
        w.done();
    });
    wg.wait();
    Ok(elapsed.load(Ordering::Relaxed) / TRIPS as u64)
}

pub fn run() -> Verdict {
    if gomaxprocs(0) < 2 {
        return Err(String::from(
            "test-pause needs two Ps: boot with --smp 2 or more",
        ));
    }
    let with_pause = round_trip_ns(true)?.max(1);
    let plain = round_trip_ns(false)?;
    let icount = options().icount;
    kprintln!(
        "pause: a round trip between two cores costs {with_pause} {unit} spinning with pause, {plain} {unit} spinning without ({}x)",
        plain / with_pause,
        unit = if icount { "instructions" } else { "ns" }
    );
    if icount && plain / with_pause < MIN_RATIO {
        return Err(format!(
            "under icount a pause should end the vCPU's turn, but spinning with it is only {}x cheaper than without",
            plain / with_pause
        ));
    }
    Ok(())
}
