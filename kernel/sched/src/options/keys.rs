//! The table of boot options: one row per key, read by the parser, the
//! formatter, the error messages and the runner's `--help`.
//!
//! Design note: the table is the single place where a key's name, accepted
//! values, default, example and help live. The `field` column binds the row
//! to its `BootOptions` field *and* fixes the value kind (see `field.rs`).
//! `Default for BootOptions` repeats the defaults as typed values so that
//! building defaults cannot fail at run time; a unit test checks that it
//! equals what the `default` column parses to.

use super::field::{AUTO, ChoiceAt, Field, IntAt, at};
use super::workloads::WORKLOADS;
use super::{Fault, Preempt, SchedModel, TraceMode};
use core::fmt;

/// One boot option.
#[derive(Debug)]
pub struct KeySpec {
    /// The key, as written before `=`.
    pub name: &'static str,
    /// The default value, as text (what `--help` shows).
    pub default: &'static str,
    /// A valid, non-default value, used in "needs a value, e.g. ..." errors.
    pub example: &'static str,
    /// One line for `--help`.
    pub help: &'static str,
    pub(crate) field: Field,
}

impl KeySpec {
    /// An `on|off` row: `default_on` says which is the default; the other is
    /// the example.
    const fn switch(
        name: &'static str,
        default_on: bool,
        help: &'static str,
        at: super::field::Access<bool>,
    ) -> KeySpec {
        let (default, example) = if default_on {
            ("on", "off")
        } else {
            ("off", "on")
        };
        KeySpec {
            name,
            default,
            example,
            help,
            field: Field::Bool(at),
        }
    }

    /// The value placeholder for `--help`: `N`, `DURATION`, `SIZE`,
    /// `on|off`, `NAME` or `LIST`.
    pub fn value_name(&self) -> &'static str {
        self.field.value_name()
    }

    /// The allowed values as a phrase, e.g. "an integer from 1 to 1024, or
    /// auto" or "one of async, coop, off" (it follows "expected " in errors).
    pub fn allowed(&self) -> impl fmt::Display + '_ {
        Allowed(&self.field)
    }

    /// `(name, description)` of every allowed value for keys that take a
    /// name (`workload`, `preempt`, `sched`, `fault`) or names (`mix`);
    /// empty for the others.
    pub fn choices(&self) -> &'static [(&'static str, &'static str)] {
        self.field.choices()
    }
}

struct Allowed<'a>(&'a Field);

impl fmt::Display for Allowed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_allowed(f)
    }
}

/// The row for `name`, if it is a known key.
pub fn spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

const NS_PER_US: u64 = 1_000;
const NS_PER_MS: u64 = 1_000_000;
const NS_PER_S: u64 = 1_000_000_000;

/// Every boot option, in the order they are printed.
pub static KEYS: &[KeySpec] = &[
    KeySpec {
        name: "procs",
        default: AUTO,
        example: "4",
        help: "GOMAXPROCS: how many Ps run Gs (auto = one per core)",
        field: Field::Int {
            min: 1,
            max: crate::cpus::MAX_CPUS as u64,
            at: IntAt::OptU32(at!(procs)),
        },
    },
    KeySpec {
        name: "seed",
        default: AUTO,
        example: "42",
        help: "seed of the scheduler's random choices, e.g. steal order (auto = from the TSC at boot)",
        field: Field::Int {
            min: 0,
            max: u64::MAX,
            at: IntAt::OptU64(at!(seed)),
        },
    },
    KeySpec {
        name: "stack",
        default: "16K",
        example: "64K",
        help: "size of each G's stack",
        field: Field::Size {
            min: 8 << 10,
            max: 1 << 20,
            align: 4096,
            at: at!(stack_size),
        },
    },
    KeySpec {
        name: "workload",
        default: "producer-consumer",
        example: "fib",
        help: "the demo program to run",
        field: Field::Choice {
            choices: WORKLOADS,
            at: ChoiceAt::Name(at!(workload)),
        },
    },
    KeySpec {
        name: "preempt",
        default: "async",
        example: "coop",
        help: "how a G that runs too long is preempted",
        field: Field::Choice {
            choices: &Preempt::CHOICES,
            at: ChoiceAt::Preempt(at!(preempt)),
        },
    },
    KeySpec {
        name: "tick",
        default: "1ms",
        example: "250us",
        help: "period of the APIC timer interrupt that drives sysmon's checks",
        field: Field::Duration {
            min: 50 * NS_PER_US,
            max: 100 * NS_PER_MS,
            at: at!(tick_ns),
        },
    },
    KeySpec {
        name: "forcepreempt",
        default: "10ms",
        example: "20ms",
        help: "Go's forcePreemptNS: a G running longer than this is preempted",
        field: Field::Duration {
            min: 100 * NS_PER_US,
            max: 10 * NS_PER_S,
            at: at!(forcepreempt_ns),
        },
    },
    KeySpec {
        name: "sched",
        default: "gmp",
        example: "gm",
        help: "scheduler model",
        field: Field::Choice {
            choices: &SchedModel::CHOICES,
            at: ChoiceAt::Sched(at!(sched)),
        },
    },
    KeySpec {
        name: "policy",
        default: "go",
        example: "tokio",
        help: "the scheduling policy (docs/POLICIES.md); the switches below apply on top of it",
        field: Field::Choice {
            choices: crate::policy::POLICY_CHOICES,
            at: ChoiceAt::Name(at!(policy)),
        },
    },
    KeySpec::switch(
        "runnext",
        true,
        "a G readied by the running G goes to the runnext slot and runs next",
        at!(runnext),
    ),
    KeySpec::switch(
        "fairness61",
        true,
        "every 61st schedule takes from the global queue first, so it cannot starve",
        at!(fairness61),
    ),
    KeySpec::switch(
        "steal",
        true,
        "an M with nothing to run steals half of another P's run queue",
        at!(steal),
    ),
    KeySpec::switch(
        "spinning",
        true,
        "at most half the busy Ps may have a spinning M (off = no limit: every M that runs dry steals)",
        at!(spinning),
    ),
    KeySpec {
        name: "schedtrace",
        default: "0",
        example: "1000",
        help: "print a scheduler summary line every N ms, like GODEBUG=schedtrace (0 = off)",
        field: Field::Int {
            min: 0,
            max: u32::MAX as u64,
            at: IntAt::U32(at!(schedtrace_ms)),
        },
    },
    KeySpec::switch(
        "scheddetail",
        false,
        "with schedtrace, also print every P, M and G, like GODEBUG=scheddetail",
        at!(scheddetail),
    ),
    KeySpec {
        name: "trace",
        default: "off",
        example: "on",
        help: "record a trace of scheduler events (flight: only the last ones)",
        field: Field::Choice {
            choices: &TraceMode::CHOICES,
            at: ChoiceAt::Trace(at!(trace)),
        },
    },
    KeySpec {
        name: "flight",
        default: "256",
        example: "1024",
        help: "with trace=flight, the KiB of latest events kept per core",
        field: Field::Int {
            min: 4,
            max: 1 << 20,
            at: IntAt::U32(at!(flight_kib)),
        },
    },
    KeySpec::switch(
        "tracking",
        false,
        "measure each G's scheduling latency and CPU time (summary: percentiles, top Gs)",
        at!(tracking),
    ),
    KeySpec::switch(
        "metrics",
        false,
        "set by --metrics PATH: print Go's runtime/metrics at the end (and keep /sched/latencies)",
        at!(metrics),
    ),
    KeySpec::switch(
        "icount",
        false,
        "set by the runner's --icount: the TSC counts instructions, so benchmarks report instructions",
        at!(icount),
    ),
    KeySpec {
        name: "lockstep",
        default: "0",
        example: "20000",
        help: "set by --lockstep: each core its own instruction clock, turns of N instructions; 0 = off",
        field: Field::Int {
            min: 0,
            max: 10_000_000,
            at: IntAt::U32(at!(lockstep)),
        },
    },
    KeySpec {
        name: "duration",
        default: "10",
        example: "60",
        help: "how many seconds the torture workload runs",
        field: Field::Int {
            min: 1,
            max: 86_400,
            at: IntAt::U32(at!(duration_secs)),
        },
    },
    KeySpec {
        name: "chaos",
        default: "0",
        example: "50",
        help: "under --icount, one scheduler sync point in N stalls its core (docs/EXPLORE.md); 0 = off",
        field: Field::Int {
            min: 0,
            max: 1_000_000,
            at: IntAt::U32(at!(chaos)),
        },
    },
    KeySpec {
        name: "stopat",
        default: "18446744073709551615",
        example: "00000000002500000000",
        help: "the first tick past this TSC (instructions under --icount) calls gmp_stop_at; 20 digits",
        field: Field::Int {
            min: 0,
            max: u64::MAX,
            at: IntAt::U64(at!(stopat)),
        },
    },
    KeySpec {
        name: "mix",
        default: "all",
        example: "spawn,send,lock",
        help: "which operations the torture workload draws (explore --shrink drops them one at a time)",
        field: Field::Mix(at!(mix)),
    },
    KeySpec {
        name: "fault",
        default: "none",
        example: "panic-ap",
        help: "provoke a fault on purpose, for tests",
        field: Field::Choice {
            choices: &Fault::CHOICES,
            at: ChoiceAt::Fault(at!(fault)),
        },
    },
    KeySpec {
        name: "bench",
        default: "all",
        example: "spawn,yield",
        help: "which benchmarks workload=bench runs (all = every one)",
        field: Field::List {
            what: "benchmark names",
            at: at!(bench),
        },
    },
    KeySpec {
        name: "parked",
        default: "100000",
        example: "1000000",
        help: "how many Gs the mem-parked-g benchmark parks (fewer if memory is short)",
        field: Field::Int {
            min: 1,
            max: 100_000_000,
            at: IntAt::U32(at!(parked_gs)),
        },
    },
];
