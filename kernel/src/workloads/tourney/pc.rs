//! `tour-pc`: the lesson's producer–consumer on one buffered channel, for
//! the policy tournament (`tourney/mod.rs` prints the line).
//!
//! Design note. One producer and one consumer per P share one 64-slot
//! channel; each item costs its consumer a fib(ITEM_FIB). It is `scaling`'s
//! `pc` part: the shape every Go program with a work queue has, where a
//! send readies a parked receiver into the sender's `runnext` and idle Ms
//! spin and steal to spread the consumers (golang/go#18237, channel
//! hand-offs and the spinning Ms they wake). The consumers are equal Gs:
//! `jain` is over their CPU time. Units: items.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::runtime::inspect::sched;
use crate::workloads::common::fibtree::fib_seq;
use crate::workloads::tourney::{self, my_cputime};

/// Items, in all (fixed whatever the core count).
const ITEMS: u64 = 8192;
/// What one item costs its consumer.
const ITEM_FIB: u64 = 12;

/// Run it.
pub fn run() -> Verdict {
    let procs = sched::gomaxprocs() as usize;
    let mark = tourney::start()?;
    let ch: Chan<u64> = Chan::new(64);
    let produced = Arc::new(WaitGroup::new());
    let consumed = Arc::new(WaitGroup::new());
    produced.add(procs as i64);
    consumed.add(procs as i64);
    // Per consumer: (items, sum of items, CPU time).
    let got: Arc<Vec<[AtomicU64; 3]>> = Arc::new(
        (0..procs)
            .map(|_| [const { AtomicU64::new(0) }; 3])
            .collect(),
    );
    for i in 0..procs {
        let (tx, produced) = (ch.clone(), produced.clone());
        let n = ITEMS / procs as u64 + u64::from((i as u64) < ITEMS % procs as u64);
        // Producer i sends the items i, i + procs, i + 2 procs, ...
        go(move || {
            for k in 0..n {
                tx.send(i as u64 + k * procs as u64);
            }
            produced.done();
        });
        let (rx, consumed, got) = (ch.clone(), consumed.clone(), got.clone());
        go(move || {
            let (mut items, mut sum) = (0u64, 0u64);
            while let Some(v) = rx.recv() {
                core::hint::black_box(fib_seq(core::hint::black_box(ITEM_FIB)));
                items += 1;
                sum += v;
            }
            got[i][0].store(items, Ordering::Relaxed);
            got[i][1].store(sum, Ordering::Relaxed);
            got[i][2].store(my_cputime(), Ordering::Relaxed);
            consumed.done();
        });
    }
    produced.wait();
    ch.close();
    consumed.wait();
    let measured = mark.stop();
    let items: u64 = got.iter().map(|g| g[0].load(Ordering::Relaxed)).sum();
    let sum: u64 = got.iter().map(|g| g[1].load(Ordering::Relaxed)).sum();
    let want = ITEMS * (ITEMS - 1) / 2;
    if items != ITEMS || sum != want {
        return Err(format!(
            "the consumers received {items} items summing to {sum}, not {ITEMS} summing to {want}"
        ));
    }
    let cpu: Vec<u64> = got.iter().map(|g| g[2].load(Ordering::Relaxed)).collect();
    measured.print("tour-pc", ITEMS, Some(&cpu));
    Ok(())
}
