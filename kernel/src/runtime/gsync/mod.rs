//! What Gs synchronise with: channels, `select`, `Mutex`, `Once`,
//! `WaitGroup` (Go's `chan.go`, `select.go` and package `sync`).
//!
//! Design note. Each object keeps its waiters itself (a channel's sudog
//! queues, the semaphore under a mutex) and blocks or wakes a G only
//! through the scheduler's `gopark`/`goready` (`scheduler::park`): nothing
//! here touches a run queue, an M or a P. The decisions that can be taken
//! on the host — the ring buffer and wait queues of a channel, `select`'s
//! poll and lock orders, the mutex's state machine, the semaphore — are
//! pure code in `gmp_sched`, tested there (proptest models, loom and
//! exhaustive checks); the files here perform them on real Gs.

pub mod chan;
pub mod mutex;
pub mod select;
pub mod waitgroup;
