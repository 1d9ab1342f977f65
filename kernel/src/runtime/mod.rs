//! The Go runtime's objects and scheduler on bare metal.
//!
//! - [`g`]: goroutines and their status/ownership rules;
//! - [`m`]: Ms, one per core;
//! - [`p`]: Ps, the tokens with local run queues;
//! - [`sched`]: the global state under `sched.lock`;
//! - [`proc`]: `schedule`/`findRunnable`/`execute`, spinning, parking;
//! - [`newproc`]: `go`, `goexit`, free-G lists;
//! - [`park`]: `gosched`, `gopark`, `goready`;
//! - [`start`]: from boot to the main G; [`summary`]: the end-of-run report.

pub mod allg;
pub mod g;
pub mod m;
pub mod newproc;
pub mod p;
pub mod park;
pub mod proc;
pub mod sched;
pub mod schedtrace;
pub mod start;
pub mod summary;
pub mod waitgroup;

pub use newproc::go;
pub use park::{gopark, goready, gosched};
pub use waitgroup::WaitGroup;
