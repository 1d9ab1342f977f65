//! The Go runtime's objects and scheduler on bare metal.
//!
//! # The rooms, lowest first
//! Each folder is one subsystem and opens with its own design note. A
//! folder may use the folders below it, never those above; within a folder
//! files may use each other. `tests/layers.rs` holds the order.
//!
//! | folder | what lives there | Go's files |
//! |---|---|---|
//! | [`objects`] | the G, M and P objects and their ownership rules, `sched` (the global state under `sched.lock`), `allgs`, the knobs read once | `runtime2.go`, `runtime1.go` (`debug`) |
//! | [`diag`] | observers: the trace, tracking (latency, CPU time), the stack of a trace event, the switch probes, the watchdog, schedtrace | `trace*.go`, `metrics.go`, `proc.go`'s `schedtrace` |
//! | [`scheduler`] | the scheduling loop: `schedule`/`findRunnable`/`execute`, the run queues, stealing, spinning and parked Ms, `gopark`/`goready`, `newproc`/`goexit`, preemption, sysmon, timers, blocking calls, wiring, stop-the-world, the netpoller, the runtime semaphore | `proc.go`, `preempt.go`, `time.go`, `netpoll.go`, `sema.go` |
//! | [`gsync`] | what Gs synchronise with: channels, `select`, `Mutex`, `Once`, `WaitGroup` | `chan.go`, `select.go`, `sync/` |
//! | [`inspect`] | looking at a running scheduler: the goroutine list, the end-of-run summary, and the one module through which checks, torture, benchmarks and experiments read the runtime's insides | `runtime/pprof`, `GODEBUG` output |
//! | [`api`] | what a workload is written against (re-exported as `crate::prelude`) | the `runtime`, `sync`, `time` packages' surface |
//!
//! Two entry points stand apart, at the top: [`start`] (boot hands over the
//! bootstrap core: `schedinit`, the main G, and the end-of-run report) and
//! [`trap`] (the machine's one way into the runtime: timer ticks, IPIs,
//! page faults, NMIs).
//!
//! # Seams
//! - The machine reaches the runtime only through [`trap::trap`], a function
//!   pointer `boot` installs in `arch::trap`: `arch` names nothing above it.
//! - The scheduling loop tells its observers what happens only through
//!   [`scheduler::observe`]: no file of the loop names a file of `diag`
//!   directly. The observers read the objects and never call the loop.
//! - Workloads see the runtime through [`api`] (the prelude) and, for the
//!   checks, the torture, the benchmarks and the experiments, through
//!   [`inspect`]; nothing else.

pub mod api;
pub mod diag;
pub mod gsync;
pub mod inspect;
pub mod objects;
pub mod scheduler;
pub mod start;
pub mod trap;
