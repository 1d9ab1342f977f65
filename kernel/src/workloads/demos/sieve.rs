//! `sieve`: the concurrent prime sieve of the Go tour. A generator G sends
//! 2, 3, 4, ... down an unbuffered channel; every prime found gets a filter
//! G that passes on what it does not divide, so the chain grows to one G
//! per prime and every number hops G to G through unbuffered channels.
//!
//! What to look for: with `--schedtrace 10` the G count grows by one per
//! prime while almost every G is blocked in a channel operation (runqueue
//! lengths stay tiny); the per-P summary shows a large `runnext runs`
//! count, because each send readies the receiver into the sender's runnext
//! slot (a hand-off on the same P, as in Go).

use crate::prelude::*;
use crate::workloads::common::sieve::{check_primes, sieve_primes};

/// Primes to find.
const N: usize = 100;

/// Run the demo.
pub fn run() -> Verdict {
    let spawned_before = counters().spawned;
    let primes = sieve_primes(N)?;
    check_primes(&primes)?;
    let head: Vec<_> = primes.iter().take(20).map(|p| format!("{p}")).collect();
    kprintln!("sieve: {} ... {}", head.join(" "), primes[N - 1]);
    kprintln!(
        "sieve: the first {N} primes are right (last {}), found by 1 generator and {N} filter Gs ({} Gs spawned)",
        primes[N - 1],
        counters().spawned - spawned_before
    );
    Ok(())
}
