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
pub mod api;
pub mod chan;
pub mod debug;
pub mod g;
pub mod ghistory;
pub mod input;
pub mod introspect;
pub mod m;
pub mod mpark;
pub mod mutex;
pub mod netpoll;
pub mod newproc;
pub mod p;
pub mod park;
pub mod preempt;
pub mod probe;
pub mod proc;
pub mod queues;
pub mod sched;
pub mod schedtrace;
pub mod select;
pub mod start;
pub mod steal;
pub mod stw;
pub mod summary;
pub mod syscall;
pub mod sysmon;
pub mod time;
pub mod trace;
mod tracestack;
pub mod tracking;
pub mod trap;
pub mod waitgroup;
pub mod watchdog;
pub mod wire;

pub use chan::Chan;
pub use mutex::{Mutex, Once};
pub use newproc::go;
pub use park::{gopark, goready, gosched};
pub use select::{RecvCase, SelectCase, SendCase, select};
pub use time::sleep;
pub use waitgroup::WaitGroup;
