//! `tour-pipeline`: token rings joined by unbuffered channels, for the
//! policy tournament (`tourney/mod.rs` prints the line).
//!
//! Design note. CHAINS independent rings of STAGES Gs: a source sends a
//! token down a chain of relays over unbuffered channels and the last
//! relay hands it back, TOKENS times. Every hop is a receiver readied by
//! its sender, which then blocks: the shape for which Go 1.5 added
//! `runnext` (the readied G runs next on the sender's P, inheriting its
//! time slice, instead of queueing behind the ring or being stolen to a
//! cold core) and tokio its LIFO slot ("Making the Tokio scheduler 10x
//! faster", 2019). A policy that spreads such a ring over cores pays a
//! wake-up and a cache miss per hop. The relays are the equal Gs (`jain`
//! over their CPU time). Units: token hops.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::workloads::tourney::{self, my_cputime};

/// Independent rings (fixed whatever the core count).
const CHAINS: usize = 4;
/// Gs per ring: a source and STAGES - 1 relays; also hops per token.
const STAGES: usize = 6;
/// Tokens each source sends round its ring.
const TOKENS: u64 = 500;

/// What relay `k` (1-based) adds to a token.
fn stamp(k: usize) -> u64 {
    k as u64 * 1_000
}

/// Run it.
pub fn run() -> Verdict {
    let mark = tourney::start()?;
    let done = Arc::new(WaitGroup::new());
    done.add((CHAINS * STAGES) as i64);
    // Per ring: tokens that came back right.
    let good: Arc<[AtomicU64; CHAINS]> = Arc::new([const { AtomicU64::new(0) }; CHAINS]);
    // Per relay: CPU time.
    let cpu: Arc<Vec<AtomicU64>> = Arc::new(
        (0..CHAINS * (STAGES - 1))
            .map(|_| AtomicU64::new(0))
            .collect(),
    );
    let added: u64 = (1..STAGES).map(stamp).sum();
    for c in 0..CHAINS {
        // links[k]: into stage k (links[0]: back to the source).
        let links: Vec<Chan<u64>> = (0..STAGES).map(|_| Chan::new(0)).collect();
        for k in 1..STAGES {
            let (rx, tx) = (links[k].clone(), links[(k + 1) % STAGES].clone());
            let (done, cpu) = (done.clone(), cpu.clone());
            go(move || {
                while let Some(v) = rx.recv() {
                    tx.send(v + stamp(k));
                }
                tx.close();
                cpu[c * (STAGES - 1) + k - 1].store(my_cputime(), Ordering::Relaxed);
                done.done();
            });
        }
        let (tx, back) = (links[1].clone(), links[0].clone());
        let (done, good) = (done.clone(), good.clone());
        go(move || {
            for t in 0..TOKENS {
                let v = t * 1_000_000 + c as u64;
                tx.send(v);
                if back.recv() == Some(v + added) {
                    good[c].fetch_add(1, Ordering::Relaxed);
                }
            }
            tx.close();
            // The last relay closes the way back once the chain has drained.
            while back.recv().is_some() {}
            done.done();
        });
    }
    done.wait();
    let measured = mark.stop();
    for (c, g) in good.iter().enumerate() {
        let g = g.load(Ordering::Relaxed);
        if g != TOKENS {
            return Err(format!(
                "ring {c} got {g} of its {TOKENS} tokens back intact"
            ));
        }
    }
    let cpu: Vec<u64> = cpu.iter().map(|x| x.load(Ordering::Relaxed)).collect();
    measured.print(
        "tour-pipeline",
        (CHAINS * STAGES) as u64 * TOKENS,
        Some(&cpu),
    );
    Ok(())
}
