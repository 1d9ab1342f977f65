//! The scheduler's runtime/metrics sample, read from the objects: what
//! `--metrics PATH` writes at the end of a run and what the console's
//! `metrics` prints, from this one function ([`sample`]).
//!
//! Design note. Nothing here sits on the switch path. Counts that exist
//! already are summed (the Ps' `spawned`, the Ms), the Gs per state are
//! counted by walking `allgs` at read time (Go reads the run queues' lengths
//! and Ps' states instead; in a stopped world both give the same answer,
//! and the walk also sees a G between two queues), and the histograms are
//! those the slow paths keep: the stops of the world (`stw`, always), the
//! time a G waited to run (`tracking`, when `metrics=on` or `tracking=on`
//! turned it on: an always-on stamp would cost every switch a clock read)
//! and the time Gs spent parked on a `Mutex` (its slow path, always). The
//! names, kinds and the conversion to Go's buckets are in
//! `gmp_sched::metrics`. Read during a run, the figures are approximate, as
//! Go says of its own; at the end of a run they come from the stopped world.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use gmp_sched::metrics::{self as gm, Desc, Value};

use crate::runtime::objects::sched::{allp_all, gomaxprocs};
use crate::runtime::objects::{allg, m};

/// One reading of every metric this kernel produces, in Go's order;
/// `/sched/latencies:seconds` only when its histogram is kept.
pub fn sample() -> Vec<(&'static Desc, Value)> {
    let by_state = allg::count_live_by_state();
    let [running, runnable, waiting, syscall] = by_state;
    let created: u64 = allp_all()
        .iter()
        .map(|pp| pp.stats.spawned.load(Ordering::Relaxed))
        .sum();
    let stw = crate::runtime::scheduler::stw::PAUSES_STOPPING.snapshot();
    let stw_total = crate::runtime::scheduler::stw::PAUSES_TOTAL.snapshot();
    let mut out: Vec<(&'static Desc, Value)> = Vec::with_capacity(gm::ALL.len());
    out.push((&gm::GOMAXPROCS, Value::Uint64(u64::from(gomaxprocs()))));
    out.push((&gm::GOROUTINES_CREATED, Value::Uint64(created)));
    out.push((&gm::GOROUTINES_NOT_IN_GO, Value::Uint64(syscall)));
    out.push((&gm::GOROUTINES_RUNNABLE, Value::Uint64(runnable)));
    out.push((&gm::GOROUTINES_RUNNING, Value::Uint64(running)));
    out.push((&gm::GOROUTINES_WAITING, Value::Uint64(waiting)));
    out.push((
        &gm::GOROUTINES,
        Value::Uint64(running + runnable + waiting + syscall),
    ));
    if crate::runtime::diag::tracking::enabled() {
        let (all, _) = crate::runtime::diag::tracking::merged();
        out.push((&gm::LATENCIES, Value::Histogram(gm::go_time_counts(&all))));
    }
    out.push((
        &gm::PAUSES_STOPPING_OTHER,
        Value::Histogram(gm::go_time_counts(&stw)),
    ));
    out.push((
        &gm::PAUSES_TOTAL_OTHER,
        Value::Histogram(gm::go_time_counts(&stw_total)),
    ));
    out.push((&gm::THREADS_TOTAL, Value::Uint64(m::mcount() as u64)));
    let wait_ns = crate::runtime::gsync::mutex::WAIT_NS.load(Ordering::Relaxed);
    out.push((&gm::MUTEX_WAIT_TOTAL, Value::Float64(wait_ns as f64 / 1e9)));
    out
}

/// The end of a run with `metrics=on`: one `METRIC` line per metric, which
/// the runner turns into the `--metrics` file.
pub fn emit() {
    for (d, v) in sample() {
        crate::kprintln!("{}", gm::line(d, &v));
    }
}

/// The console's `metrics`: `NAME = VALUE` lines, histograms summarised.
pub fn report() -> String {
    let sample = sample();
    let mut s = gm::render(&sample);
    if !sample.iter().any(|(d, _)| d.name == gm::LATENCIES.name) {
        s.push_str(&alloc::format!(
            "({} is kept only when the run was booted with metrics=on or tracking=on)\n",
            gm::LATENCIES.name
        ));
    }
    s
}
