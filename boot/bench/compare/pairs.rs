//! Which host operation each in-kernel benchmark is held against, and the
//! rows of the comparison table.
//!
//! Design note: the pairing is data, in one table, so the printed table,
//! the JSON, the chart and the targets all agree on what is compared with
//! what. A ratio is only formed between figures in the same unit: our
//! instructions (icount) with callgrind's instructions, our real time (KVM)
//! with native time; emulated TCG time is never divided by anything.

use serde::{Deserialize, Serialize};

use super::{CompareReport, Tool};
use crate::bench::kernel_output::{KernelReport, Unit};
use crate::bench::timebase::Timebase;

/// One in-kernel benchmark and its host counterparts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub ours: &'static str,
    /// (Go op, what it is).
    pub go: Option<(&'static str, &'static str)>,
    /// (Linux op, what it is).
    pub linux: Option<(&'static str, &'static str)>,
}

pub const PAIRS: &[Pair] = &[
    Pair {
        ours: "switch-raw",
        go: None,
        linux: Some((
            "swap",
            "bare register swap: callee-saved registers + rsp, hand-written asm",
        )),
    },
    Pair {
        ours: "gosched-pingpong",
        go: Some((
            "gosched-pingpong",
            "two goroutines calling runtime.Gosched, GOMAXPROCS=1",
        )),
        linux: Some((
            "yield-pingpong-1cpu",
            "two threads pinned to one CPU passing a turn with sched_yield",
        )),
    },
    Pair {
        ours: "runnext-handoff",
        go: Some((
            "runnext-handoff",
            "sync.Mutex as a semaphore: Unlock readies the waiter into runnext, Lock parks",
        )),
        linux: None,
    },
    Pair {
        ours: "chan-pingpong-1p",
        go: Some((
            "chan-pingpong-1p",
            "unbuffered channel ping-pong, GOMAXPROCS=1",
        )),
        linux: Some((
            "futex-pingpong-1cpu",
            "futex wait/wake ping-pong, both threads pinned to one CPU",
        )),
    },
    Pair {
        ours: "chan-pingpong-2p",
        go: Some((
            "chan-pingpong-2p",
            "unbuffered channel ping-pong, GOMAXPROCS=2",
        )),
        linux: Some((
            "futex-pingpong-2cpu",
            "futex wait/wake ping-pong, threads pinned to two CPUs",
        )),
    },
    Pair {
        ours: "spawn-warm",
        go: Some((
            "spawn",
            "go f() + WaitGroup, one at a time, GOMAXPROCS=1 (free G list warm)",
        )),
        linux: Some(("spawn-join", "std::thread::spawn + join, pinned to one CPU")),
    },
];

/// One side of a row: a host figure and our ratio to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub op: String,
    pub insn: Option<f64>,
    pub ns: Option<f64>,
    /// ours / theirs in instructions (ours under icount).
    pub insn_ratio: Option<f64>,
    /// ours / theirs in time (ours in real time only).
    pub ns_ratio: Option<f64>,
    /// The count leaves out work done in the host kernel (system calls),
    /// so it is a lower bound and the instruction ratio an upper bound.
    #[serde(default)]
    pub insn_lower_bound: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Our median for one benchmark, in the unit it is to be read in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ours {
    pub value: f64,
    pub unit: Unit,
}

/// One line of the comparison table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub op: String,
    pub ours: Option<Ours>,
    pub go: Option<Side>,
    pub linux: Option<Side>,
}

impl Row {
    pub fn side(&self, t: Tool) -> Option<&Side> {
        match t {
            Tool::Go => self.go.as_ref(),
            Tool::Linux => self.linux.as_ref(),
        }
    }
}

/// Our median of `name`, read in the run's timebase.
pub fn ours(kernel: &KernelReport, tb: Timebase, name: &str) -> Option<Ours> {
    kernel.bench(name).map(|b| Ours {
        value: b.median,
        unit: tb.read(b.unit),
    })
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

fn side(
    compare: &CompareReport,
    tool: Tool,
    op: Option<(&str, &str)>,
    ours: Option<&Ours>,
    tb: Timebase,
) -> Option<Side> {
    let (op, _) = op?;
    let report = compare.tool(tool);
    report.skip_reason().is_none().then_some(())?;
    let fig = report.figure(op);
    let insn = fig.and_then(|f| f.insn_per_op());
    let ns = fig.and_then(|f| f.ns_per_op);
    let insn_ratio = match (ours, insn) {
        (Some(o), Some(i)) if o.unit == Unit::Insn => ratio(o.value, i),
        _ => None,
    };
    let ns_ratio = match (ours, ns) {
        (Some(o), Some(n)) if o.unit == Unit::Ns && tb.is_real_time() => ratio(o.value, n),
        _ => None,
    };
    Some(Side {
        insn_lower_bound: tool == Tool::Linux && op != "swap",
        op: op.to_string(),
        insn,
        ns,
        insn_ratio,
        ns_ratio,
        errors: fig.map(|f| f.errors.clone()).unwrap_or_default(),
    })
}

/// The table's rows, in [`PAIRS`] order.
pub fn rows(kernel: &KernelReport, compare: &CompareReport, tb: Timebase) -> Vec<Row> {
    PAIRS
        .iter()
        .map(|p| {
            let o = ours(kernel, tb, p.ours);
            Row {
                op: p.ours.to_string(),
                go: side(compare, Tool::Go, p.go, o.as_ref(), tb),
                linux: side(compare, Tool::Linux, p.linux, o.as_ref(), tb),
                ours: o,
            }
        })
        .collect()
}
