//! The policy tournament's measuring and its one line (the `tour-*`
//! workloads share it; each of them is a file of this folder and a row of
//! `registry.rs`).
//!
//! Design note. A tournament boots every scheduler policy on every
//! `tour-*` workload (`--icount --lockstep`, `tracking=on seed=1`) and
//! compares them on one machine-readable line, printed last, after the
//! workload has checked its own result:
//!
//! `POLICY-RESULT workload=NAME cores=N units=U elapsed=E core_time=C
//! lat_n=S lat_p50=A lat_p99=B lat_p999=D wake_p99=W jain=J spin_wasted=X
//! steal_miss=Y steals=Z migrations=M wakeups=K` (one line).
//!
//! Every figure covers the measured part only, [`start`] to
//! [`Mark::stop`]: the latency histograms of `tracking=on` are reset at the
//! start (the workload is idle then: only its main G runs), the counters
//! are differences. Latencies are runnable → running in ns (instructions
//! under lockstep): `lat_*` over every cause, `wake_p99` over *readied*
//! Gs only (woken by a channel, a timer, a lock). `core_time` is the cores'
//! busy plus idle time under lockstep (as `scaling` reads it), else elapsed
//! × GOMAXPROCS. `jain` is Jain's fairness index (Σx)²/(n·Σx²) of the CPU
//! time of the workload's equal Gs, `-` if it has none. `spin_wasted` is
//! time Ms spun in stretches that ended without work (lockstep only),
//! `steal_miss` steal rounds that found nothing, `steals` Gs stolen,
//! `migrations` Gs that started on another P than they last ran on, and
//! `wakeups` parked Ms woken.

use alloc::string::String;

use crate::prelude::*;
use crate::runtime::inspect::{m, machine, tracking};

/// The counters at one moment.
struct Snap {
    /// Busy plus idle core time under lockstep, ns.
    core: Option<u64>,
    steal_misses: u64,
    steals: u64,
    migrations: u64,
    wakeups: u64,
    spin_wasted_ticks: u64,
}

fn snap() -> Snap {
    let core = machine::lockstep_report().map(|r| r.cores.iter().map(|c| c.own + c.idle).sum());
    let c = counters();
    let ms = m::all();
    Snap {
        core,
        steal_misses: c.steal_misses,
        steals: c.steals_in,
        migrations: tracking::migrations(),
        wakeups: ms
            .iter()
            .map(|mp| mp.wakeups.load(core::sync::atomic::Ordering::Relaxed))
            .sum(),
        spin_wasted_ticks: ms
            .iter()
            .map(|mp| {
                mp.spin_wasted_ticks
                    .load(core::sync::atomic::Ordering::Relaxed)
            })
            .sum(),
    }
}

/// The start of a measured part.
pub struct Mark {
    t0: u64,
    before: Snap,
}

/// Start the measured part: refuse without `tracking=on`, forget the
/// latencies so far, take the counters.
///
/// Context: only the calling (main) G of the workload runs.
pub fn start() -> Result<Mark, String> {
    if !tracking::enabled() {
        return Err("the tournament workloads read scheduling latencies from tracking: add the boot option tracking=on".into());
    }
    // Safe here: no other G of ours runs that could be recording.
    tracking::reset();
    let before = snap();
    Ok(Mark {
        t0: nanotime(),
        before,
    })
}

/// A measured part, ended.
pub struct Measured {
    elapsed: u64,
    core_time: u64,
    lat_n: u64,
    lat: [u64; 3],
    wake_p99: u64,
    spin_wasted: u64,
    steal_miss: u64,
    steals: u64,
    migrations: u64,
    wakeups: u64,
}

impl Mark {
    /// End the measured part: read the clock, the latencies and the
    /// counters now (check the result afterwards, then [`Measured::print`]).
    pub fn stop(self) -> Measured {
        let elapsed = nanotime() - self.t0;
        let (all, per) = tracking::merged();
        let after = snap();
        let b = &self.before;
        let core_time = match (b.core, after.core) {
            (Some(x), Some(y)) => y - x,
            _ => elapsed * u64::from(gomaxprocs(0)),
        };
        let q = |pm| all.quantile(pm).unwrap_or(0);
        Measured {
            elapsed,
            core_time,
            lat_n: all.total(),
            lat: [q(500), q(990), q(999)],
            wake_p99: per[tracking::Cause::Readied as usize]
                .quantile(990)
                .unwrap_or(0),
            spin_wasted: machine::ticks_to_ns(after.spin_wasted_ticks - b.spin_wasted_ticks),
            steal_miss: after.steal_misses - b.steal_misses,
            steals: after.steals - b.steals,
            migrations: after.migrations - b.migrations,
            wakeups: after.wakeups - b.wakeups,
        }
    }
}

impl Measured {
    /// Print the `POLICY-RESULT` line: `units` of work done, `equal` the
    /// CPU times (ns) of the workload's equal Gs (`None`: it has none).
    pub fn print(&self, name: &str, units: u64, equal: Option<&[u64]>) {
        let [p50, p99, p999] = self.lat;
        kprintln!(
            "POLICY-RESULT workload={name} cores={} units={units} elapsed={} core_time={} lat_n={} lat_p50={p50} lat_p99={p99} lat_p999={p999} wake_p99={} jain={} spin_wasted={} steal_miss={} steals={} migrations={} wakeups={}",
            m::mcount(),
            self.elapsed,
            self.core_time,
            self.lat_n,
            self.wake_p99,
            equal.map_or_else(|| "-".into(), jain),
            self.spin_wasted,
            self.steal_miss,
            self.steals,
            self.migrations,
            self.wakeups
        );
    }
}

/// Jain's fairness index of `xs` with 4 decimals (1.0000: all equal;
/// 1/n: one took everything), in integers so that it prints the same on
/// every run.
pub fn jain(xs: &[u64]) -> String {
    let n = xs.len() as u128;
    let sum: u128 = xs.iter().map(|&x| u128::from(x)).sum();
    let sq: u128 = xs.iter().map(|&x| u128::from(x) * u128::from(x)).sum();
    if n == 0 || sq == 0 {
        return "-".into();
    }
    // Rounded to the nearest 1/10000.
    let den = n * sq;
    let j = (sum * sum * 10_000 + den / 2) / den;
    format!("{}.{:04}", j / 10_000, j % 10_000)
}

/// This G's CPU time so far, ns (tracking is on in every tournament run).
pub fn my_cputime() -> u64 {
    cputime().unwrap_or(0)
}
