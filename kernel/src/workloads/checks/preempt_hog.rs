//! `test-hog`: with one P, a G spinning without ever calling the runtime
//! must not keep another G from running — unless preemption is `coop` or
//! `off` (the kernel half of `tests/runtime.rs`).

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use gmp_sched::options::Preempt;

use super::{Verdict, need_procs};
use crate::prelude::*;
use crate::workloads::common::group::wg_go;

/// What the hog, its victim and the check share.
struct Shared {
    victim_ran: AtomicBool,
    /// The hog saw the victim run before it gave up.
    hog_saw_victim: AtomicBool,
    /// Loop turns of the hog.
    spins: AtomicU64,
    hog_started: AtomicBool,
}

/// With one P, a G spinning without ever calling the runtime must not keep
/// another G from running — unless preemption is `coop` or `off`.
pub fn run() -> Verdict {
    need_procs(1)?;
    let mode = crate::runtime::inspect::debug::options().preempt;
    let sh = Arc::new(Shared {
        victim_ran: AtomicBool::new(false),
        hog_saw_victim: AtomicBool::new(false),
        spins: AtomicU64::new(0),
        hog_started: AtomicBool::new(false),
    });
    let wg = Arc::new(WaitGroup::new());
    {
        let sh = sh.clone();
        wg_go(&wg, move || {
            // The hog: no runtime calls at all, like `for {}` in Go. It gives
            // up after 2 s so that the starving modes still finish.
            sh.hog_started.store(true, Ordering::Release);
            let start = nanotime();
            let mut n = 0u64;
            while !sh.victim_ran.load(Ordering::Relaxed) && nanotime() - start < 2_000 * MS {
                n += 1;
            }
            sh.spins.store(n, Ordering::Relaxed);
            sh.hog_saw_victim
                .store(sh.victim_ran.load(Ordering::Relaxed), Ordering::Relaxed);
        });
    }
    // Let the hog take the P; we come back only if someone preempts it (or
    // once it gives up). Sleep until it has really started, however slowly
    // the host runs us.
    while !sh.hog_started.load(Ordering::Acquire) {
        sleep(MS);
    }
    {
        let sh = sh.clone();
        wg_go(&wg, move || sh.victim_ran.store(true, Ordering::Relaxed));
    }
    wg.wait();
    let saw = sh.hog_saw_victim.load(Ordering::Relaxed);
    kprintln!(
        "hog: preempt={} victim ran while the hog was spinning: {} (hog spun {} times)",
        mode.as_str(),
        if saw { "yes" } else { "no" },
        sh.spins.load(Ordering::Relaxed)
    );
    match (mode, saw) {
        (Preempt::Async, true) | (Preempt::Coop, false) | (Preempt::Off, false) => Ok(()),
        (Preempt::Async, false) => {
            Err("the hog starved its victim despite async preemption".into())
        }
        (_, true) => Err(format!(
            "the victim ran during the hog with preempt={}",
            mode.as_str()
        )),
    }
}
