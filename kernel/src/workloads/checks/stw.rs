//! `test-stw`: what stopping the world costs, and what it waits for.
//!
//! Three parts, each printing one line the QEMU tests and
//! docs/EXPERIMENTS.md read:
//! 1. `idle`: 20 stops while the other Ms are parked — the bare cost of
//!    asking, taking the idle Ps and restarting (median and max);
//! 2. `busy`: 20 stops while a G per P yields in a loop — every P is
//!    running and must reach `schedule` to stop;
//! 3. `hog`: one G per other P spins in `loop {}` (no runtime call) for up
//!    to `HOG_NS`, then yields. Under `preempt=async` the stop's preempt
//!    request interrupts the hogs and the stop ends long before they would
//!    have yielded; under `coop` (no safe point in the loop) and `off` it
//!    can only end once every hog yielded by itself — checked here against
//!    the time each hog stopped spinning.
//!
//! A last `gomaxprocs(ncpu + 1)` must be clamped to the core count.
//!
//! Times are TSC ticks converted to µs; under `--icount` they follow the
//! instruction count, not the host's speed.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use gmp_sched::options::Preempt;

use crate::prelude::*;
use crate::runtime::inspect::stw::{self, StwReason};
use crate::workloads::common::group::wg_go;

/// Stops measured in the idle and busy parts.
const STOPS: usize = 20;
/// How long a hog spins before it yields by itself.
const HOG_NS: u64 = 200 * MS;

pub fn run() -> Verdict {
    let procs = gomaxprocs(0);
    let idle = measure(|| sleep(MS));
    kprintln!("test-stw: idle procs={procs}: {}", idle.line());

    let stop = Arc::new(AtomicUsize::new(0));
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..procs {
        let stop = stop.clone();
        wg_go(&wg, move || {
            while stop.load(Ordering::Acquire) == 0 {
                gosched();
            }
        });
    }
    sleep(2 * MS);
    let busy = measure(|| {});
    stop.store(1, Ordering::Release);
    wg.wait();
    kprintln!("test-stw: busy procs={procs}: {}", busy.line());

    if procs >= 2 {
        hog(procs)?;
    } else {
        kprintln!("test-stw: hog: left out (one P: the stopper's own)");
    }

    let old = gomaxprocs(ncpu() + 1);
    let now = gomaxprocs(0);
    if now != ncpu() {
        return Err(format!(
            "gomaxprocs({}) left GOMAXPROCS at {now}, not clamped to the {} cores",
            ncpu() + 1,
            ncpu()
        ));
    }
    kprintln!(
        "test-stw: gomaxprocs({}) from {old}: clamped to {now}",
        ncpu() + 1
    );
    Ok(())
}

/// Median and max of a series of stops, in TSC ticks.
struct Series(Vec<u64>);

impl Series {
    fn line(&self) -> String {
        let mut v = self.0.clone();
        v.sort_unstable();
        let us = |t: u64| crate::runtime::inspect::machine::ticks_to_ns(t) as f64 / 1000.0;
        format!(
            "{} stops: median {} ticks ({:.1} us), max {} ticks ({:.1} us)",
            v.len(),
            v[v.len() / 2],
            us(v[v.len() / 2]),
            v[v.len() - 1],
            us(v[v.len() - 1])
        )
    }
}

/// `STOPS` stops, with `between` run after each restart.
fn measure(between: impl Fn()) -> Series {
    let mut took = Vec::with_capacity(STOPS);
    for _ in 0..STOPS {
        let w = stw::stop_the_world(StwReason::Test);
        took.push(w.took);
        stw::start_the_world(w);
        between();
    }
    Series(took)
}

/// The hog part (see the module docs).
fn hog(procs: u32) -> Verdict {
    let mode = options().preempt;
    let hogs = procs as usize - 1;
    let started = Arc::new(AtomicUsize::new(0));
    // The latest time a hog stopped spinning.
    let last_yield = Arc::new(AtomicU64::new(0));
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..hogs {
        let (started, last_yield) = (started.clone(), last_yield.clone());
        wg_go(&wg, move || {
            started.fetch_add(1, Ordering::SeqCst);
            let t0 = nanotime();
            while nanotime() - t0 < HOG_NS {
                core::hint::spin_loop();
            }
            last_yield.fetch_max(nanotime(), Ordering::SeqCst);
            gosched();
        });
    }
    while started.load(Ordering::SeqCst) < hogs {
        sleep(MS);
    }
    let asked = nanotime();
    let w = stw::stop_the_world(StwReason::Test);
    let stopped = nanotime();
    let took = w.took;
    stw::start_the_world(w);
    wg.wait();
    let yielded = last_yield.load(Ordering::SeqCst);
    let waited_for_hogs = stopped >= yielded;
    kprintln!(
        "test-stw: hog preempt={} hogs={hogs}: the stop took {} us ({took} ticks); it ended {} the hogs yielded by themselves ({} us after the request)",
        mode.as_str(),
        crate::runtime::inspect::machine::ticks_to_ns(took) / 1000,
        if waited_for_hogs { "after" } else { "before" },
        (yielded.saturating_sub(asked)) / 1000
    );
    match (mode, waited_for_hogs) {
        (Preempt::Async, true) => Err(String::from(
            "preempt=async: the stop waited for the hogs to yield instead of preempting them",
        )),
        (Preempt::Coop | Preempt::Off, false) => Err(format!(
            "preempt={}: the stop ended while a hog still spun in loop {{}}",
            mode.as_str()
        )),
        _ => Ok(()),
    }
}
