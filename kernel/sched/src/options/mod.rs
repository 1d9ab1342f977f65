//! Boot options: the one string that configures a run, e.g.
//! `procs=2 preempt=coop seed=42 workload=fib`.
//!
//! Design note: the string reaches the kernel through QEMU's fw_cfg, and the
//! host-side runner checks the very same string with this very code before
//! it starts QEMU, so a typo is reported on the host in one sentence instead
//! of as a kernel panic. Everything about a key lives in one row of
//! [`KEYS`]; the parser, the formatter, the error messages and the runner's
//! `--help` read that table, so they cannot disagree. The formatter prints
//! canonical spellings that parse back to the same value: the kernel prints
//! `boot options: {opts}` and that line can be pasted back into the runner.
//!
//! Grammar: tokens separated by whitespace (or NUL, as fw_cfg strings may
//! end in one), each `key=value`. Keys are case-sensitive, each may appear
//! once, and the empty string means "all defaults".

mod benches;
mod error;
mod field;
mod help;
mod keys;
mod mix;
mod modes;
mod value;
mod workloads;

#[cfg(test)]
mod tests;

pub use benches::{BENCHES, Bench, BenchProcs, BenchUnit, find_bench};
pub use error::OptionError;
pub use help::boot_options_help;
pub use keys::{KEYS, KeySpec, spec};
pub use mix::{Mix, Op};
pub use modes::{Fault, Preempt, SchedModel, TraceMode};
pub use workloads::{WORKLOADS, workload_reads_input};

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

/// The fw_cfg file that carries the boot-option string from the runner
/// (`-fw_cfg name=...,string=...`) to the kernel, which reads it at boot.
pub const FW_CFG_FILE: &str = "opt/gmp-metal/cmdline";

/// The one rule between GOMAXPROCS and the machine: Ps can never outnumber
/// Ms here, because every M is a core and there is no other M to create
/// (Go would start another thread). `procs` above `cores` is refused at
/// boot (by the runner, and by the kernel for raw options) with this
/// error's sentence, and clamped by `gomaxprocs(n)` at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyProcs {
    pub procs: u32,
    pub cores: u32,
}

impl fmt::Display for TooManyProcs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let TooManyProcs { procs, cores } = *self;
        write!(
            f,
            "procs={procs} is more than the {cores} cores given by --smp (every P needs an M, and an M is a core): use --smp {procs} or more, or a smaller procs"
        )
    }
}

/// Whether `procs` Ps fit on `cores` cores (see [`TooManyProcs`]).
pub fn check_procs(procs: u32, cores: u32) -> Result<(), TooManyProcs> {
    if procs > cores {
        return Err(TooManyProcs { procs, cores });
    }
    Ok(())
}

/// Every boot option, with its value. `Default` gives the `KEYS` defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootOptions {
    /// `procs`: GOMAXPROCS, 1..=`cpus::MAX_CPUS`; `None` = one P per core.
    pub procs: Option<u32>,
    /// `seed`: seed of the scheduler's random sources; `None` = from the TSC.
    pub seed: Option<u64>,
    /// `stack`: G stack size in bytes, a multiple of 4096 in 8K..=1M.
    pub stack_size: usize,
    /// `workload`: a name from [`WORKLOADS`].
    pub workload: &'static str,
    /// `preempt`: how a long-running G is preempted.
    pub preempt: Preempt,
    /// `tick`: APIC timer period in nanoseconds, 50us..=100ms.
    pub tick_ns: u64,
    /// `forcepreempt`: Go's forcePreemptNS in nanoseconds, 100us..=10s.
    pub forcepreempt_ns: u64,
    /// `sched`: the scheduler model.
    pub sched: SchedModel,
    /// `policy`: a name from [`crate::policy::POLICIES`].
    pub policy: &'static str,
    /// `runnext`: use the runnext slot.
    pub runnext: bool,
    /// `fairness61`: check the global queue every 61st schedule.
    pub fairness61: bool,
    /// `steal`: idle Ms steal from other Ps.
    pub steal: bool,
    /// `spinning`: the spinning limit (at most half the busy Ps spin);
    /// off = every M that runs dry may spin and steal.
    pub spinning: bool,
    /// `schedtrace`: period of the scheduler summary in ms; 0 = off.
    pub schedtrace_ms: u32,
    /// `scheddetail`: the summary lists every P, M and G.
    pub scheddetail: bool,
    /// `trace`: record scheduler events (all, or the last ones: flight).
    pub trace: TraceMode,
    /// `flight`: the flight recorder's ring per core, in KiB.
    pub flight_kib: u32,
    /// `tracking`: measure each G's scheduling latency and CPU time.
    pub tracking: bool,
    /// `metrics`: print the runtime/metrics sample at the end of the run
    /// (and keep the scheduling-latency histogram, as `tracking` does).
    pub metrics: bool,
    /// `icount`: QEMU runs with `-icount shift=0` (TSC = instructions).
    pub icount: bool,
    /// `lockstep`: under `icount`, the quantum (instructions) of the
    /// per-core clocks' turns (see `arch::lockstep`); 0 = off.
    pub lockstep: u32,
    /// `duration`: torture run length in seconds, 1..=86400.
    pub duration_secs: u32,
    /// `chaos`: one sync point in N stalls its vCPU (see `runtime::diag::chaos`); 0 = off.
    pub chaos: u32,
    /// `stopat`: the TSC at which a tick calls `gmp_stop_at` (gdb's stop);
    /// `u64::MAX` = never. Printed as 20 digits, so that a replay with and
    /// without a stop executes the same instructions up to it.
    pub stopat: u64,
    /// `mix`: the operations the torture workload draws.
    pub mix: Mix,
    /// `fault`: a fault to provoke, or a negative control; `None` = none.
    pub fault: Fault,
    /// `bench`: benchmark names for `workload=bench`; empty = all of them.
    pub bench: Vec<String>,
    /// `parked`: Gs the `mem-parked-g` benchmark parks, 1..=100,000,000.
    pub parked_gs: u32,
}

impl Default for BootOptions {
    /// The `default` column of [`KEYS`], as typed values (a test checks that
    /// the two agree).
    fn default() -> Self {
        BootOptions {
            procs: None,
            seed: None,
            stack_size: 16 << 10,
            workload: "producer-consumer",
            preempt: Preempt::Async,
            tick_ns: 1_000_000,
            forcepreempt_ns: 10_000_000,
            sched: SchedModel::Gmp,
            policy: "go",
            runnext: true,
            fairness61: true,
            steal: true,
            spinning: true,
            schedtrace_ms: 0,
            scheddetail: false,
            trace: TraceMode::Off,
            flight_kib: 256,
            tracking: false,
            metrics: false,
            icount: false,
            lockstep: 0,
            duration_secs: 10,
            chaos: 0,
            stopat: u64::MAX,
            mix: Mix::ALL,
            fault: Fault::None,
            bench: Vec::new(),
            parked_gs: 100_000,
        }
    }
}

/// The `key=value` tokens of `s`: split on whitespace, and on NUL in case
/// fw_cfg hands over a C string.
pub(crate) fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c.is_whitespace() || c == '\0')
        .filter(|t| !t.is_empty())
}

/// Parses a boot option string. Keys not given keep their defaults; the
/// first bad token (left to right) is reported.
pub fn parse(s: &str) -> Result<BootOptions, OptionError> {
    let mut opts = BootOptions::default();
    // The token that set each KEYS row, to report duplicates.
    let mut seen: Vec<Option<&str>> = vec![None; KEYS.len()];
    for token in tokens(s) {
        let (name, value) = match token.split_once('=') {
            Some((name, value)) => (name, value),
            None => (token, ""),
        };
        if name.is_empty() {
            return Err(OptionError::MissingKey {
                token: token.into(),
            });
        }
        let Some(row) = KEYS.iter().position(|k| k.name == name) else {
            return Err(OptionError::UnknownKey { key: name.into() });
        };
        let spec = &KEYS[row];
        if let Some(first) = seen[row] {
            return Err(OptionError::Duplicate {
                key: spec.name,
                first: first.into(),
                second: token.into(),
            });
        }
        seen[row] = Some(token);
        if value.is_empty() {
            return Err(OptionError::MissingValue { key: spec.name });
        }
        spec.field
            .set(&mut opts, value)
            .map_err(|()| OptionError::BadValue {
                key: spec.name,
                value: value.into(),
            })?;
    }
    Ok(opts)
}

impl BootOptions {
    /// The policy in force: the `policy` row's decisions with the
    /// historical switches applied on top ([`crate::policy::Policy::with_switches`]).
    pub fn effective_policy(&self) -> crate::policy::Policy {
        crate::policy::find(self.policy)
            .map_or(crate::policy::go::policy(), |r| (r.policy)())
            .with_switches(self)
    }
}

impl FromStr for BootOptions {
    type Err = OptionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl BootOptions {
    /// Only the options that differ from the defaults, in canonical form:
    /// the string the runner hands to QEMU. Empty when all are defaults.
    pub fn to_boot_string(&self) -> String {
        let defaults = BootOptions::default();
        let mut out = String::new();
        for spec in KEYS.iter().filter(|k| !k.field.same(self, &defaults)) {
            if !out.is_empty() {
                out.push(' ');
            }
            // Writing into a String cannot fail.
            let _ = fmt::write(&mut out, format_args!("{}", Token(spec, self)));
        }
        out
    }
}

/// Prints one `key=value` token.
struct Token<'a>(&'a KeySpec, &'a BootOptions);

impl fmt::Display for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=", self.0.name)?;
        self.0.field.fmt_value(self.1, f)
    }
}

/// Every option, `key=value` in `KEYS` order, canonical spellings; parses
/// back to an equal `BootOptions`.
impl fmt::Display for BootOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, spec) in KEYS.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", Token(spec, self))?;
        }
        Ok(())
    }
}
