//! The lesson's picture, run for real: producers spawn bursts of Gs into
//! their P's `runnext` and local ring; a burst bigger than the ring spills
//! half of it plus one (129 Gs) to the global queue; Ms with empty queues
//! consume from the global queue and steal from busy Ps.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::workloads::common::ledger::Ledger;

/// Gs per burst: more than the 256-slot ring, so every burst overflows.
const BURST: usize = 300;
/// Bursts per producer.
const BURSTS: usize = 4;

/// A little work per G, so consumers overlap with producers.
fn work(seed: u64) -> u64 {
    let mut x = seed | 1;
    for _ in 0..2_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// Run the demo.
pub fn run() -> Verdict {
    let producers = gomaxprocs(0) as usize;
    let total = producers * BURSTS * BURST;
    kprintln!(
        "producer-consumer: {producers} producers, {BURSTS} bursts of {BURST} Gs each ({total} Gs)"
    );
    let ledger = Arc::new(Ledger::new(total));
    let wg = Arc::new(WaitGroup::new());
    wg.add(total as i64);
    let per_m: Arc<Vec<AtomicU64>> =
        Arc::new((0..(ncpu() as usize)).map(|_| AtomicU64::new(0)).collect());
    let sink = Arc::new(AtomicU64::new(0));
    for p in 0..producers {
        let (ledger, wg, per_m, sink) = (ledger.clone(), wg.clone(), per_m.clone(), sink.clone());
        go(move || {
            for b in 0..BURSTS {
                for i in 0..BURST {
                    let id = (p * BURSTS + b) * BURST + i;
                    let (ledger, wg, per_m, sink) =
                        (ledger.clone(), wg.clone(), per_m.clone(), sink.clone());
                    go(move || {
                        sink.fetch_xor(work(id as u64), Ordering::Relaxed);
                        per_m[this_m() as usize].fetch_add(1, Ordering::Relaxed);
                        ledger.mark(id);
                        wg.done();
                    });
                }
            }
        });
    }
    wg.wait();
    ledger.verify("producer-consumer")?;
    let counts: Vec<u64> = per_m.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    // Each M by name up to 64; past that, a summary (512 names is a wall).
    let line = if counts.len() <= gmp_sched::plist::FULL_MAX {
        let each: Vec<_> = counts
            .iter()
            .enumerate()
            .map(|(i, c)| format!("M{i}={c}"))
            .collect();
        each.join(" ")
    } else {
        let mut s = alloc::string::String::new();
        let _ = gmp_sched::plist::write_list(&mut s, &counts, 'M');
        s
    };
    kprintln!("producer-consumer: all {total} Gs ran exactly once; consumed per M: {line}");
    Ok(())
}
