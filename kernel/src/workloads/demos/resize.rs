//! `resize`: GOMAXPROCS changed while work flows — what `procresize` does
//! to the Ps, their run queues and their Gs.
//!
//! Producers keep spawning bursts of small worker Gs (so every P's ring
//! holds Gs most of the time) while the main G steps GOMAXPROCS through
//! 4 → 1 → 8 → 2 → 4 (each clamped to the core count, with the runtime's
//! notice). Each step stops the world (`stopTheWorld("GOMAXPROCS")`),
//! destroys or creates Ps and restarts it, and the demo prints how long the
//! stop took, how many runnable Gs the destroyed Ps handed to the global
//! queue, and how many Gs each P ran since the step before. A ledger proves
//! at the end that every worker G ran exactly once across all the resizes.
//!
//! What to look for: shrinking to 1 moves the destroyed Ps' queued Gs to
//! the global queue (Go's `p.destroy` → `globrunqputhead`), and the one P
//! left runs everything; growing again brings Ps back empty, and they fill
//! by stealing. With `--schedtrace 10` the `gomaxprocs=` field follows the
//! steps. Run it on `--smp 8` to see every step take effect.

use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::prelude::*;

/// GOMAXPROCS at the start, and the steps (clamped to the core count).
const FIRST: u32 = 4;
const STEPS: [u32; 4] = [1, 8, 2, 4];
/// Work flows this long before each step, and after the last.
const STEP_NS: u64 = 25 * MS;
/// Producers, and the Gs in each burst they spawn.
const PRODUCERS: usize = 3;
const BURST: usize = 48;
/// At most this many worker Gs in all (the ledger's size).
const MAX_WORKERS: usize = 1 << 20;
/// Each worker G's work.
const WORK_NS: u64 = 4_000;

pub fn run() -> Verdict {
    let boot_procs = gomaxprocs(FIRST);
    let ledger = Arc::new(Ledger::new(MAX_WORKERS));
    let next_id = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers = Arc::new(WaitGroup::new());
    let producers = Arc::new(WaitGroup::new());
    producers.add(PRODUCERS as i64);
    for _ in 0..PRODUCERS {
        let (ledger, next_id, stop) = (ledger.clone(), next_id.clone(), stop.clone());
        let (workers, producers) = (workers.clone(), producers.clone());
        go(move || {
            while !stop.load(Ordering::Acquire) {
                for _ in 0..BURST {
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    if id >= MAX_WORKERS {
                        break;
                    }
                    workers.add(1);
                    let (ledger, workers) = (ledger.clone(), workers.clone());
                    go(move || {
                        let t0 = nanotime();
                        while nanotime() - t0 < WORK_NS {
                            core::hint::spin_loop();
                        }
                        ledger.mark(id);
                        workers.done();
                    });
                }
                sleep(MS);
            }
            producers.done();
        });
    }

    kprintln!(
        "resize: {} cores, GOMAXPROCS {} at boot, {} at the start; {PRODUCERS} producers spawn bursts of {BURST} Gs",
        ncpu(),
        boot_procs,
        gomaxprocs(0)
    );
    let mut last_run = gs_run_per_p();
    let mut moved_in_all = 0;
    for &want in &STEPS {
        sleep(STEP_NS);
        let r = gomaxprocs_resize(want);
        moved_in_all += r.moved_runnable;
        let now_run = gs_run_per_p();
        kprintln!(
            "resize: gomaxprocs {} -> {}: the stop took {} ns; {} runnable Gs, {} free Gs and {} timers moved from destroyed Ps",
            r.old,
            r.new,
            r.stop_ns,
            r.moved_runnable,
            r.moved_dead,
            r.moved_timers
        );
        kprintln!(
            "resize:   Gs run per P in the step before: {}",
            per_p_line(&last_run, &now_run, r.old)
        );
        last_run = now_run;
    }
    sleep(STEP_NS);
    stop.store(true, Ordering::Release);
    producers.wait();
    workers.wait();
    let n = next_id.load(Ordering::Relaxed).min(MAX_WORKERS);
    ledger.verify_prefix(n, "worker Gs")?;
    kprintln!(
        "resize: {n} worker Gs across {} GOMAXPROCS steps, each ran exactly once; {} runnable Gs moved off destroyed Ps in all",
        STEPS.len(),
        moved_in_all
    );
    Ok(())
}

/// Gs each P (in use or not) has run so far.
fn gs_run_per_p() -> Vec<u64> {
    counters_per_p().iter().map(|c| c.gs_run).collect()
}

/// "P0 120, P1 98, ..." for the Ps that were in use (`procs` of them).
fn per_p_line(before: &[u64], after: &[u64], procs: u32) -> String {
    let mut s = String::new();
    for (i, (b, a)) in before.iter().zip(after).enumerate().take(procs as usize) {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&format!("P{i} {}", a - b));
    }
    s
}
