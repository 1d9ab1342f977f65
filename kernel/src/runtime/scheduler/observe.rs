//! The scheduler's one window to its observers (`runtime::diag`).
//!
//! Design note. The scheduling loop never names an observer's file: it
//! reports here, and this file alone says which observer hears what, the
//! way `arch` reaches the runtime only through `trap`. Reading the list
//! below is reading every point at which the scheduler can be watched:
//!
//! - G events (the trace records them; tracking stamps latency and CPU
//!   time from the same calls): created, started, stopped (yield or
//!   preemption), blocked, readied, ended, in and out of a blocking call,
//!   readied by a timer or by the netpoller;
//! - queue, P and M events (the trace only): a G put on a queue, a
//!   `runnext` kick-out, a steal, an overflow, a global-queue take, a P
//!   taken or released or handed off, an M parked or woken, a stop of the
//!   world and its end, a GOMAXPROCS change;
//! - the switch-path probes of the benchmarks (a tick's entry, an idle
//!   tick, a preemption, a wake-up);
//! - the watchdog's tick and schedtrace's line (from sysmon), and the
//!   goroutine dump of a deadlock (`checkdead`);
//! - chaos (`chaos=N`): every report above is also a sync point where a
//!   seeded stall may happen; `chaos_at_point` marks one more by hand (a
//!   spinning transition, a note set before its IPI) and
//!   `chaos_preempt_now` lets a tick preempt at random.
//!
//! Every report is a direct, inlinable call: with every observer off it
//! costs one load of the observers' flag byte and a branch (the budgets of
//! docs/budgets.toml measure it). Observers only read the objects; they
//! never call back into the loop, so nothing here can re-enter it.

pub(crate) use crate::runtime::diag::chaos::{
    at_point as chaos_at_point, check_stop_at, on as chaos_on, point as chaos_point,
    preempt_now as chaos_preempt_now,
};
pub(crate) use crate::runtime::diag::goroutines::{Which as DumpWhich, dump as goroutine_dump};
pub(crate) use crate::runtime::diag::probe::{
    on as probing, preempting, tick_entered, tick_idle, wake_sent, woke,
};
pub(crate) use crate::runtime::diag::schedtrace::schedtrace;
pub(crate) use crate::runtime::diag::trace::{
    enqueue, global_take, go_block, go_create, go_end, go_start, go_stop, go_syscall_begin,
    go_syscall_end, go_unblock, handoff, m_park, m_wake, netpoll_ready, on as observed, overflow,
    proc_start, proc_stop, procs_change, runnext_kick, steal, stw_begin, stw_end, timer_fire,
};
pub(crate) use crate::runtime::diag::watchdog::on_tick as watchdog_tick;
