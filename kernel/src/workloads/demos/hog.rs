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
//! The demo ends with each side's CPU time (time in `_Grunning`: each G
//! adds its own `cputime()` as its last act; the demo turns tracking on
//! with `track_cputime()` if `tracking=on` did not):
//! under `async` the victims get a share while the hogs spin; under `coop`
//! and `off` they get only what is left after the hogs gave up.
//!
//! What to look for: with `--schedtrace 100`, `schedticks=[ 1 ]` stays
//! frozen while the hog holds the P in coop/off mode (the victims wait in
//! the run queue), and keeps advancing in async mode, one tick per
//! preemption or victim turn; the summary line counts the preemptions.

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::prelude::*;
use gmp_sched::options::Preempt;

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
    /// CPU time of the hogs and of the victims, in ns: each G adds its own
    /// as its last act (`cputime()` counts the stretch it is running).
    hog_ns: AtomicU64,
    victim_ns: AtomicU64,
}

/// Add this G's CPU time to `sum`.
fn add_my_cputime(sum: &AtomicU64) {
    sum.fetch_add(cputime().unwrap_or(0), Ordering::Relaxed);
}

/// Run the demo.
pub fn run() -> Verdict {
    let mode = options().preempt;
    let hogs = gomaxprocs(0) as usize;
    let victims = hogs * VICTIMS_PER_P;
    let sh = Arc::new(Shared {
        started: AtomicUsize::new(0),
        stopped: AtomicUsize::new(0),
        victim_runs: AtomicU64::new(0),
        hog_ns: AtomicU64::new(0),
        victim_ns: AtomicU64::new(0),
    });
    track_cputime();
    let preempts_before = counters().preemptions;
    let wg = Arc::new(WaitGroup::new());
    wg.add((hogs + victims) as i64);
    for _ in 0..hogs {
        let (sh, wg) = (sh.clone(), wg.clone());
        go(move || {
            // The hog: no runtime call until the budget is spent.
            sh.started.fetch_add(1, Ordering::SeqCst);
            let t0 = nanotime();
            while nanotime() - t0 < SPIN_NS {
                core::hint::spin_loop();
            }
            sh.stopped.fetch_add(1, Ordering::SeqCst);
            add_my_cputime(&sh.hog_ns);
            wg.done();
        });
    }
    for _ in 0..victims {
        let (sh, wg) = (sh.clone(), wg.clone());
        go(move || {
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
            add_my_cputime(&sh.victim_ns);
            wg.done();
        });
    }
    wg.wait();
    let runs = sh.victim_runs.load(Ordering::Relaxed);
    let preempts = counters().preemptions - preempts_before;
    let ms = SPIN_NS / MS;
    {
        let hog_ns = sh.hog_ns.load(Ordering::Relaxed);
        let victim_ns = sh.victim_ns.load(Ordering::Relaxed);
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
