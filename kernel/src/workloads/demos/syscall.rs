//! `syscall`: Gs in blocking calls ("outside Go") keep their M but let go
//! of their P (`entersyscall`, P status `Psyscall`). If the call outlasts a
//! sysmon tick while other Gs wait, sysmon's `retake` takes the P and hands
//! it to another M (`handoffp`); on return `exitsyscall` gets a P back.
//!
//! A hand-off only helps if there is a spare M to take the P, i.e. with
//! `procs` below the core count: `--smp 4 --procs 2` leaves two cores whose
//! Ms run the handed-off Ps while the blocked Ms sit in their calls. With
//! `procs` equal to the cores the P is still retaken (and counted), but no
//! M is free to run it until a blocked call returns.
//!
//! What to look for: the summary's `hand-offs` count; with
//! `--schedtrace 20 --scheddetail`, an M in a blocking call shows
//! `p=nil curg=<its G>` and its old P `status=2` (Psyscall) with `m=nil`
//! until sysmon retakes the P.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::prelude::*;
use crate::workloads::common::group::wg_go;
use crate::workloads::common::id_set;

/// Gs making blocking calls.
const CALLERS: usize = 2;
/// Calls per caller.
const CALLS: usize = 5;
/// Length of each call.
const CALL_NS: u64 = 20 * MS;
/// Gs computing meanwhile.
const WORKERS: usize = 4;

/// Run the demo.
pub fn run() -> Verdict {
    let procs = gomaxprocs(0);
    let cores = ncpu() as usize;
    let handoffs_before = counters().handoffs;
    let in_call = Arc::new(AtomicUsize::new(0));
    let calls_done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let worker_turns = Arc::new(AtomicU64::new(0));
    let worker_ms = Arc::new(AtomicU64::new(0));
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..WORKERS {
        let (in_call, stop, turns, ms) = (
            in_call.clone(),
            stop.clone(),
            worker_turns.clone(),
            worker_ms.clone(),
        );
        wg_go(&wg, move || {
            while !stop.load(Ordering::Relaxed) {
                if in_call.load(Ordering::Relaxed) > 0 {
                    turns.fetch_add(1, Ordering::Relaxed);
                    ms.fetch_or(1 << (this_m() % 64), Ordering::Relaxed);
                }
                gosched();
            }
        });
    }
    let callers = Arc::new(WaitGroup::new());
    for _ in 0..CALLERS {
        let (in_call, calls_done) = (in_call.clone(), calls_done.clone());
        wg_go(&callers, move || {
            for _ in 0..CALLS {
                in_call.fetch_add(1, Ordering::Relaxed);
                blocking_call(CALL_NS);
                in_call.fetch_sub(1, Ordering::Relaxed);
                calls_done.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    callers.wait();
    stop.store(true, Ordering::Relaxed);
    wg.wait();
    let handoffs = counters().handoffs - handoffs_before;
    let calls = calls_done.load(Ordering::Relaxed);
    let turns = worker_turns.load(Ordering::Relaxed);
    kprintln!(
        "syscall: procs={procs} cores={cores}: {calls} blocking calls of {} ms by {CALLERS} Gs; sysmon handed off {handoffs} P(s); {WORKERS} workers took {turns} turns during the calls, on Ms {}",
        CALL_NS / MS,
        id_set(worker_ms.load(Ordering::Relaxed))
    );
    if (procs as usize) >= cores {
        kprintln!(
            "syscall: no spare core for a handed-off P; try procs below the core count, e.g. --smp 4 --procs 2"
        );
    }
    if calls != CALLERS * CALLS {
        return Err(format!(
            "{calls} calls returned, expected {}",
            CALLERS * CALLS
        ));
    }
    if handoffs == 0 {
        return Err(format!(
            "no P was retaken from {calls} blocking calls of {} ms",
            CALL_NS / MS
        ));
    }
    Ok(())
}
