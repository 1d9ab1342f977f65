//! Freezing every other core, so a checker sees the scheduler's state at
//! one instant (the torture workload's invariant checker uses it; a real
//! stop-the-world with Go's semantics is `stw`'s job).
//!
//! Design note: the local run queues are lock-free, so `sched.lock` alone
//! cannot give a consistent picture: a G may be seen on two queues, or on
//! none, in the middle of a steal. But every scheduler transition (queue
//! operations, status changes, P hand-offs) runs with interrupts off, and
//! every lock the scheduler takes (`IrqMutex`) holds them off. So a core
//! that takes an interrupt is, at that instant, outside every such
//! transition: running G code, or halted in `stopm`. The checker sends each
//! other core an IPI whose handler acknowledges and spins until released;
//! once all have acknowledged, nothing moves but the checker. A core that
//! does not acknowledge in time (spinning with interrupts off on something
//! slow) makes the checker give up this round instead of deadlocking.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::idt::VECTOR_STOP;
use crate::arch::{apic, cpu, tsc};
use crate::runtime::m::{self, MAX_MS};

/// The generation being frozen, 0 when none.
static FREEZE: AtomicU64 = AtomicU64::new(0);
static NEXT_GEN: AtomicU64 = AtomicU64::new(1);
/// The generation each M last acknowledged.
static ACKED: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// The stop IPI: acknowledge, then wait until the checker is done.
///
/// Context: interrupt handler (interrupts off).
pub fn on_ipi() {
    let generation = FREEZE.load(Ordering::Acquire);
    if generation_is_none(generation) {
        return; // a late IPI of a freeze that was given up
    }
    let me = crate::runtime::m::this_m();
    ACKED[me.id as usize].store(generation, Ordering::Release);
    while FREEZE.load(Ordering::Acquire) == generation {
        core::hint::spin_loop();
    }
}

fn generation_is_none(generation: u64) -> bool {
    generation == 0
}

/// Freeze every other online core, run `f`, thaw. Returns `None` (and
/// runs nothing) if some core did not stop within `timeout_ns`.
///
/// Context: a G; one caller at a time (the checker G).
pub fn with_world_frozen<R>(timeout_ns: u64, f: impl FnOnce() -> R) -> Option<R> {
    let were = cpu::interrupts_disable_save();
    let me = crate::runtime::m::this_m();
    let generation = NEXT_GEN.fetch_add(1, Ordering::Relaxed);
    FREEZE.store(generation, Ordering::Release);
    let others = || {
        m::all()
            .iter()
            .filter(|mp| mp.id != me.id && mp.online.load(Ordering::Acquire))
    };
    for mp in others() {
        apic::send_ipi(mp.apic(), VECTOR_STOP);
    }
    let deadline = tsc::nanotime().saturating_add(timeout_ns);
    let all_stopped = loop {
        if others().all(|mp| ACKED[mp.id as usize].load(Ordering::Acquire) == generation) {
            break true;
        }
        if tsc::nanotime() > deadline {
            break false;
        }
        core::hint::spin_loop();
    };
    let r = all_stopped.then(f);
    FREEZE.store(0, Ordering::Release);
    cpu::interrupts_restore(were);
    r
}
