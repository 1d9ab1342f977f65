//! `fib`: recursive Fibonacci as a spawn tree. Above a cutoff each call
//! spawns a G for `fib(n-1)` and computes `fib(n-2)` itself, then joins
//! the child through a one-slot channel; below it, plain recursion. The
//! tree fans out from P0's queue; idle Ms wake (`wakep`) and steal half of
//! a busy P's queue, so the work spreads over every core.
//!
//! What to look for: in the per-P summary every P both spawned and ran Gs
//! although the whole tree grew from the main G on P0 — the
//! `steals-in`/`steals-out` columns show how it spread. `--schedtrace 10`
//! shows the run queues filling and draining.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::workloads::common::id_set;

/// The argument.
const N: u32 = 25;
/// Calls with `n` below this run serially in the calling G.
const CUTOFF: u32 = 12;

/// What the tree shares: Gs spawned and the Ms that ran its calls.
struct Counts {
    spawned: AtomicU64,
    ms: AtomicU64,
}

fn fib_serial(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_serial(n - 1) + fib_serial(n - 2)
    }
}

fn fib_go(n: u32, counts: Arc<Counts>) -> u64 {
    counts.ms.fetch_or(1 << (this_m() % 64), Ordering::Relaxed);
    if n < CUTOFF {
        return fib_serial(n);
    }
    let result: Chan<u64> = Chan::new(1);
    {
        let (result, counts) = (result.clone(), counts.clone());
        counts.spawned.fetch_add(1, Ordering::Relaxed);
        go(move || result.send(fib_go(n - 1, counts)));
    }
    let b = fib_go(n - 2, counts);
    let a = result.recv().expect("the child always sends");
    a + b
}

/// How many Gs `fib_go(n)` spawns: one per call at or above the cutoff.
fn expected_spawns(n: u32) -> u64 {
    if n < CUTOFF {
        0
    } else {
        1 + expected_spawns(n - 1) + expected_spawns(n - 2)
    }
}

/// Run the demo.
pub fn run() -> Verdict {
    let counts = Arc::new(Counts {
        spawned: AtomicU64::new(0),
        ms: AtomicU64::new(0),
    });
    let got = fib_go(N, counts.clone());
    let want = fib_serial(N);
    let spawned = counts.spawned.load(Ordering::Relaxed);
    let ms = counts.ms.load(Ordering::Relaxed);
    kprintln!(
        "fib: fib({N}) = {got} (cutoff {CUTOFF}), {spawned} Gs spawned, calls ran on Ms {}",
        id_set(ms)
    );
    if got != want {
        return Err(format!("fib({N}) came out {got}, expected {want}"));
    }
    if spawned != expected_spawns(N) {
        return Err(format!(
            "{spawned} Gs spawned, the call tree has {} calls above the cutoff",
            expected_spawns(N)
        ));
    }
    kprintln!("fib: result and spawn count are right");
    Ok(())
}
