//! Measurement probes for the in-kernel benchmarks.
//!
//! A few latencies can only be observed from inside the runtime: how long a
//! timer tick takes when there is nothing to do, how long from the timer
//! interrupt that preempts a G until the next G runs, how long from the wake
//! IPI until the parked M resumes. The probes record TSC stamps at those
//! points, only while [`ENABLED`] (one relaxed load otherwise), into small
//! fixed sample buffers the `bench` workload reads.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::runtime::objects::m::MAX_MS;

/// Whether the probes record.
pub static ENABLED: AtomicBool = AtomicBool::new(false);

/// Capacity of each sample buffer.
pub const SAMPLES: usize = 4096;

/// A fixed buffer of TSC-tick samples, filled from any core.
pub struct Samples {
    v: [AtomicU64; SAMPLES],
    n: AtomicUsize,
}

impl Samples {
    const fn new() -> Self {
        Samples {
            v: [const { AtomicU64::new(0) }; SAMPLES],
            n: AtomicUsize::new(0),
        }
    }

    /// Record one sample (dropped once full).
    pub fn push(&self, ticks: u64) {
        let i = self.n.fetch_add(1, Ordering::Relaxed);
        if i < SAMPLES {
            self.v[i].store(ticks, Ordering::Relaxed);
        }
    }

    /// Forget all samples.
    pub fn clear(&self) {
        self.n.store(0, Ordering::Relaxed);
    }

    /// The samples recorded so far.
    pub fn collect(&self) -> alloc::vec::Vec<u64> {
        let n = self.n.load(Ordering::Relaxed).min(SAMPLES);
        self.v[..n]
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .collect()
    }
}

/// Duration of timer ticks that found nothing to do.
pub static TICK_IDLE: Samples = Samples::new();
/// Timer interrupt → first instruction of the next G after a preemption.
pub static PREEMPT: Samples = Samples::new();
/// Wake IPI sent → the parked M running again.
pub static WAKE: Samples = Samples::new();

/// TSC at entry of the current timer interrupt, per core.
pub static TICK_ENTRY: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];
/// TSC when the last preemption switched a G out (from `TICK_ENTRY`).
pub static LAST_PREEMPT_TICK: AtomicU64 = AtomicU64::new(0);
/// TSC when a wake IPI was sent to each M.
pub static WAKE_SENT: [AtomicU64; MAX_MS] = [const { AtomicU64::new(0) }; MAX_MS];

/// Whether the probes are on.
#[inline]
pub fn on() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

// ----- what the scheduler reports (through `scheduler::observe`) ----------

/// A timer interrupt entered on M `m` at TSC `entry`.
#[inline]
pub fn tick_entered(m: u32, entry: u64) {
    TICK_ENTRY[m as usize].store(entry, Ordering::Relaxed);
}

/// A tick that started at `entry` found nothing to do on a parked core.
#[inline]
pub fn tick_idle(entry: u64) {
    TICK_IDLE.push(crate::arch::cpu::rdtsc() - entry);
}

/// M `m` is about to switch a G out for a preemption taken in the tick
/// whose entry it noted.
#[inline]
pub fn preempting(m: u32) {
    let t = TICK_ENTRY[m as usize].load(Ordering::Relaxed);
    LAST_PREEMPT_TICK.store(t, Ordering::Release);
}

/// A wake IPI is about to be sent to M `m`.
#[inline]
pub fn wake_sent(m: u32) {
    WAKE_SENT[m as usize].store(crate::arch::tsc::clock_ticks(), Ordering::Relaxed);
}

/// M `m` runs again after a wake-up: the latency from [`wake_sent`].
#[inline]
pub fn woke(m: u32) {
    let sent = WAKE_SENT[m as usize].swap(0, Ordering::Relaxed);
    if sent != 0 {
        WAKE.push(crate::arch::tsc::clock_ticks().saturating_sub(sent));
    }
}
