//! The runtime semaphore: Gs parked on a count (Go's `sema.go`,
//! `semacquire1`/`semrelease1` for one address).
//!
//! Design note. The count and the queue of waiters are the pure `Sema` of
//! `gmp_sched::sema` (host-tested: a release before the waiter parks is
//! never lost; LIFO re-queueing; hand-off with a ticket), kept under an
//! interrupt-safe lock; a waiter parks with that lock released atomically
//! (`goparkunlock`), exactly as Go's `semacquire` does. `sync.Mutex`
//! (`gsync::mutex`) parks its waiters here, and so does stop-the-world's
//! `worldsema` (one unit: one stopper at a time), which is why the
//! semaphore belongs to the scheduler and not to `gsync`.

use core::sync::atomic::Ordering;

use gmp_sched::options::Fault;
use gmp_sched::sema::Sema;

use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::g::getg;
use crate::runtime::objects::g::{G, WaitReason};
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::park::{goparkunlock, goready, goyield};
use crate::sync::IrqMutex;

/// A semaphore of parked Gs (Go's `semacquire1`/`semrelease1` for one
/// address).
pub struct Semaphore {
    s: IrqMutex<Sema<&'static G>>,
}

impl Default for Semaphore {
    fn default() -> Self {
        Self::new()
    }
}

impl Semaphore {
    /// No unit, no waiter.
    pub const fn new() -> Self {
        Semaphore::with_units(0)
    }

    /// `n` units, no waiter (Go's `var worldsema uint32 = 1`).
    pub const fn with_units(n: u32) -> Self {
        Semaphore {
            s: IrqMutex::new(Sema::with_units(n)),
        }
    }

    /// Take a unit, parking until one is released.
    pub fn acquire(&self, lifo: bool, reason: WaitReason) {
        let gp = if knobs().fault == Fault::GetgRace {
            getg_two_loads()
        } else {
            getg()
        }
        .expect("semacquire on g0");
        loop {
            let mut s = self.s.lock();
            if s.acquire(gp, lifo) {
                return;
            }
            goparkunlock(&self.s, s, reason);
            let ticket = gp.param.swap(0, Ordering::Acquire) != 0;
            if self.s.lock().woken(ticket) {
                return;
            }
        }
    }

    /// Release a unit, waking the first waiter; with `handoff` the unit goes
    /// to that waiter and the caller yields so it runs at once.
    pub fn release(&self, handoff: bool) {
        let woken = self.s.lock().release(handoff);
        if let Some(w) = woken {
            w.waiter.param.store(w.ticket as u64, Ordering::Release);
            goready(w.waiter);
            if w.ticket && !crate::runtime::scheduler::preempt::this_m_locked() {
                goyield();
            }
        }
    }
}

/// `fault=getg-race`: `getg` as it was before 44690ea — this core's M
/// first, then that M's `curg`, two loads with interrupts on. A preemption
/// between them that resumes the G on another core makes the second load
/// read the old core's `curg`: another G, or none. Under TCG an interrupt
/// lands only between translation blocks, and the two loads would sit in
/// one; the chaos point between them (a call, so a block boundary, and
/// with `chaos=N` sometimes a stall) gives the window the width it had on
/// real parallel cores.
#[inline(never)]
fn getg_two_loads() -> Option<&'static G> {
    let mp = crate::runtime::objects::m::this_m();
    observe::chaos_point();
    mp.curg()
}
