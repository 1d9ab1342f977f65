//! `lab-pipeline`: the reference answer of the workload lab of
//! docs/LABS.md ("scheduling is producer–consumer"). A generator G feeds
//! the numbers 1..=N into a bounded channel, a pool of worker Gs squares
//! them into a second channel, and the main G sums the squares: two
//! producer–consumer pairs in a row, each a bounded buffer, like the run
//! queues they are scheduled through. The sum is checked against
//! N(N+1)(2N+1)/6 and every number against a ledger.
//!
//! `cargo run -- lab start workload` replaces the body of `run` with a
//! stub; the lab asks for it to be written again from the description.

use crate::prelude::*;

/// Numbers sent through the pipeline: 1..=N.
const N: u64 = 10_000;
/// Worker Gs between the two channels.
const WORKERS: usize = 4;
/// Capacity of each channel: small, so that senders block and wake.
const CAPACITY: usize = 16;

pub fn run() -> Verdict {
    // lab workload/run: begin
    let jobs: Chan<u64> = Chan::new(CAPACITY);
    let results: Chan<(u64, u64)> = Chan::new(CAPACITY);
    let generator = jobs.clone();
    go(move || {
        for x in 1..=N {
            generator.send(x); // blocks while the workers are behind
        }
        generator.close(); // the workers' recv returns None once drained
    });
    let workers = Arc::new(WaitGroup::new());
    workers.add(WORKERS as i64);
    for _ in 0..WORKERS {
        let (jobs, results, done) = (jobs.clone(), results.clone(), workers.clone());
        go(move || {
            while let Some(x) = jobs.recv() {
                results.send((x, x * x));
            }
            done.done();
        });
    }
    // Close `results` only after the last worker's last send: a send on a
    // closed channel panics.
    let closer = results.clone();
    go(move || {
        workers.wait();
        closer.close();
    });
    let ledger = Ledger::new(N as usize);
    let mut sum = 0;
    while let Some((x, square)) = results.recv() {
        ledger.mark((x - 1) as usize); // panics if a number arrives twice
        sum += square;
    }
    ledger.verify("numbers")?;
    let want = N * (N + 1) * (2 * N + 1) / 6;
    if sum != want {
        return Err(format!("pipeline: sum of squares {sum}, expected {want}"));
    }
    kprintln!("pipeline: {N} numbers through {WORKERS} workers: sum of squares {sum}");
    Ok(())
    // lab workload/run: end
}
