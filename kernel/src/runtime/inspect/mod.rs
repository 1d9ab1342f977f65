//! Looking into a running scheduler — the one module through which the
//! checks, the torture, the benchmarks and the experiments read the
//! runtime's insides (demos and labs see only the prelude, `api`).
//!
//! Design note. A workload that tests the scheduler must see more than a
//! Go program could: a G's status and history, the Ps' queues and
//! counters, a stopped world, the instruction clock, a fault provoked on
//! purpose. All of it is named here, in groups, so that what a test may
//! touch is one list a reader can review, and `tests/layers.rs` holds the
//! workloads to it. Everything here is for reading or for a test's own
//! experiment (a stop, a resize, a probe); nothing here is a second way to
//! schedule.
//!
//! - [`introspect`]: the goroutine list (`ps`), schedtrace on demand, the
//!   console's steering (preemption mode, trace on/off);
//! - [`counters`]: the Ps' counters as plain numbers;
//! - [`summary`]: the end-of-run report (read from a stopped world);
//! - [`metrics`]: Go's runtime/metrics of the scheduler (`--metrics`, the
//!   console's `metrics`).

pub mod counters;
pub mod introspect;
pub mod metrics;
pub mod summary;

// ----- the objects, to read ----------------------------------------------
// The G, M and P objects, `sched` and `allgs`, the knobs: a check reads a
// G's status and history, a P's queue and counters, the idle lists.
pub use crate::runtime::objects::{allg, debug, g, m, p, sched};

// ----- the scheduler's operations a test drives ----------------------------
// A stopped world (the torture's invariant checker, the leak check), a
// resize, a park and a ready by hand (the torture's parking lot), a
// blocking call with a deadline, the free-G bypass of `spawn-cold`.
pub use crate::runtime::scheduler::newproc::GFREE_BYPASS;
pub use crate::runtime::scheduler::park::{gopark, goready};
pub use crate::runtime::scheduler::stw::{
    self, Resized, Stopped, StwReason, start_the_world, stop_the_world,
};
pub use crate::runtime::scheduler::syscall::blocking_call_until;

// ----- the observers --------------------------------------------------------
// The switch-path probes of the benchmarks, and tracking's histograms.
pub use crate::runtime::diag::{probe, tracking};

// ----- the machine, as a test needs it --------------------------------------
// The instruction clock and its rate, the timer tick, interrupts off around
// a measured stretch, a raw context switch (`switch-raw`), the memory
// counters (the leak check), a lock that is safe with interrupts off (the
// torture's failure record), a fault provoked on purpose, the exit port.
pub mod machine {
    pub use crate::arch::context::{Gobuf, swapcontext};
    pub use crate::arch::cpu::{
        interrupts_disable, interrupts_disable_save, interrupts_enable, interrupts_restore, rdtsc,
    };
    pub use crate::arch::exit::{ExitCode, exit_qemu};
    pub use crate::arch::idt::provoke_double_fault;
    pub use crate::arch::lockstep::{Report as LockstepReport, report as lockstep_report};
    pub use crate::arch::percpu::this_cpu_id;
    pub use crate::arch::timer::tick_ns;
    pub use crate::arch::tsc::{clock_ticks, hz as tsc_hz, spin_ns, ticks_to_ns};
    pub use crate::mem::{frame, gstack, heap};
    pub use crate::sync::IrqMutex;
}
