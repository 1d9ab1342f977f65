//! Tiny wrappers over single instructions and model-specific registers.
//!
//! Everything architecture-specific that the rest of the kernel needs in one
//! line lives here, so the scheduler never writes inline assembly itself.

use core::arch::asm;

use x86_64::registers::rflags::{self, RFlags};

/// Disable interrupts and report whether they were enabled before.
#[inline]
pub fn interrupts_disable_save() -> bool {
    let were = rflags::read().contains(RFlags::INTERRUPT_FLAG);
    x86_64::instructions::interrupts::disable();
    were
}

/// Re-enable interrupts if `were_enabled` says they were on.
#[inline]
pub fn interrupts_restore(were_enabled: bool) {
    if were_enabled {
        x86_64::instructions::interrupts::enable();
    }
}

/// Whether interrupts are enabled on this core.
#[inline]
pub fn interrupts_enabled() -> bool {
    rflags::read().contains(RFlags::INTERRUPT_FLAG)
}

/// Enable interrupts.
#[inline]
pub fn interrupts_enable() {
    x86_64::instructions::interrupts::enable();
}

/// Disable interrupts.
#[inline]
pub fn interrupts_disable() {
    x86_64::instructions::interrupts::disable();
}

/// Halt until the next interrupt with interrupts enabled, then disable them
/// again. `sti; hlt` is atomic: an interrupt pending at `sti` is taken only
/// after `hlt` starts, so no wakeup is lost between checking for work and
/// halting.
#[inline]
pub fn halt_until_interrupt() {
    if super::lockstep::active() {
        // Parked in lockstep: the turn passes on (see `lockstep`).
        super::lockstep::halt();
        return;
    }
    // SAFETY: `sti; hlt; cli` only changes the interrupt flag and waits; the
    // caller runs with interrupts disabled and expects them disabled after.
    unsafe { asm!("sti", "hlt", "cli", options(nomem, nostack)) };
}

/// Halt forever with interrupts off (only NMI/INIT/SMI wake the core).
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Order every earlier load and store before a following non-serializing
/// `wrmsr` (the x2APIC registers): `mfence; lfence`, as Linux's
/// `weak_wrmsr_fence`. `mfence` drains the store buffer; `lfence` keeps the
/// `wrmsr` from starting before the `mfence` has completed.
#[inline]
pub fn wrmsr_fence() {
    // SAFETY: fences only order memory operations; no other effect.
    unsafe { asm!("mfence", "lfence", options(nostack, preserves_flags)) };
}

/// Read the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects beyond reading the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Hint to the core that it is spinning.
#[inline]
pub fn relax() {
    core::hint::spin_loop();
    if super::lockstep::active() {
        super::lockstep::relax_point();
    }
}

/// Read a model-specific register.
///
/// # Safety
/// `msr` must exist on this CPU; reading some MSRs has side effects.
#[inline]
pub unsafe fn rdmsr(msr: u32) -> u64 {
    // SAFETY: the caller guarantees the MSR exists.
    unsafe { x86_64::registers::model_specific::Msr::new(msr).read() }
}

/// Write a model-specific register.
///
/// # Safety
/// `msr` must exist and `value` must be valid for it; MSR writes change CPU
/// behaviour.
#[inline]
pub unsafe fn wrmsr(msr: u32, value: u64) {
    // SAFETY: the caller guarantees the MSR and value are valid.
    unsafe { x86_64::registers::model_specific::Msr::new(msr).write(value) }
}

/// The CPU's brand string (CPUID leaves 0x8000_0002..4), trimmed, e.g.
/// `QEMU TCG CPU version 2.5+`; `unknown` when the CPU has none. Written
/// into `buf`, so it needs no heap.
pub fn model_name(buf: &mut [u8; 48]) -> &str {
    let Some(brand) = raw_cpuid::CpuId::new().get_processor_brand_string() else {
        return "unknown";
    };
    let s = brand.as_str().trim();
    let n = s.len().min(buf.len());
    buf[..n].copy_from_slice(&s.as_bytes()[..n]);
    match core::str::from_utf8(&buf[..n]) {
        Ok(s) if !s.is_empty() => s,
        _ => "unknown",
    }
}

/// Read CR2 (the faulting address of the last page fault).
#[inline]
pub fn cr2() -> u64 {
    x86_64::registers::control::Cr2::read_raw()
}
