//! `tour-burst`: bursts of short Gs from one spawner, for the policy
//! tournament (`tourney/mod.rs` prints the line).
//!
//! Design note. One spawner G spawns BURST short Gs at once and waits for
//! all of them (a WaitGroup) before the next burst, BURSTS times: a
//! fan-out such as a request that starts one G per shard. BURST is well
//! below the 256-slot local ring, so nothing overflows to the global
//! queue: the burst sits in the spawner's P and only stealing (idle Ms
//! woken by `wakep`, taking half a ring at a time) spreads it over the
//! other cores — with `steal=off` one P runs it all. How fast a policy
//! spreads a burst, and how much its Ms spin in vain between bursts, is
//! what golang/go#28808 (stealing cost at high GOMAXPROCS) and
//! golang/go#54622 (waking Ms for short work) argue about. The burst Gs
//! are the equal Gs (`jain` over their CPU time). Units: Gs.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::prelude::*;
use crate::workloads::common::fibtree::fib_seq;
use crate::workloads::tourney::{self, my_cputime};

/// Gs per burst (< 256: the local ring holds them all).
const BURST: usize = 64;
/// Bursts.
const BURSTS: usize = 20;
/// One G's work: fib(G_FIB), some tens of microseconds.
const G_FIB: u64 = 15;

/// Run it.
pub fn run() -> Verdict {
    let want = fib_seq(G_FIB);
    let total = BURST * BURSTS;
    let mark = tourney::start()?;
    // Per G: its answer and its CPU time.
    let out: Arc<Vec<[AtomicU64; 2]>> = Arc::new(
        (0..total)
            .map(|_| [const { AtomicU64::new(0) }; 2])
            .collect(),
    );
    let spawner_done = Arc::new(WaitGroup::new());
    spawner_done.add(1);
    {
        let (out, spawner_done) = (out.clone(), spawner_done.clone());
        go(move || {
            for b in 0..BURSTS {
                let wg = Arc::new(WaitGroup::new());
                wg.add(BURST as i64);
                for i in 0..BURST {
                    let (wg, out) = (wg.clone(), out.clone());
                    go(move || {
                        let v = core::hint::black_box(fib_seq(core::hint::black_box(G_FIB)));
                        let slot = &out[b * BURST + i];
                        slot[0].store(v, Ordering::Relaxed);
                        slot[1].store(my_cputime(), Ordering::Relaxed);
                        wg.done();
                    });
                }
                wg.wait();
            }
            spawner_done.done();
        });
    }
    spawner_done.wait();
    let measured = mark.stop();
    if let Some(i) = out
        .iter()
        .position(|s| s[0].load(Ordering::Relaxed) != want)
    {
        return Err(format!(
            "G {i} of burst {} left {} for fib({G_FIB}), not {want}",
            i / BURST,
            out[i][0].load(Ordering::Relaxed)
        ));
    }
    let cpu: Vec<u64> = out.iter().map(|s| s[1].load(Ordering::Relaxed)).collect();
    measured.print("tour-burst", total as u64, Some(&cpu));
    Ok(())
}
