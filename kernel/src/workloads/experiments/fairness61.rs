//! Workloads behind `docs/EXPERIMENTS.md`: each isolates one mechanism of
//! Go's scheduler so that switching it off shows what it is for.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{Verdict, need_procs};
use crate::prelude::*;
use crate::workloads::common::group::wg_go;

const RESPAWNS: u64 = 20_000;

/// One link of a respawn chain: spawn the next link, then exit.
fn link(n: u64, victim_ran: Arc<AtomicBool>, ran_after: Arc<AtomicU64>, wg: Arc<WaitGroup>) {
    if n >= RESPAWNS || victim_ran.load(Ordering::Acquire) {
        ran_after.store(n, Ordering::Relaxed);
        wg.done();
        return;
    }
    go(move || link(n + 1, victim_ran, ran_after, wg));
}

/// The 1-in-61 check: on one P, a chain of Gs that keeps respawning itself
/// keeps the local queue non-empty forever. A G waiting in the global queue
/// runs only because every 61st schedule tick looks there first; with
/// `fairness61=off` it starves until the chain ends. (Run with
/// `preempt=off runnext=off`: preemption would also rescue it, and a G
/// taken from `runnext` inherits its time slice, so the schedule tick would
/// not advance.)
pub fn run() -> Verdict {
    need_procs(1)?;
    let opts = crate::runtime::inspect::debug::options();
    let victim_ran = Arc::new(AtomicBool::new(false));
    let ran_after = Arc::new(AtomicU64::new(0));
    let respawns_seen = Arc::new(AtomicU64::new(u64::MAX));
    let wg = Arc::new(WaitGroup::new());
    {
        let (victim_ran, ran_after, respawns_seen) =
            (victim_ran.clone(), ran_after.clone(), respawns_seen.clone());
        wg_go(&wg, move || {
            // Into the global queue, then wait for a turn.
            gosched();
            victim_ran.store(true, Ordering::Release);
            respawns_seen.store(ran_after.load(Ordering::Relaxed), Ordering::Relaxed);
        });
    }
    // The chain counts as one G: its last link is done.
    wg.add(1);
    {
        let (v, r, w) = (victim_ran.clone(), ran_after.clone(), wg.clone());
        go(move || link(0, v, r, w));
    }
    wg.wait();
    let chain = ran_after.load(Ordering::Relaxed);
    let fairness = if opts.fairness61 { "on" } else { "off" };
    if chain < RESPAWNS {
        kprintln!(
            "fairness: fairness61={fairness}: the G waiting in the global queue ran while the respawn chain was at link {chain} (chain stopped)"
        );
    } else {
        kprintln!(
            "fairness: fairness61={fairness}: the G waiting in the global queue starved through all {RESPAWNS} respawns"
        );
    }
    Ok(())
}
