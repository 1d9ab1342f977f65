//! The time base: the TSC, calibrated once at boot.
//!
//! The frequency comes from CPUID leaf 0x15 (crystal clock × ratio) when the
//! CPU reports it, else it is measured against the PIT over
//! [`CALIBRATION_MS`], split into [`WINDOWS`] windows of which the shortest
//! counts: under QEMU's TCG a virtual core is a host thread, and when the
//! host does not run it at the moment the PIT window ends, the TSC keeps
//! counting until it looks, so a window can only come out too long. One
//! 50 ms window on a loaded 2-core host gave 2.9 to 115 GHz for a 2.6 GHz
//! TSC (2026-12-02, docs/BRINGUP.md). `nanotime()` is then TSC ticks since boot scaled to
//! nanoseconds: monotonic on every core and consistent across cores
//! (QEMU's vCPUs, like modern hardware with an invariant TSC, share one
//! counter). Under `-icount shift=0` the TSC counts executed instructions
//! instead of time; the benchmarks report which unit they measured.

use core::sync::atomic::{AtomicU64, Ordering};

use super::{cpu, pit};

/// How long the PIT-based calibration waits in all.
pub const CALIBRATION_MS: u64 = 50;
/// How many windows the calibration's time is split into.
pub const WINDOWS: u64 = 10;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static TSC_AT_BOOT: AtomicU64 = AtomicU64::new(0);

/// Where the frequency came from, for the boot log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// CPUID leaf 0x15.
    Cpuid,
    /// Measured against PIT channel 2.
    Pit,
    /// Under QEMU's `-icount shift=0` the TSC is the virtual clock in ns:
    /// exactly 1 GHz, with nothing to measure.
    Icount,
}

/// Determine the TSC frequency. Bootstrap core, once, early. `icount`:
/// QEMU runs with `-icount shift=0` (the boot option says so), where the
/// TSC counts virtual ns. Measuring it there would not only be needless
/// but a leak of the host into the run: while the other cores still boot,
/// which of them runs when QEMU's main loop kicks a vCPU depends on host
/// timing, and the PIT windows came out a few instructions apart (two runs
/// of one seed: 1000006534 and 1000007934 Hz, 2026-12-07).
pub fn calibrate(icount: bool) -> (u64, Source) {
    let (hz, source) = match cpuid_hz() {
        _ if icount => (1_000_000_000, Source::Icount),
        Some(hz) => (hz, Source::Cpuid),
        None => (measure_with_pit(), Source::Pit),
    };
    TSC_HZ.store(hz, Ordering::Relaxed);
    TSC_AT_BOOT.store(cpu::rdtsc(), Ordering::Relaxed);
    (hz, source)
}

fn cpuid_hz() -> Option<u64> {
    let info = raw_cpuid::CpuId::new().get_tsc_info()?;
    let hz = info.tsc_frequency()?;
    (hz > 0).then_some(hz)
}

fn measure_with_pit() -> u64 {
    let ticks = (pit::PIT_HZ * CALIBRATION_MS / WINDOWS / 1000) as u16;
    let shortest = (0..WINDOWS)
        .map(|_| {
            let start = cpu::rdtsc();
            pit::wait_ticks(ticks);
            cpu::rdtsc() - start
        })
        .min()
        .unwrap_or(0);
    // Scale by the exact interval the PIT counted.
    (shortest as u128 * pit::PIT_HZ as u128 / ticks as u128) as u64
}

/// TSC ticks per second.
pub fn hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Nanoseconds since calibration.
#[inline]
pub fn nanotime() -> u64 {
    if super::lockstep::active() {
        return super::lockstep::now_ns();
    }
    ticks_to_ns(cpu::rdtsc().saturating_sub(TSC_AT_BOOT.load(Ordering::Relaxed)))
}

/// The clock cross-core measurements read: this core's own clock in
/// lockstep (`lockstep`), else the TSC. Ticks either way.
#[inline]
pub fn clock_ticks() -> u64 {
    if super::lockstep::active() {
        let were = cpu::interrupts_disable_save();
        let t = super::lockstep::now_ticks();
        cpu::interrupts_restore(were);
        t
    } else {
        cpu::rdtsc()
    }
}

/// Convert TSC ticks to nanoseconds.
#[inline]
pub fn ticks_to_ns(ticks: u64) -> u64 {
    let hz = hz().max(1);
    (ticks as u128 * 1_000_000_000 / hz as u128) as u64
}

/// Convert nanoseconds to TSC ticks.
#[inline]
pub fn ns_to_ticks(ns: u64) -> u64 {
    (ns as u128 * hz() as u128 / 1_000_000_000) as u64
}

/// Busy-wait for `ns` nanoseconds (Go's `usleep` on a spinning M), on
/// this core's clock ([`clock_ticks`]: in lockstep the TSC also counts the
/// other cores' turns, which would cut the wait short).
pub fn spin_ns(ns: u64) {
    let end = clock_ticks() + ns_to_ticks(ns);
    while clock_ticks() < end {
        cpu::relax();
    }
}
