//! The scheduling loop (Go's `proc.go` and its neighbours).
//!
//! Design note. Every M holding a P loops in [`proc::schedule`]: find a
//! runnable G ([`proc`]'s `find_runnable`: timers, the 1-in-61 global
//! check, `runnext` and the local ring, the global queue, the netpoller,
//! stealing), then `execute` it with a raw context switch. To follow one
//! round, read in this order:
//!
//! 1. [`proc`]: `schedule`, `find_runnable`, `execute`, `acquirep`,
//!    `releasep` — the loop itself, with the overview of the whole design;
//! 2. [`queues`]: `runqput`, `runqget`, `globrunqput`, `globrunqget`;
//! 3. [`steal`]: `stealWork` over the Ps in a random order, `runqsteal`;
//! 4. [`mpark`]: spinning Ms, `wakep`, `startm`, `stopm`, the re-check
//!    before parking;
//! 5. [`park`]: `gosched`, `gopark`, `goready` — how a G leaves and
//!    re-enters the loop; [`newproc`]: `go` and `goexit`, the free-G lists.
//!
//! Around the loop: [`preempt`] (asking a G to yield, and the interrupt
//! that makes it), [`sysmon`] (the timer tick: `retake`, `checkdead`),
//! [`time`] (per-P timer heaps, `sleep`), [`syscall`] (`entersyscall`,
//! `exitsyscall`, `handoffp`), [`wire`] (`LockOSThread`), [`stw`]
//! (`stopTheWorld`, `procresize`), [`netpoll`] (Gs waiting for input),
//! [`sema`] (the runtime semaphore `worldsema` and `sync.Mutex` park on).
//!
//! The loop reports to its observers (the trace, tracking, the probes,
//! the watchdog, schedtrace) only through [`observe`], the seam it owns;
//! no other file here names `runtime::diag`.

pub mod mpark;
pub mod netpoll;
pub mod newproc;
pub mod observe;
pub mod park;
pub mod preempt;
pub mod proc;
pub mod queues;
pub mod sema;
pub mod steal;
pub mod stw;
pub mod syscall;
pub mod sysmon;
pub mod time;
pub mod wire;
