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

/// A host operation held against one of ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counterpart {
    pub op: &'static str,
    /// What it is, for the table's legend.
    pub what: &'static str,
    /// It makes system calls in proportion to the count, whose work in
    /// the host kernel callgrind does not see: its instruction count is a
    /// lower bound (checked with `strace -c -f` at two counts).
    pub syscalls: bool,
}

const fn peer(op: &'static str, what: &'static str) -> Option<Counterpart> {
    Some(Counterpart {
        op,
        what,
        syscalls: false,
    })
}

const fn peer_with_syscalls(op: &'static str, what: &'static str) -> Option<Counterpart> {
    Some(Counterpart {
        op,
        what,
        syscalls: true,
    })
}

/// One in-kernel benchmark and its host counterparts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub ours: &'static str,
    pub go: Option<Counterpart>,
    pub linux: Option<Counterpart>,
    pub tokio: Option<Counterpart>,
    pub may: Option<Counterpart>,
}

impl Pair {
    pub fn counterpart(&self, t: Tool) -> Option<Counterpart> {
        match t {
            Tool::Go => self.go,
            Tool::Linux => self.linux,
            Tool::Tokio => self.tokio,
            Tool::May => self.may,
        }
    }
}

pub const PAIRS: &[Pair] = &[
    Pair {
        ours: "switch-raw",
        go: None,
        linux: peer(
            "swap",
            "bare register swap: callee-saved registers + rsp, hand-written asm",
        ),
        tokio: None,
        may: None,
    },
    Pair {
        ours: "gosched-pingpong",
        go: peer(
            "gosched-pingpong",
            "two goroutines calling runtime.Gosched, GOMAXPROCS=1",
        ),
        linux: peer_with_syscalls(
            "yield-pingpong-1cpu",
            "two threads pinned to one CPU passing a turn with sched_yield",
        ),
        tokio: peer(
            "yield-pingpong",
            "two tasks calling task::yield_now, current-thread runtime",
        ),
        may: peer(
            "yield-pingpong",
            "two coroutines calling coroutine::yield_now, one worker",
        ),
    },
    Pair {
        ours: "runnext-handoff",
        go: peer(
            "runnext-handoff",
            "sync.Mutex as a semaphore: Unlock readies the waiter into runnext, Lock parks",
        ),
        linux: None,
        tokio: None,
        may: None,
    },
    Pair {
        ours: "chan-pingpong-1p",
        go: peer(
            "chan-pingpong-1p",
            "unbuffered channel ping-pong, GOMAXPROCS=1",
        ),
        linux: peer_with_syscalls(
            "futex-pingpong-1cpu",
            "futex wait/wake ping-pong, both threads pinned to one CPU",
        ),
        tokio: peer(
            "chan-pingpong",
            "ping-pong over two mpsc channels of capacity 1 (tokio has no unbuffered one), \
             current-thread runtime",
        ),
        may: peer(
            "chan-pingpong",
            "ping-pong over two mpsc channels (may's are unbounded), one worker",
        ),
    },
    Pair {
        ours: "chan-pingpong-2p",
        go: peer(
            "chan-pingpong-2p",
            "unbuffered channel ping-pong, GOMAXPROCS=2",
        ),
        linux: peer_with_syscalls(
            "futex-pingpong-2cpu",
            "futex wait/wake ping-pong, threads pinned to two CPUs",
        ),
        tokio: None,
        may: None,
    },
    Pair {
        ours: "spawn-warm",
        go: peer(
            "spawn",
            "go f() + WaitGroup, one at a time, GOMAXPROCS=1 (free G list warm)",
        ),
        linux: peer_with_syscalls("spawn-join", "std::thread::spawn + join, pinned to one CPU"),
        tokio: peer(
            "spawn",
            "tokio::spawn + awaiting the JoinHandle, one at a time, current-thread runtime",
        ),
        may: peer_with_syscalls(
            "spawn",
            "coroutine spawn + join, one at a time, one worker (each spawn writes the worker's eventfd)",
        ),
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokio: Option<Side>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub may: Option<Side>,
}

impl Row {
    pub fn side(&self, t: Tool) -> Option<&Side> {
        match t {
            Tool::Go => self.go.as_ref(),
            Tool::Linux => self.linux.as_ref(),
            Tool::Tokio => self.tokio.as_ref(),
            Tool::May => self.may.as_ref(),
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
    peer: Option<Counterpart>,
    ours: Option<&Ours>,
    tb: Timebase,
) -> Option<Side> {
    let Counterpart { op, syscalls, .. } = peer?;
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
        insn_lower_bound: syscalls,
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
            let side = |t: Tool| side(compare, t, p.counterpart(t), o.as_ref(), tb);
            Row {
                op: p.ours.to_string(),
                go: side(Tool::Go),
                linux: side(Tool::Linux),
                tokio: side(Tool::Tokio),
                may: side(Tool::May),
                ours: o,
            }
        })
        .collect()
}
