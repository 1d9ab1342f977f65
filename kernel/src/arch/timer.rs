//! The per-core APIC timer: the tick that drives sysmon and preemption.
//!
//! Two modes, chosen once at boot:
//! - **TSC-deadline** when CPUID offers it (KVM with `-cpu host`, most real
//!   hardware): the handler writes the next deadline (`IA32_TSC_DEADLINE`),
//!   so ticks stay phase-locked to the calibrated TSC.
//! - **Periodic** otherwise (QEMU's TCG has no TSC-deadline): the timer
//!   counts down from an initial count computed by calibrating the APIC
//!   timer's rate against the already-calibrated TSC.
//!
//! The tick period is the boot option `tick`. A core can stop its timer
//! while it is parked (only the sysmon core and its watchdog must keep
//! ticking), which keeps the other idle cores fully halted.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use super::apic::{self, REG_LVT_TIMER, REG_TIMER_CURRENT, REG_TIMER_DIVIDE, REG_TIMER_INITIAL};
use super::idt::VECTOR_TIMER;
use super::{cpu, tsc};

const IA32_TSC_DEADLINE: u32 = 0x6e0;
const LVT_MASKED: u32 = 1 << 16;
const LVT_PERIODIC: u32 = 0b01 << 17;
const LVT_TSC_DEADLINE: u32 = 0b10 << 17;
/// Divide configuration value for "divide by 16".
const DIVIDE_BY_16: u32 = 0b0011;

static DEADLINE_MODE: AtomicBool = AtomicBool::new(false);
static TICK_NS: AtomicU64 = AtomicU64::new(1_000_000);
/// APIC timer counts per tick (periodic mode).
static INITIAL_COUNT: AtomicU32 = AtomicU32::new(0);
/// TSC ticks per tick (deadline mode).
static TICK_TSC: AtomicU64 = AtomicU64::new(0);
/// The APIC timer's input frequency (periodic and one-shot modes).
static APIC_HZ: AtomicU64 = AtomicU64::new(0);

/// Which mode the timer runs in.
pub fn mode_name() -> &'static str {
    name(DEADLINE_MODE.load(Ordering::Relaxed))
}

/// The mode [`init`] will choose on this CPU, for the boot banner (which
/// is printed before the timer is calibrated).
pub fn cpu_mode_name() -> &'static str {
    name(cpu_has_tsc_deadline())
}

fn name(deadline: bool) -> &'static str {
    if deadline { "tsc-deadline" } else { "periodic" }
}

/// CPUID.1:ECX bit 24.
fn cpu_has_tsc_deadline() -> bool {
    raw_cpuid::CpuId::new()
        .get_feature_info()
        .is_some_and(|f| f.has_tsc_deadline())
}

/// Decide the mode and calibrate. Bootstrap core, after `tsc::calibrate`.
/// Returns the APIC timer's input frequency in Hz (periodic mode) or the
/// TSC frequency (deadline mode).
pub fn init(tick_ns: u64) -> u64 {
    TICK_NS.store(tick_ns, Ordering::Relaxed);
    let deadline = cpu_has_tsc_deadline();
    DEADLINE_MODE.store(deadline, Ordering::Relaxed);
    if deadline {
        TICK_TSC.store(tsc::ns_to_ticks(tick_ns).max(1), Ordering::Relaxed);
        return tsc::hz();
    }
    // Count down from the maximum for a fixed TSC interval.
    apic::write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
    apic::write(REG_LVT_TIMER, LVT_MASKED | VECTOR_TIMER as u32);
    apic::write(REG_TIMER_INITIAL, u32::MAX);
    let window_ns = 10_000_000;
    tsc::spin_ns(window_ns);
    let counted = u32::MAX - apic::read(REG_TIMER_CURRENT);
    apic::write(REG_TIMER_INITIAL, 0);
    let hz = counted as u64 * 1_000_000_000 / window_ns;
    APIC_HZ.store(hz, Ordering::Relaxed);
    let initial = (hz as u128 * tick_ns as u128 / 1_000_000_000) as u64;
    INITIAL_COUNT.store(initial.clamp(1, u32::MAX as u64) as u32, Ordering::Relaxed);
    hz
}

/// Start ticking on this core.
pub fn start_this_cpu() {
    if super::lockstep::mode() {
        // Lockstep arms the holder's timer itself (`arm_oneshot_ns`).
        return;
    }
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        apic::write(REG_LVT_TIMER, LVT_TSC_DEADLINE | VECTOR_TIMER as u32);
        arm_deadline();
    } else {
        apic::write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
        apic::write(REG_LVT_TIMER, LVT_PERIODIC | VECTOR_TIMER as u32);
        apic::write(REG_TIMER_INITIAL, INITIAL_COUNT.load(Ordering::Relaxed));
    }
}

/// Stop ticking on this core (a parked non-sysmon M).
pub fn stop_this_cpu() {
    if super::lockstep::mode() {
        return;
    }
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        // SAFETY: the deadline MSR exists in deadline mode; 0 disarms it.
        unsafe { cpu::wrmsr(IA32_TSC_DEADLINE, 0) };
    } else {
        apic::write(REG_TIMER_INITIAL, 0);
    }
}

/// Fire once, `ns` from now (lockstep's quantum or tick; periodic-mode
/// hardware only, i.e. TCG, which lockstep requires).
pub fn arm_oneshot_ns(ns: u64) {
    let hz = APIC_HZ.load(Ordering::Relaxed);
    let count = (ns as u128 * hz as u128 / 1_000_000_000) as u64;
    apic::write(REG_TIMER_DIVIDE, DIVIDE_BY_16);
    apic::write(REG_LVT_TIMER, VECTOR_TIMER as u32);
    apic::write(REG_TIMER_INITIAL, count.clamp(1, u32::MAX as u64) as u32);
}

/// Stop a one-shot count (lockstep: a core that gives up the token).
pub fn disarm() {
    apic::write(REG_TIMER_INITIAL, 0);
}

fn arm_deadline() {
    let next = cpu::rdtsc() + TICK_TSC.load(Ordering::Relaxed);
    // SAFETY: the deadline MSR exists in deadline mode.
    unsafe { cpu::wrmsr(IA32_TSC_DEADLINE, next) };
}

/// Called from the timer interrupt: re-arm in deadline mode.
#[inline]
pub fn on_tick() {
    if DEADLINE_MODE.load(Ordering::Relaxed) {
        arm_deadline();
    }
}

/// The tick period in nanoseconds.
pub fn tick_ns() -> u64 {
    TICK_NS.load(Ordering::Relaxed)
}
