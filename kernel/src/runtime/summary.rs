//! The end-of-run per-P summary: what each P ran, stole and spilled.

use core::sync::atomic::Ordering;

use crate::kprintln;
use crate::runtime::m;
use crate::runtime::sched::allp;

/// Print one line per P and a total.
pub fn print() {
    kprintln!("per-P summary:");
    kprintln!("  P     Gs run   spawned  steals-in steals-out glob-takes  overflows  idle");
    let mut t = [0u64; 7];
    for pp in allp() {
        let s = &pp.stats;
        let row = [
            s.gs_run.load(Ordering::Relaxed),
            s.spawned.load(Ordering::Relaxed),
            s.steals_in.load(Ordering::Relaxed),
            s.steals_out.load(Ordering::Relaxed),
            s.glob_takes.load(Ordering::Relaxed),
            s.overflows.load(Ordering::Relaxed),
            s.parks.load(Ordering::Relaxed),
        ];
        for (acc, v) in t.iter_mut().zip(row) {
            *acc += v;
        }
        kprintln!(
            "  P{:<3} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>5}",
            pp.id,
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6]
        );
    }
    kprintln!(
        "  all  {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>5}",
        t[0],
        t[1],
        t[2],
        t[3],
        t[4],
        t[5],
        t[6]
    );
    let parks: u64 = m::all()
        .iter()
        .map(|mp| mp.parks.load(Ordering::Relaxed))
        .sum();
    kprintln!(
        "  Ms parked {parks} times in all ({} Ms, {} Gs created)",
        m::mcount(),
        super::allg::allglen()
    );
    let sum = |f: fn(&crate::runtime::p::PStats) -> u64| -> u64 {
        allp().iter().map(|pp| f(&pp.stats)).sum()
    };
    kprintln!(
        "  runnext runs {}, preemptions {}, hand-offs {}, spinning refused {}, steal misses {}, sched.lock taken {} times ({} contended)",
        sum(|s| s.runnext_runs.load(Ordering::Relaxed)),
        sum(|s| s.preemptions.load(Ordering::Relaxed)),
        sum(|s| s.handoffs.load(Ordering::Relaxed)),
        sum(|s| s.spin_refused.load(Ordering::Relaxed)),
        sum(|s| s.steal_misses.load(Ordering::Relaxed)),
        crate::runtime::sched::SCHED_LOCKS.load(Ordering::Relaxed),
        crate::runtime::sched::SCHED_LOCK_CONTENDED.load(Ordering::Relaxed)
    );
    print_first_steal_passes();
}

/// One line with the order in which each M visited the Ps on its first
/// steal pass, with the seed that chose it: the same seed gives the same
/// orders (the only other draw from an M's source is `select`'s poll order).
fn print_first_steal_passes() {
    use core::fmt::Write;
    let Some(order) = super::proc::steal_order() else {
        return;
    };
    let mut line = alloc::string::String::new();
    for mp in m::all().iter().take(m::mcount()) {
        let draw = mp.first_steal_draw.load(Ordering::Relaxed);
        if draw == u64::MAX {
            continue;
        }
        let _ = write!(
            line,
            "{}M{}",
            if line.is_empty() { "" } else { ", " },
            mp.id
        );
        for (i, p) in order.start(draw as u32).enumerate() {
            let _ = write!(line, "{}P{p}", if i == 0 { " " } else { ">" });
        }
    }
    kprintln!(
        "  first steal pass (seed {}): {}",
        super::start::RAND_SEED.load(Ordering::Relaxed),
        if line.is_empty() { "no M stole" } else { &line }
    );
}
