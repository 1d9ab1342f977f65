//! Locks for kernel-internal state.
//!
//! Every lock that an interrupt handler may also take must keep interrupts
//! off while it is held: otherwise a timer interrupt arriving while the lock
//! is held on a core would spin forever on that same core. [`IrqMutex`] does
//! exactly that and is the lock used for allocator, page-table and scheduler
//! state.

mod irqlock;

pub use irqlock::{IrqMutex, IrqMutexGuard};
