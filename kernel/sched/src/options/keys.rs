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
use super::{Preempt, SchedModel};
use core::fmt;

/// The demo workloads: `(name, one-line description)`. `workload=` accepts
/// exactly these names; the kernel dispatches on them.
pub static WORKLOADS: &[(&str, &str)] = &[
    (
        "boot",
        "bring every core online, each M with its P, and exit",
    ),
    (
        "producer-consumer",
        "producers spawn G bursts that overflow to the global queue; consumers drain; idle Ms steal",
    ),
    (
        "sieve",
        "concurrent prime sieve: a chain of filter Gs joined by channels",
    ),
    (
        "fib",
        "recursive Fibonacci spawning a G per call: a spawn tree over all cores",
    ),
    (
        "pingpong",
        "two Gs handing a token back and forth over channels",
    ),
    (
        "hog",
        "a G spinning in loop {} and the Gs it would starve: the preemption story",
    ),
    ("sleepers", "many Gs sleeping on timers and waking up"),
    (
        "syscall",
        "a G in a blocking call hands its P off so the other Gs keep running",
    ),
    ("mutex", "many Gs contending for one mutex"),
    (
        "torture",
        "random mix of spawns, channels, sleeps and locks for duration=SECS, checked by a ledger",
    ),
    (
        "bench",
        "in-kernel benchmarks (pick them with bench=LIST; one-P ones need procs=1)",
    ),
    (
        "test-ledger",
        "test: 100,000 Gs in waves plus nested spawn trees, each must run exactly once",
    ),
    (
        "test-parallelism",
        "test: gomaxprocs Gs spin in lock-step, which only finishes if all Ps run at once",
    ),
    (
        "test-yield",
        "test: many Gs yielding in loops; every yield returns, counts exact",
    ),
    (
        "test-procs",
        "test: with procs below the core count, never more Ms hold Ps than procs",
    ),
    (
        "test-hog",
        "test: with procs=1 a loop {} G does not starve another, unless preempt=coop|off",
    ),
    (
        "test-pingponghog",
        "test: Go's TestPingPongHog, a light and a heavy ping-pong pair share one P fairly",
    ),
    (
        "test-sleep",
        "test: sleeps never wake early; many sleepers all wake; timers fire with Ms parked",
    ),
    (
        "test-chan",
        "test: channels (ping-pong, FIFO, close, select, sieve) and a Mutex counter",
    ),
    (
        "test-mutex",
        "test: a Mutex-protected counter incremented from every P ends exact",
    ),
    (
        "test-deadlock",
        "test: a deliberate deadlock must be reported as Go does",
    ),
    (
        "test-closed-send",
        "test: a send on a closed channel panics the G",
    ),
    (
        "test-syscall",
        "test: a G in a blocking call hands its P to another M (needs procs < cores)",
    ),
    (
        "test-leak",
        "test: after 100,000 Gs every frame, heap byte and G is accounted for",
    ),
    (
        "test-fairness",
        "experiment: a respawn chain vs a G in the global queue (procs=1 preempt=off runnext=off)",
    ),
    (
        "test-timeslice",
        "experiment: two hogs share one P; counts P hand-overs per forcepreempt (procs=1)",
    ),
    (
        "test-runnext",
        "experiment: how many ring Gs run before a G readied by a send (procs=1 preempt=off)",
    ),
    (
        "test-getg",
        "test: Gs preempted and moved between cores always get themselves from getg (procs>=2)",
    ),
    (
        "test-spinning",
        "experiment: two Ps run dry at once, 500 times; counts spinners refused (procs>=2)",
    ),
];

/// Faults that can be provoked on purpose, for tests: `(name, description)`.
pub static FAULTS: &[(&str, &str)] = &[
    ("none", "no fault"),
    ("panic-ap", "an application processor panics on purpose"),
    ("panic-g", "a G panics"),
    (
        "stack-overflow",
        "a G recurses until it hits its stack's guard page",
    ),
    (
        "canary",
        "a G overwrites its stack canary, which schedule() checks",
    ),
    (
        "double-fault",
        "a #GP whose handler is missing: a double fault on its IST stack",
    ),
    (
        "irqs-off",
        "a G disables interrupts and spins: the watchdog must catch the core",
    ),
    ("write-code", "a G writes to kernel code (read-only)"),
    ("exec-stack", "a G jumps into its stack (not executable)"),
    ("oom", "Gs are spawned and parked until memory runs out"),
    (
        "ready-twice",
        "a G that exited is readied again: casgstatus must name the stale waker",
    ),
    (
        "runq-lose",
        "negative control: runqput loses a G on overflow (with workload=torture, which must fail)",
    ),
    (
        "runq-dup",
        "negative control: runqgrab claims Gs with a plain store (with workload=torture, which must fail)",
    ),
];

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
    /// The value placeholder for `--help`: `N`, `DURATION`, `SIZE`,
    /// `on|off`, `NAME` or `LIST`.
    pub fn value_name(&self) -> &'static str {
        self.field.value_name()
    }

    /// The allowed values as a phrase, e.g. "an integer from 1 to 256, or
    /// auto" or "one of async, coop, off" (it follows "expected " in errors).
    pub fn allowed(&self) -> impl fmt::Display + '_ {
        Allowed(&self.field)
    }

    /// `(name, description)` of every allowed value for keys that take a
    /// name (`workload`, `preempt`, `sched`, `fault`); empty for the others.
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
            max: 256,
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
        name: "runnext",
        default: "on",
        example: "off",
        help: "a G readied by the running G goes to the runnext slot and runs next",
        field: Field::Bool(at!(runnext)),
    },
    KeySpec {
        name: "fairness61",
        default: "on",
        example: "off",
        help: "every 61st schedule takes from the global queue first, so it cannot starve",
        field: Field::Bool(at!(fairness61)),
    },
    KeySpec {
        name: "steal",
        default: "on",
        example: "off",
        help: "an M with nothing to run steals half of another P's run queue",
        field: Field::Bool(at!(steal)),
    },
    KeySpec {
        name: "spinning",
        default: "on",
        example: "off",
        help: "at most half the busy Ps may have a spinning M (off = no limit: every M that runs dry steals)",
        field: Field::Bool(at!(spinning)),
    },
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
    KeySpec {
        name: "scheddetail",
        default: "off",
        example: "on",
        help: "with schedtrace, also print every P, M and G, like GODEBUG=scheddetail",
        field: Field::Bool(at!(scheddetail)),
    },
    KeySpec {
        name: "trace",
        default: "off",
        example: "on",
        help: "record a trace of scheduler events",
        field: Field::Bool(at!(trace)),
    },
    KeySpec {
        name: "icount",
        default: "off",
        example: "on",
        help: "set by the runner's --icount: the TSC counts instructions, so benchmarks report instructions",
        field: Field::Bool(at!(icount)),
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
        name: "fault",
        default: "none",
        example: "panic-ap",
        help: "provoke a fault on purpose, for tests",
        field: Field::Choice {
            choices: FAULTS,
            at: ChoiceAt::Name(at!(fault)),
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
