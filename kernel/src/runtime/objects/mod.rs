//! The runtime's objects: G, M, P, the global `sched`, `allgs`, the knobs.
//!
//! Design note (Go's `runtime2.go`). A **G** is a goroutine: a function,
//! its own stack and its saved registers. An **M** is a machine: here one
//! CPU core, with its g0 stack where scheduler code runs. A **P** is a
//! processor: the token an M must hold to run Gs, and the home of a local
//! run queue. **sched** is the global state under `sched.lock`: the global
//! run queue, the idle Ps and Ms, the spinning count.
//!
//! Each G and P status is an ownership rule (the tables at the top of
//! [`g`] and [`p`]): who holds the object, whether it is on a queue, who
//! may change it. Every hand-off asserts the rule with a message of its own
//! (`casgstatus`, `acquirep`), and a failed `casgstatus` prints the G's
//! last hand-offs ([`ghistory`]). The objects know nothing of how they are
//! scheduled: they import no other room of the runtime. The one switch
//! block read everywhere, [`debug::knobs`], is written once at boot and
//! only read afterwards (Go's `debug`); the scheduling policy
//! ([`policy::policy`]) only ever changes with the world stopped.

pub mod allg;
pub mod chaos;
pub mod debug;
pub mod g;
pub mod ghistory;
pub mod m;
pub mod p;
pub mod policy;
pub mod sched;
