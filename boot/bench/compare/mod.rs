//! `bench --compare`: the same operations done the way a user would pick
//! instead of gmp-metal — Go's runtime, Linux threads, tokio's tasks and
//! may's stackful coroutines — measured on the host in the same invocation.
//!
//! Design note: each tool is optional. A missing `go`, `cargo` or `valgrind` turns
//! into one "skipped" sentence with the install command, and the rest of
//! the comparison still runs; an operation that fails keeps its error next
//! to it instead of aborting the others. Each operation is timed natively
//! (median of `runs` runs, the program timing its own loop) and, with
//! valgrind, counted in instructions by the two-count difference
//! ([`super::callgrind`]). What runs is a [`Plan`], so tests can use tiny
//! counts and a fake [`Exec`].

pub mod go;
pub mod linux;
pub mod pairs;
pub mod rust;

use serde::{Deserialize, Serialize};

use super::callgrind::{Callgrind, InsnCount};
use super::hostcmd::{Cmd, Exec, median, run_host_line};

/// A comparison tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Go,
    Linux,
    Tokio,
    May,
}

impl Tool {
    /// Every tool, in the order of the table's columns.
    pub const ALL: [Tool; 4] = [Tool::Go, Tool::Linux, Tool::Tokio, Tool::May];

    pub fn label(self) -> &'static str {
        match self {
            Tool::Go => "Go",
            Tool::Linux => "Linux threads",
            Tool::Tokio => "tokio",
            Tool::May => "may",
        }
    }
}

/// Whether a tool ran.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ToolStatus {
    Ran { version: String },
    Skipped { reason: String },
}

/// One host operation, measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostFigure {
    pub op: String,
    /// Median native time per operation over `ns_runs`.
    pub ns_per_op: Option<f64>,
    pub ns_runs: Vec<f64>,
    /// Instructions per operation (callgrind, user space only).
    pub insn: Option<InsnCount>,
    /// What went wrong, if anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl HostFigure {
    /// An operation that could not be measured at all.
    pub fn failed(op: &str, error: String) -> HostFigure {
        HostFigure {
            op: op.to_string(),
            ns_per_op: None,
            ns_runs: Vec::new(),
            insn: None,
            errors: vec![error],
        }
    }

    pub fn insn_per_op(&self) -> Option<f64> {
        self.insn.as_ref().map(|c| c.per_op)
    }
}

/// Memory per parked goroutine (Go's MemStats).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemFigure {
    pub gs: u64,
    pub bytes_per_g: f64,
    pub stack_per_g: f64,
    pub heap_per_g: f64,
}

/// Memory per parked task as the growth of the resident set (tokio, may).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RssFigure {
    /// Tasks parked at once.
    pub tasks: u64,
    /// `(rss_after - rss_before) / tasks`.
    pub bytes_per_task: f64,
    pub rss_before: u64,
    pub rss_after: u64,
}

/// Wall time of the fib spawn tree at one `procs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FibPoint {
    pub procs: u32,
    pub ns: f64,
}

/// One tool's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolReport {
    pub tool: Tool,
    #[serde(flatten)]
    pub status: ToolStatus,
    pub figures: Vec<HostFigure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem: Option<MemFigure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rss: Option<RssFigure>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fib: Vec<FibPoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fib_params: Option<FibParams>,
}

impl ToolReport {
    /// A tool that ran, with its per-operation figures; the memory and
    /// fib figures, which only some tools have, are added by the caller.
    pub fn ran(tool: Tool, version: String, figures: Vec<HostFigure>) -> ToolReport {
        ToolReport::with_status(tool, ToolStatus::Ran { version }, figures)
    }

    pub fn skipped(tool: Tool, reason: impl Into<String>) -> ToolReport {
        let status = ToolStatus::Skipped {
            reason: reason.into(),
        };
        ToolReport::with_status(tool, status, Vec::new())
    }

    fn with_status(tool: Tool, status: ToolStatus, figures: Vec<HostFigure>) -> ToolReport {
        ToolReport {
            tool,
            status,
            figures,
            mem: None,
            rss: None,
            fib: Vec::new(),
            fib_params: None,
        }
    }

    pub fn skip_reason(&self) -> Option<&str> {
        match &self.status {
            ToolStatus::Skipped { reason } => Some(reason),
            ToolStatus::Ran { .. } => None,
        }
    }

    pub fn figure(&self, op: &str) -> Option<&HostFigure> {
        self.figures.iter().find(|f| f.op == op)
    }
}

/// Why a report read from older JSON has no tokio or may figures.
const NOT_MEASURED: &str = "not measured by the runner that wrote this report";

fn tokio_not_measured() -> ToolReport {
    ToolReport::skipped(Tool::Tokio, NOT_MEASURED)
}

fn may_not_measured() -> ToolReport {
    ToolReport::skipped(Tool::May, NOT_MEASURED)
}

/// Everything `--compare` measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    pub go: ToolReport,
    pub linux: ToolReport,
    #[serde(default = "tokio_not_measured")]
    pub tokio: ToolReport,
    #[serde(default = "may_not_measured")]
    pub may: ToolReport,
    /// Why there are no instruction counts, if there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insn_skipped: Option<String>,
}

impl CompareReport {
    pub fn tool(&self, t: Tool) -> &ToolReport {
        match t {
            Tool::Go => &self.go,
            Tool::Linux => &self.linux,
            Tool::Tokio => &self.tokio,
            Tool::May => &self.may,
        }
    }

    /// One line per skipped tool, as printed; tokio and may, built
    /// together, share one line when they share the reason.
    pub fn skip_messages(&self) -> Vec<String> {
        let mut v = Vec::new();
        for t in [&self.go, &self.linux] {
            if let Some(r) = t.skip_reason() {
                v.push(format!("skipped {}: {r}", t.tool.label()));
            }
        }
        match (self.tokio.skip_reason(), self.may.skip_reason()) {
            (Some(a), Some(b)) if a == b => v.push(format!("skipped tokio and may: {a}")),
            (a, b) => {
                for (t, r) in [(Tool::Tokio, a), (Tool::May, b)] {
                    if let Some(r) = r {
                        v.push(format!("skipped {}: {r}", t.label()));
                    }
                }
            }
        }
        if let Some(r) = &self.insn_skipped {
            v.push(format!("skipped instruction counts: {r}"));
        }
        v
    }
}

/// Parameters of the fib spawn tree; the defaults are the kernel's
/// (`kernel/src/workloads/bench/multi.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FibParams {
    /// fib(n).
    pub n: u32,
    /// Calls below this n run sequentially; each call at or above it runs
    /// fib(n-1) in a new goroutine, fib(n-2) itself, and joins over a
    /// channel of capacity 1.
    pub cutoff: u32,
}

/// The kernel's fib tree: fib(24), sequential below 14.
pub const KERNEL_FIB: FibParams = FibParams { n: 24, cutoff: 14 };

/// One operation to measure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpPlan {
    pub op: &'static str,
    /// Operations per native timing run.
    pub native_n: u64,
    /// The two operation counts under callgrind.
    pub callgrind_n: [u64; 2],
}

/// How much to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Native timing runs per operation (the median is kept).
    pub runs: u32,
    pub go_ops: Vec<OpPlan>,
    pub linux_ops: Vec<OpPlan>,
    pub tokio_ops: Vec<OpPlan>,
    pub may_ops: Vec<OpPlan>,
    /// Goroutines parked for the memory figure.
    pub parked_gs: u64,
    /// tokio tasks parked for the memory figure.
    pub parked_tokio: u64,
    /// may coroutines parked for the memory figure: each stack is two
    /// mappings, so Linux's default limit of 65530 allows about 32,000.
    pub parked_may: u64,
    /// procs values of the fib tree (empty: no fib).
    pub fib_procs: Vec<u32>,
    pub fib: FibParams,
}

const fn op(op: &'static str, native_n: u64, callgrind_n: [u64; 2]) -> OpPlan {
    OpPlan {
        op,
        native_n,
        callgrind_n,
    }
}

/// The operations of the tokio and may programs, which run the same three
/// with the same counts but for `spawn`'s native one (`spawn_n`).
fn task_ops(spawn_n: u64) -> Vec<OpPlan> {
    vec![
        op("yield-pingpong", 2_000_000, [10_000, 30_000]),
        op("chan-pingpong", 1_000_000, [10_000, 30_000]),
        op("spawn", spawn_n, [5_000, 15_000]),
    ]
}

impl Plan {
    /// The counts used by `gmp-metal bench --compare`: each native run
    /// takes well under a second, each callgrind run a few seconds.
    pub fn standard(runs: u32, fib_procs: Vec<u32>) -> Plan {
        Plan {
            runs: runs.max(1),
            go_ops: vec![
                op("gosched-pingpong", 2_000_000, [10_000, 30_000]),
                op("runnext-handoff", 1_000_000, [10_000, 30_000]),
                op("chan-pingpong-1p", 1_000_000, [10_000, 30_000]),
                op("chan-pingpong-2p", 500_000, [10_000, 30_000]),
                op("spawn", 500_000, [5_000, 15_000]),
            ],
            linux_ops: vec![
                op("swap", 50_000_000, [100_000, 300_000]),
                op("yield-pingpong-1cpu", 100_000, [2_000, 6_000]),
                op("futex-pingpong-1cpu", 100_000, [2_000, 6_000]),
                op("futex-pingpong-2cpu", 50_000, [2_000, 6_000]),
                op("spawn-join", 5_000, [500, 1_500]),
            ],
            tokio_ops: task_ops(1_000_000),
            may_ops: task_ops(500_000),
            parked_gs: 100_000,
            parked_tokio: 100_000,
            parked_may: 20_000,
            fib_procs,
            fib: KERNEL_FIB,
        }
    }
}

/// The progress note for the callgrind runs of an operation.
fn callgrind_note(callgrind: Option<&Callgrind>) -> &'static str {
    if callgrind.is_some() {
        " + 2 callgrind runs"
    } else {
        ""
    }
}

impl Plan {
    /// Tiny counts: a quick look (and the tests), noisy figures.
    pub fn quick(runs: u32, fib_procs: Vec<u32>) -> Plan {
        let mut p = Plan::standard(runs, fib_procs);
        for o in p.ops_mut() {
            o.native_n = (o.native_n / 100).max(100);
            o.callgrind_n = [
                (o.callgrind_n[0] / 10).max(50),
                (o.callgrind_n[1] / 10).max(150),
            ];
        }
        p.parked_gs = 10_000;
        p.parked_tokio = 10_000;
        p.parked_may = 2_000;
        p
    }

    /// Every tool's operations.
    pub fn ops_mut(&mut self) -> impl Iterator<Item = &mut OpPlan> {
        self.go_ops
            .iter_mut()
            .chain(self.linux_ops.iter_mut())
            .chain(self.tokio_ops.iter_mut())
            .chain(self.may_ops.iter_mut())
    }
}

/// Measures one operation: `runs` native timings and, with `callgrind`,
/// the instruction count. `native` and `counted` build the command for a
/// count (they differ only in environment).
pub fn measure(
    exec: &dyn Exec,
    plan: &OpPlan,
    runs: u32,
    native: &dyn Fn(u64) -> Cmd,
    counted: &dyn Fn(u64) -> Cmd,
    callgrind: Option<&Callgrind>,
) -> HostFigure {
    let mut fig = HostFigure {
        op: plan.op.to_string(),
        ns_per_op: None,
        ns_runs: Vec::new(),
        insn: None,
        errors: Vec::new(),
    };
    for _ in 0..runs {
        match run_host_line(exec, &native(plan.native_n)).and_then(|l| l.num("ns_per_op")) {
            Ok(ns) => fig.ns_runs.push(ns),
            Err(e) => {
                fig.errors.push(e);
                break;
            }
        }
    }
    fig.ns_per_op = median(&fig.ns_runs);
    if let Some(cg) = callgrind {
        match cg.per_op(exec, counted, plan.callgrind_n) {
            Ok(c) => fig.insn = Some(c),
            Err(e) => fig.errors.push(e),
        }
    }
    fig
}

/// What every tool's run reads: how to run a command, how much, whether
/// to count instructions, and where progress lines go.
pub struct Session<'a> {
    pub exec: &'a dyn Exec,
    pub plan: &'a Plan,
    pub callgrind: Option<&'a Callgrind>,
    pub say: &'a mut dyn FnMut(&str),
}

impl Session<'_> {
    /// Measures each of a tool's `ops` in turn with [`measure`], saying
    /// `"{name} {op}: {runs} runs"` first. `native` and `counted` build the
    /// command for an operation and a count.
    pub fn measure_ops(
        &mut self,
        name: &str,
        ops: &[OpPlan],
        native: &dyn Fn(&str, u64) -> Cmd,
        counted: &dyn Fn(&str, u64) -> Cmd,
    ) -> Vec<HostFigure> {
        let (runs, callgrind) = (self.plan.runs, self.callgrind);
        let mut figures = Vec::new();
        for p in ops {
            (self.say)(&format!(
                "{name} {}: {runs} runs{}",
                p.op,
                callgrind_note(callgrind)
            ));
            let native = |n: u64| native(p.op, n);
            let counted = |n: u64| counted(p.op, n);
            figures.push(measure(self.exec, p, runs, &native, &counted, callgrind));
        }
        figures
    }
}

/// The programs found or built for the comparison, or why not.
pub struct Peers {
    pub go: Result<go::GoBench, String>,
    pub linux: Result<linux::LinuxBench, String>,
    /// tokio and may: one Cargo project, built (or not) together.
    pub rust: Result<rust::RustBench, String>,
}

/// The whole comparison. `peers` are the programs found (or why not),
/// `callgrind` likewise; `say` gets one progress line per step.
pub fn run(
    exec: &dyn Exec,
    plan: &Plan,
    peers: Peers,
    callgrind: Result<Callgrind, String>,
    say: &mut dyn FnMut(&str),
) -> CompareReport {
    let (cg, insn_skipped) = match callgrind {
        Ok(c) => (Some(c), None),
        Err(r) => (None, Some(r)),
    };
    let mut s = Session {
        exec,
        plan,
        callgrind: cg.as_ref(),
        say,
    };
    let go = match peers.go {
        Ok(g) => g.run_all(&mut s),
        Err(r) => ToolReport::skipped(Tool::Go, r),
    };
    let linux = match peers.linux {
        Ok(l) => l.run_all(&mut s),
        Err(r) => ToolReport::skipped(Tool::Linux, r),
    };
    let [tokio, may] = [Tool::Tokio, Tool::May].map(|t| match &peers.rust {
        Ok(r) => r.run_all(t, &mut s),
        Err(reason) => ToolReport::skipped(t, reason.clone()),
    });
    CompareReport {
        go,
        linux,
        tokio,
        may,
        insn_skipped,
    }
}

#[cfg(test)]
pub(crate) mod tests;
