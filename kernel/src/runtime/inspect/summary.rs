//! The end-of-run per-P summary: what each P ran, stole and spilled.
//!
//! It is read from a stopped world (`stw::stop_the_world_for_exit`, in
//! `start::runtime_main`): while other Ms still ran Gs, one `execute` could
//! land between the read of the Gs-run column and the read of the latency
//! histograms, and a student saw 2408 latency samples for 2407 Gs run. In
//! a stopped world every figure describes the same instant, so the exact
//! identities hold: Gs spawned = exited + live; latency samples + starts
//! without a wait = Gs run; the causes add up to the samples; steals in =
//! steals out. Two things still move while it is printed, and are not
//! compared with anything: the netpoll counters (COM1's interrupt runs in
//! a stopped world too) and the state of a G a timer on the reader's own
//! P readies. The figures include the stop itself: its `preemptall` asks
//! the running Gs to yield (preemptions), and the Ms it stops park.
//!
//! Up to `plist::FULL_MAX` Ps every P has a row; past that (512 Ps would
//! be 512 rows) the [`BUSIEST`] Ps by Gs run have theirs, followed by the
//! minimum, median and maximum of each column over all Ps.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use gmp_sched::plist;

use crate::runtime::objects::m;
use crate::runtime::objects::sched::{allp, allp_all};
use crate::{kprint, kprintln};

/// Rows shown past `plist::FULL_MAX` Ps.
const BUSIEST: usize = 8;

/// The Ps of the run: those in use, and those a `gomaxprocs` destroyed
/// after they did something (their counts belong in the totals).
fn ps_of_the_run() -> impl Iterator<Item = &'static crate::runtime::objects::p::P> {
    let live = allp().len();
    allp_all().iter().filter(move |pp| {
        (pp.id as usize) < live
            || pp.stats.gs_run.load(Ordering::Relaxed) != 0
            || pp.stats.parks.load(Ordering::Relaxed) != 0
    })
}

/// Print the per-P table and a total.
pub fn print() {
    let ids: Vec<u32> = ps_of_the_run().map(|pp| pp.id).collect();
    let live = allp().len();
    let rows: Vec<[u64; 7]> = ps_of_the_run()
        .map(|pp| {
            let s = &pp.stats;
            [
                s.gs_run.load(Ordering::Relaxed),
                s.spawned.load(Ordering::Relaxed),
                s.steals_in.load(Ordering::Relaxed),
                s.steals_out.load(Ordering::Relaxed),
                s.glob_takes.load(Ordering::Relaxed),
                s.overflows.load(Ordering::Relaxed),
                s.parks.load(Ordering::Relaxed),
            ]
        })
        .collect();
    let gs_run: Vec<u64> = rows.iter().map(|r| r[0]).collect();
    let shown = plist::rows_to_show(&gs_run, BUSIEST);
    if shown.len() == rows.len() {
        kprintln!("per-P summary:");
    } else {
        kprintln!(
            "per-P summary ({} Ps: the {} that ran the most Gs, then min/median/max of each column):",
            rows.len(),
            shown.len()
        );
    }
    kprintln!("  P     Gs run   spawned  steals-in steals-out glob-takes  overflows  idle");
    let row = |label: &dyn core::fmt::Display, r: &[u64; 7]| {
        kprintln!(
            "  {:<4} {:>8} {:>9} {:>10} {:>10} {:>10} {:>10} {:>5}",
            alloc::format!("{label}"),
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6]
        );
    };
    for &i in &shown {
        let gone = if ids[i] as usize >= live { "*" } else { "" };
        row(&format_args!("P{}{gone}", ids[i]), &rows[i]);
    }
    if shown.len() < rows.len() {
        let stats = plist::column_stats(&rows);
        row(&"min", &stats.map(|s| s.min));
        row(&"med", &stats.map(|s| s.median));
        row(&"max", &stats.map(|s| s.max));
    }
    let t: [u64; 7] = core::array::from_fn(|c| rows.iter().map(|r| r[c]).sum());
    row(&"all", &t);
    if ids.len() > live {
        kprintln!(
            "  (P* were destroyed by a GOMAXPROCS change: GOMAXPROCS is {live} now, {} changes, {} runnable Gs moved to the global queue)",
            crate::runtime::scheduler::stw::RESIZES.load(Ordering::Relaxed),
            crate::runtime::scheduler::stw::MOVED_GS.load(Ordering::Relaxed)
        );
    }
    let parks: u64 = m::all()
        .iter()
        .map(|mp| mp.parks.load(Ordering::Relaxed))
        .sum();
    kprintln!("  Ms parked {parks} times in all ({} Ms)", m::mcount());
    print_g_ledger();
    let sum = |f: fn(&crate::runtime::objects::p::PStats) -> u64| -> u64 {
        allp_all().iter().map(|pp| f(&pp.stats)).sum()
    };
    kprintln!(
        "  runnext runs {}, preemptions {}, hand-offs {}, spinning refused {}, steal misses {}, sched.lock taken {} times ({} contended)",
        sum(|s| s.runnext_runs.load(Ordering::Relaxed)),
        sum(|s| s.preemptions.load(Ordering::Relaxed)),
        sum(|s| s.handoffs.load(Ordering::Relaxed)),
        sum(|s| s.spin_refused.load(Ordering::Relaxed)),
        sum(|s| s.steal_misses.load(Ordering::Relaxed)),
        crate::runtime::objects::sched::SCHED_LOCKS.load(Ordering::Relaxed),
        crate::runtime::objects::sched::SCHED_LOCK_CONTENDED.load(Ordering::Relaxed)
    );
    print_first_steal_passes();
    print_lockstep();
    crate::runtime::diag::tracking::report();
    if crate::runtime::scheduler::netpoll::used() {
        kprint!("{}", crate::runtime::inspect::introspect::netpoll_report());
    }
}

/// Lockstep's clocks (`arch::lockstep`): each core's clock, its own
/// instructions and its idle time, and the accounting of every instruction
/// since the clocks started (segments + hand-offs = TSC).
fn print_lockstep() {
    let Some(r) = crate::arch::lockstep::report() else {
        return;
    };
    kprintln!("lockstep: per-core clocks (ns = instructions)");
    kprintln!("  core       clock         own        idle   turns  own+idle=clock");
    for (i, c) in r.cores.iter().enumerate() {
        kprintln!(
            "  C{i:<4} {:>11} {:>11} {:>11} {:>7}  {}",
            c.clock,
            c.own,
            c.idle,
            c.turns,
            if c.balanced { "yes" } else { "NO" }
        );
    }
    kprintln!(
        "  accounting: {} insn of segments + {} of hand-offs {} {} since the start (TSC); overlapping segments: {}; {}",
        r.segments,
        r.gaps,
        if r.segments + r.gaps == r.elapsed {
            "="
        } else {
            "!="
        },
        r.elapsed,
        r.overlaps,
        if r.exclusive() {
            "exclusive"
        } else {
            "NOT EXCLUSIVE"
        }
    );
}

/// The Gs' ledger: every G spawned has exited or is live, by state. Read
/// from a stopped world the two sides are equal; the line says so either
/// way, with the figures, so a reader can check it.
fn print_g_ledger() {
    let sum =
        |f: fn(&crate::runtime::objects::p::PStats) -> &core::sync::atomic::AtomicU64| -> u64 {
            allp_all()
                .iter()
                .map(|pp| f(&pp.stats).load(Ordering::Relaxed))
                .sum()
        };
    let spawned = sum(|s| &s.spawned);
    let exited = sum(|s| &s.exits);
    // running, runnable, waiting, in blocking calls
    let live = crate::runtime::objects::allg::count_live_by_state();
    let nlive: u64 = live.iter().sum();
    kprintln!(
        "  Gs: {spawned} spawned {} {exited} exited + {nlive} live ({} running, {} runnable, {} waiting, {} in blocking calls); {} G structs allocated",
        if spawned == exited + nlive { "=" } else { "!=" },
        live[0],
        live[1],
        live[2],
        live[3],
        crate::runtime::objects::allg::allglen()
    );
}

/// One line with the order in which each M visited the Ps on its first
/// steal pass, with the seed that chose it: the same seed gives the same
/// orders (the only other draw from an M's source is `select`'s poll order).
/// Past `plist::FULL_MAX` Ps a pass is written as its first P and stride
/// (`M3 P42+249`: P42, P291, P28, ... mod the P count), and only the first
/// [`BUSIEST`] Ms that stole are listed.
fn print_first_steal_passes() {
    use core::fmt::Write;
    let Some(order) = crate::runtime::scheduler::proc::steal_order() else {
        return;
    };
    let short = order.count() as usize > plist::FULL_MAX;
    let mut line = alloc::string::String::new();
    let mut listed = 0;
    let mut stole = 0;
    for mp in m::all().iter().take(m::mcount()) {
        let draw = mp.first_steal_draw.load(Ordering::Relaxed);
        if draw == u64::MAX {
            continue;
        }
        stole += 1;
        if short && listed == BUSIEST {
            continue;
        }
        listed += 1;
        let _ = write!(
            line,
            "{}M{}",
            if line.is_empty() { "" } else { ", " },
            mp.id
        );
        let pass = order.start(draw as u32);
        if short {
            let _ = write!(line, " P{}+{}", pass.position(), pass.stride());
            continue;
        }
        for (i, p) in pass.enumerate() {
            let _ = write!(line, "{}P{p}", if i == 0 { " " } else { ">" });
        }
    }
    if stole > listed {
        let _ = write!(line, ", and {} more Ms", stole - listed);
    }
    kprintln!(
        "  first steal pass (seed {}{}): {}",
        crate::runtime::objects::sched::RAND_SEED.load(Ordering::Relaxed),
        if short {
            alloc::format!("; Pfirst+stride mod {}", order.count())
        } else {
            alloc::string::String::new()
        },
        if line.is_empty() { "no M stole" } else { &line }
    );
    if let Some((asked, reached)) = crate::runtime::diag::chaos::stop_report() {
        match reached {
            Some(at) => {
                kprintln!("  stopat: the tick at tsc {at} called gmp_stop_at (asked {asked})")
            }
            None => kprintln!("  stopat: no tick reached tsc {asked}"),
        }
    }
    if crate::runtime::diag::chaos::on() {
        let (points, pauses, preempts) = crate::runtime::diag::chaos::totals();
        kprintln!(
            "  chaos: {points} sync points met, {pauses} pauses executed, {preempts} ticks preempted at random"
        );
    }
}
