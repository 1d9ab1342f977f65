//! Per-core data through the GS base.
//!
//! Each core's `IA32_GS_BASE` points at its own [`M`]; the M's first field
//! is its own address, so `mov rax, gs:[0]` yields the current M in one load
//! and without any lookup by APIC ID. The bootstrap core sets its GS base
//! before anything else runs (even before the console prints), and each
//! application processor sets its own as the first step of its Rust entry.

use core::arch::asm;
use core::mem::offset_of;

use crate::runtime::g::G;
use crate::runtime::m::M;

const IA32_GS_BASE: u32 = 0xC000_0101;

/// Point this core's GS base at `m`.
///
/// # Safety
/// `m` must live forever and belong to this core alone as its M.
pub unsafe fn set_this_m(m: &'static M) {
    // SAFETY: writing IA32_GS_BASE only changes what `gs:` addresses; the
    // caller guarantees `m` is this core's M.
    unsafe { crate::arch::cpu::wrmsr(IA32_GS_BASE, m as *const M as u64) };
}

/// The M running on this core.
#[inline]
pub fn this_m() -> &'static M {
    let ptr: *const M;
    // SAFETY: gs:[0] holds the current M's self pointer, set at boot on every
    // core before any code that calls this runs; M lives forever.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) ptr, off = const offset_of!(M, self_ptr), options(nostack, readonly, preserves_flags));
        &*ptr
    }
}

/// The running G of this core's M (`M::curg`), null on g0, read with one
/// instruction.
///
/// Why one instruction: code on a G runs with interrupts on, so it can be
/// preempted and resumed on another core between any two instructions.
/// `this_m().curg` is two loads — this core's M, then that M's `curg` — and
/// a preemption between them makes the second load read the *old* core's
/// `curg`: some other G, or none (the race that readied dead Gs, see
/// `runtime::proc::getg`). A single `mov reg, gs:[curg]` reads the `curg`
/// of the core the instruction executes on, which is the core running this
/// G, whenever the preemption happens.
#[inline]
pub fn this_curg() -> *mut G {
    let ptr: *mut G;
    // SAFETY: gs:[0] is this core's M (see `this_m`); `curg` is an
    // `AtomicPtr<G>` field of it, and an aligned 8-byte load is atomic.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) ptr, off = const offset_of!(M, curg), options(nostack, readonly, preserves_flags));
    }
    ptr
}

/// The id of the M running on this core (0 for the bootstrap core).
#[inline]
pub fn this_m_id() -> u32 {
    let id: u32;
    // SAFETY: as in `this_m`; `id` never changes after boot.
    unsafe {
        asm!("mov {:e}, gs:[{off}]", out(reg) id, off = const offset_of!(M, id), options(nostack, readonly, preserves_flags));
    }
    id
}
