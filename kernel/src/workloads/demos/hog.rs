//! `hog`: the preemption story. One hog G per P spins in a loop that never
//! calls the runtime (Go's `for {}`), so every P is taken; victim Gs want
//! to run meanwhile.
//!
//! - `preempt=async` (default): sysmon sees a P running the same G for
//!   `forcepreempt` (10 ms) and interrupts it; the hog is put back on a run
//!   queue and the victims get their turns. Result: victims ran many times,
//!   preemptions > 0.
//! - `preempt=coop` or `off`: nothing can take a P from a G that never
//!   calls the runtime (coop only stops a G at its next runtime call). The
//!   victims starve; so that the demo ends instead of hanging like Go 1.13
//!   would, each hog stops itself after a fixed spin budget and the demo
//!   reports that the victims ran 0 times while the hogs held the Ps.
//!
//! The demo ends with each side's CPU time (time in `_Grunning`, from
//! `runtime::tracking`, which the demo turns on if `tracking=on` did not):
//! under `async` the victims get a share while the hogs spin; under `coop`
//! and `off` they get only what is left after the hogs gave up.
//!
//! What to look for: with `--schedtrace 100`, `schedticks=[ 1 ]` stays
//! frozen while the hog holds the P in coop/off mode (the victims wait in
//! the run queue), and keeps advancing in async mode, one tick per
//! preemption or victim turn; the summary line counts the preemptions.

use alloc::format;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use gmp_sched::options::Preempt;

use crate::kprintln;
use crate::prelude::Verdict;
use crate::runtime::g::{G, Gstatus};
use crate::runtime::time::nanotime;
use crate::runtime::{Mutex, WaitGroup, go, gosched, sched, sleep, tracking};
use crate::workloads::common::{MS, pstat_sum};
use alloc::vec::Vec;

/// How long each hog spins before it gives up by itself.
const SPIN_NS: u64 = 500 * MS;
/// Victims per P.
const VICTIMS_PER_P: usize = 2;

struct Shared {
    /// Hogs that are spinning or have spun.
    started: AtomicUsize,
    /// Hogs that gave up.
    stopped: AtomicUsize,
    /// Victim turns taken while every hog was spinning.
    victim_runs: AtomicU64,
    /// The hogs' and the victims' Gs, for their CPU times.
    gs: Mutex<(Vec<&'static G>, Vec<&'static G>)>,
}

/// This G (the demo's Gs record themselves for the CPU-time report).
fn me() -> &'static G {
    crate::runtime::proc::getg().expect("a demo G runs on a G")
}

/// Wait until every G of the demo is dead, so its CPU time is final.
fn wait_until_dead(sh: &Shared) {
    loop {
        let gs = sh.gs.lock();
        if gs
            .0
            .iter()
            .chain(&gs.1)
            .all(|g| g.status() == Gstatus::Gdead)
        {
            return;
        }
        drop(gs);
        sleep(MS / 10);
    }
}

/// Run the demo.
pub fn run() -> Verdict {
    let mode = crate::runtime::debug::options().preempt;
    let hogs = sched::gomaxprocs() as usize;
    let victims = hogs * VICTIMS_PER_P;
    let sh = Arc::new(Shared {
        started: AtomicUsize::new(0),
        stopped: AtomicUsize::new(0),
        victim_runs: AtomicU64::new(0),
        gs: Mutex::new((Vec::new(), Vec::new())),
    });
    if !tracking::enabled() {
        tracking::init();
    }
    let preempts_before = pstat_sum(|s| &s.preemptions);
    let wg = Arc::new(WaitGroup::new());
    wg.add((hogs + victims) as i64);
    for _ in 0..hogs {
        let (sh, wg) = (sh.clone(), wg.clone());
        go(move || {
            sh.gs.lock().0.push(me());
            // The hog: no runtime call until the budget is spent.
            sh.started.fetch_add(1, Ordering::SeqCst);
            let t0 = nanotime();
            while nanotime() - t0 < SPIN_NS {
                core::hint::spin_loop();
            }
            sh.stopped.fetch_add(1, Ordering::SeqCst);
            wg.done();
        });
    }
    for _ in 0..victims {
        let (sh, wg) = (sh.clone(), wg.clone());
        go(move || {
            sh.gs.lock().1.push(me());
            // Wait (politely) until every hog holds a P.
            while sh.started.load(Ordering::SeqCst) < hogs {
                sleep(MS);
            }
            // Count the turns we get while all hogs still spin. Running at
            // all then means some P was taken from its hog.
            while sh.stopped.load(Ordering::SeqCst) < hogs {
                if sh.stopped.load(Ordering::SeqCst) == 0 {
                    sh.victim_runs.fetch_add(1, Ordering::Relaxed);
                }
                gosched();
            }
            wg.done();
        });
    }
    wg.wait();
    // `wg.done()` is not the end of a G: it may still be running, its last
    // stretch not yet added to its CPU time (that happens when it switches
    // out). Read the times once every demo G has exited.
    wait_until_dead(&sh);
    let runs = sh.victim_runs.load(Ordering::Relaxed);
    let preempts = pstat_sum(|s| &s.preemptions) - preempts_before;
    let ms = SPIN_NS / MS;
    {
        // Every G of the demo has exited (`wait_until_dead`); their counts
        // stay until a spawn reuses them, and this demo spawns no more.
        let gs = sh.gs.lock();
        let sum = |v: &Vec<&'static G>| v.iter().map(|g| g.track.cputime_ns()).sum::<u64>();
        let (hog_ns, victim_ns) = (sum(&gs.0), sum(&gs.1));
        let pct = |x: u64| x * 100 / (hog_ns + victim_ns).max(1);
        kprintln!(
            "hog: preempt={}: CPU time: hogs {} ms ({}%), victims {} ms ({}%)",
            mode.as_str(),
            hog_ns / MS,
            pct(hog_ns),
            victim_ns / MS,
            pct(victim_ns)
        );
    }
    match mode {
        Preempt::Async => {
            kprintln!(
                "hog: preempt=async: {hogs} hog(s) spun {ms} ms each on {hogs} P(s); {victims} victims still ran {runs} times meanwhile; {preempts} preemptions"
            );
            if runs == 0 || preempts == 0 {
                return Err(format!(
                    "with async preemption the victims ran {runs} times and {preempts} preemptions happened"
                ));
            }
        }
        Preempt::Coop | Preempt::Off => {
            kprintln!(
                "hog: preempt={}: {hogs} hog(s) held every P for {ms} ms; {victims} victims ran {runs} times meanwhile: they starved ({preempts} preemptions)",
                mode.as_str()
            );
            kprintln!(
                "hog: a G that never calls the runtime cannot be stopped without async preemption; the hogs gave up after {ms} ms by themselves, then the victims ran"
            );
            if runs != 0 {
                return Err(format!(
                    "victims ran {runs} times while the hogs held every P with preempt={}",
                    mode.as_str()
                ));
            }
        }
    }
    Ok(())
}
