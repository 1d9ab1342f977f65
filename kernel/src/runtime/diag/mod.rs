//! Observers of the scheduler: they watch, they never steer.
//!
//! Design note. The scheduling loop reports what happens — a G created,
//! started, stopped, blocked, readied; a P taken or released; a steal —
//! through one seam it owns, `scheduler::observe`, which names the
//! functions here that it calls. With every observer off, each report is
//! one load of the observers' flag byte and a branch ([`trace`]); the
//! instruction budgets (docs/budgets.toml) hold that line. The observers
//! read the objects (G, M, P, `sched`) and never call back into the loop,
//! so this room sits below the scheduler: nothing here can take a lock the
//! loop holds, park a G or start an M.
//!
//! - [`trace`]: the event recorder behind `--trace` and the flight
//!   recorder, and the flag byte every report checks first; [`tracedump`]
//!   writes what it recorded to COM2;
//! - [`tracking`]: `tracking=on`: scheduling latency and CPU time per G;
//! - [`tracestack`]: the stack attached to a trace event;
//! - [`probe`]: the switch-path probes of the in-kernel benchmarks;
//! - [`watchdog`]: a core that stops ticking is found and named;
//! - [`chaos`]: `chaos=N`, seeded stalls at the same points — the one
//!   observer that changes timing on purpose (never what the loop does);
//! - [`schedtrace`]: `GODEBUG=schedtrace`'s lines, in Go's words;
//! - [`goroutines`]: goroutine dumps in the layout of Go's traceback.

pub mod chaos;
pub mod goroutines;
pub mod probe;
pub mod schedtrace;
pub mod trace;
mod tracedump;
mod tracestack;
pub mod tracking;
pub mod watchdog;
