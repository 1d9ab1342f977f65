//! `test-timeslice`: the time slice (`forcepreempt`, Go's forcePreemptNS)
//! made visible. Two hog Gs share one P and never call the runtime; only
//! sysmon's `retake` can move the P from one to the other, and it does so
//! once the running hog has had the P for `forcepreempt`. The hogs count
//! how often the P changed hands between them during a fixed window, so a
//! shorter slice must show proportionally more hand-overs.
//!
//! Design note: the count needs no clock. Each hog remembers in a shared
//! word who ran last; finding someone else's mark means the P was taken
//! from the other hog and given to this one. The clock only bounds the
//! window (both hogs stop at the same deadline), and the slice lengths are
//! printed for the reader, never judged here.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use super::{Verdict, need_procs};
use crate::prelude::*;

/// How long the two hogs compete for the P.
const WINDOW_NS: u64 = 400_000_000;
const HOGS: u64 = 2;

struct Shared {
    /// `1 + index` of the hog that ran last; 0 before either ran.
    last: AtomicU64,
    /// Times a hog found the other one's mark: P hand-overs between hogs.
    handovers: AtomicU64,
    /// Longest and shortest uninterrupted run seen by a hog, in ns.
    longest: AtomicU64,
    shortest: AtomicU64,
}

/// One hog: spin until `deadline`, noting every time the P came back.
fn hog(me: u64, deadline: u64, sh: &Shared) {
    let mut turn_start = 0;
    let mut last_seen = 0;
    // Whether the current turn began with a hand-over. The very first turn
    // of the run does not: that hog came from `runnext` and inherited the
    // main G's time slice (as in Go), so it is cut short and not measured.
    let mut measured = false;
    loop {
        let now = nanotime();
        if now >= deadline {
            break;
        }
        let prev = sh.last.swap(me, Ordering::Relaxed);
        if prev != me {
            // Our previous turn ended at `last_seen`.
            if measured {
                let len = last_seen - turn_start;
                sh.longest.fetch_max(len, Ordering::Relaxed);
                sh.shortest.fetch_min(len, Ordering::Relaxed);
            }
            measured = prev != 0;
            if measured {
                sh.handovers.fetch_add(1, Ordering::Relaxed);
            }
            turn_start = now;
        }
        last_seen = now;
        core::hint::spin_loop();
    }
}

/// Run the experiment (needs procs=1: with more Ps each hog has its own).
pub fn run() -> Verdict {
    need_procs(1)?;
    let opts = crate::runtime::inspect::debug::options();
    let sh = Arc::new(Shared {
        last: AtomicU64::new(0),
        handovers: AtomicU64::new(0),
        longest: AtomicU64::new(0),
        shortest: AtomicU64::new(u64::MAX),
    });
    let wg = Arc::new(WaitGroup::new());
    wg.add(HOGS as i64);
    let deadline = nanotime() + WINDOW_NS;
    for me in 1..=HOGS {
        let (sh, wg) = (sh.clone(), wg.clone());
        go(move || {
            hog(me, deadline, &sh);
            wg.done();
        });
    }
    wg.wait();
    let n = sh.handovers.load(Ordering::Relaxed);
    let ms = |ns: u64| ns as f64 / 1e6;
    let slice = opts.forcepreempt_ns;
    let shortest = sh.shortest.load(Ordering::Relaxed);
    let shortest = if shortest == u64::MAX { 0 } else { shortest };
    kprintln!(
        "timeslice: forcepreempt={:.1}ms preempt={}: {HOGS} hogs on one P handed it over {n} times in {:.0} ms (whole turns seen by a hog: shortest {:.1} ms, longest {:.1} ms)",
        ms(slice),
        opts.preempt.as_str(),
        ms(WINDOW_NS),
        ms(shortest),
        ms(sh.longest.load(Ordering::Relaxed)),
    );
    Ok(())
}
