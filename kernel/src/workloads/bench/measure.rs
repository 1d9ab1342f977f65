//! Turning TSC samples into the `BENCH` line: median, p99, min.

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use gmp_sched::options::{Bench, BenchUnit, find_bench};

use crate::prelude::*;
use crate::runtime::inspect::machine;
use crate::runtime::inspect::probe::{self, Samples};

/// The unit a figure is reported in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Instructions (TSC under `-icount shift=0`).
    Insn,
    /// Nanoseconds (virtual under TCG, real under KVM).
    Ns,
    /// Bytes.
    Bytes,
}

impl Unit {
    /// The unit of time-like figures in this boot.
    pub fn time() -> Unit {
        if crate::runtime::inspect::debug::options().icount {
            Unit::Insn
        } else {
            Unit::Ns
        }
    }

    /// The unit a registry row's figure is reported in, in this boot.
    pub fn of(unit: BenchUnit) -> Unit {
        match unit {
            BenchUnit::Time => Unit::time(),
            BenchUnit::Ns => Unit::Ns,
            BenchUnit::Bytes => Unit::Bytes,
        }
    }

    /// The name in the `BENCH` line.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Insn => "insn",
            Unit::Ns => "ns",
            Unit::Bytes => "bytes",
        }
    }
}

/// Median, 99th percentile and minimum of `v` (sorted in place).
pub fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(core::cmp::Ordering::Equal));
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let at = |q: f64| v[(((v.len() - 1) as f64) * q + 0.5) as usize];
    (at(0.5), at(0.99), v[0])
}

/// The registry row of `name` (a reported name such as `fib-procs-2`
/// gives its benchmark's row).
pub fn row(name: &str) -> &'static Bench {
    find_bench(name).expect("every benchmark reports under its registry name")
}

/// Print the `BENCH` line of `name` for `samples`, already in the unit of
/// its registry row, with the row's description.
pub fn report(name: &str, samples: &mut [f64]) {
    let row = row(name);
    let (median, p99, min) = stats(samples);
    kprintln!(
        "BENCH {name} unit={} reps={} median={median:.1} p99={p99:.1} min={min:.1} desc=\"{}\"",
        Unit::of(row.unit).as_str(),
        samples.len(),
        row.desc
    );
}

/// Convert per-operation TSC tick samples to the boot's time unit.
pub fn ticks_to_unit(ticks: &[f64]) -> Vec<f64> {
    let hz = machine::tsc_hz().max(1) as f64;
    ticks.iter().map(|t| t * 1e9 / hz).collect()
}

/// Print the `BENCH` line of `name` for per-operation TSC tick samples;
/// `Err(none)` if there are none (what it times never happened).
pub fn report_ticks(name: &str, ticks: &[f64], none: &str) -> Result<(), String> {
    if ticks.is_empty() {
        return Err(String::from(none));
    }
    let mut s = ticks_to_unit(ticks);
    report(name, &mut s);
    Ok(())
}

/// Stop the switch-path probes and report `name` from what `samples`
/// recorded, as [`report_ticks`].
pub fn report_probe(name: &str, samples: &Samples, none: &str) -> Result<(), String> {
    probe::ENABLED.store(false, Ordering::Release);
    let ticks: Vec<f64> = samples.collect().iter().map(|&t| t as f64).collect();
    report_ticks(name, &ticks, none)
}

/// Time `reps` batches of `batch` operations done by `op_batch`; each sample
/// is ticks per operation, converted to the boot's unit.
pub fn time_batches(reps: usize, batch: u64, mut op_batch: impl FnMut(u64)) -> Vec<f64> {
    let mut ticks = Vec::with_capacity(reps);
    op_batch(batch); // warm-up
    for _ in 0..reps {
        let t0 = crate::runtime::inspect::machine::rdtsc();
        op_batch(batch);
        let t1 = crate::runtime::inspect::machine::rdtsc();
        ticks.push((t1 - t0) as f64 / batch as f64);
    }
    ticks_to_unit(&ticks)
}
