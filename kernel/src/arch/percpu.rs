//! Per-core data through the GS base.
//!
//! Each core's `IA32_GS_BASE` points at its own [`PerCpu`] record, whose
//! first field is its own address, so `mov rax, gs:[0]` yields it in one
//! load without any lookup by APIC ID. The record holds only what the
//! machine layer needs — the core's id, APIC id, g0 stack and whether it is
//! online — plus one word it keeps for the layer above without knowing its
//! type: the running G (`curg`), which must be readable in one instruction
//! (see [`this_curg`]). The runtime's M embeds a `PerCpu` as its first field
//! (`#[repr(C)]`), so the runtime reaches its M from the same pointer; this
//! module never needs to know what an M is.
//!
//! The bootstrap core sets its GS base before anything else runs (even
//! before the console prints), and each application processor sets its own
//! as the first step of its Rust entry.

use core::arch::asm;
use core::mem::offset_of;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};

const IA32_GS_BASE: u32 = 0xC000_0101;

/// Most cores the kernel supports (the size of every per-core table).
pub const MAX_CPUS: usize = gmp_sched::cpus::MAX_CPUS;

/// What the machine layer keeps per core.
#[repr(C)]
pub struct PerCpu {
    /// This record's own address; must be the first field (read as `gs:[0]`).
    self_ptr: AtomicPtr<PerCpu>,
    /// Core index: 0 is the bootstrap core, the others follow the MADT.
    pub id: u32,
    /// Local APIC id of this core.
    pub apic_id: AtomicU32,
    /// Set by the core itself once it runs kernel code on its own stacks.
    pub online: AtomicBool,
    /// Top of the g0 stack (the scheduler's stack on this core).
    pub g0_stack_top: AtomicU64,
    /// The G this core runs, null on g0: owned and typed by the runtime
    /// (`M::curg`); kept here so [`this_curg`] reads it in one instruction.
    pub curg: AtomicPtr<()>,
    /// Reasons for the scheduler to leave its fast path on this core, one
    /// bit each ([`ATTENTION_RESERVE_LOW`], [`ATTENTION_WIRED`]), set by
    /// the layers above: one load tells `schedule` that nothing is special.
    pub attention: AtomicU8,
}

/// `attention` bit: this core's reserve of frames for G-stack faults is
/// below full (set and cleared by `mem::gstack`).
pub const ATTENTION_RESERVE_LOW: u8 = 1;
/// `attention` bit: a G is wired to this core's M (`runtime::wire`).
pub const ATTENTION_WIRED: u8 = 2;
/// `attention` bit: the world is stopping or stopped (`runtime::stw`).
pub const ATTENTION_STOP: u8 = 4;

impl PerCpu {
    /// The record of core `id`, not yet bound to a core.
    pub const fn new(id: u32) -> PerCpu {
        PerCpu {
            self_ptr: AtomicPtr::new(core::ptr::null_mut()),
            id,
            apic_id: AtomicU32::new(u32::MAX),
            online: AtomicBool::new(false),
            g0_stack_top: AtomicU64::new(0),
            curg: AtomicPtr::new(core::ptr::null_mut()),
            attention: AtomicU8::new(ATTENTION_RESERVE_LOW),
        }
    }

    /// Make `self_ptr` point at this record (before installing it in GS).
    pub fn bind_self(&'static self) {
        self.self_ptr
            .store(self as *const PerCpu as *mut PerCpu, Ordering::Relaxed);
    }

    /// This core's APIC id.
    pub fn apic(&self) -> u32 {
        self.apic_id.load(Ordering::Relaxed)
    }
}

/// Point this core's GS base at `cpu`.
///
/// # Safety
/// `cpu` must live forever, be bound ([`PerCpu::bind_self`]) and belong to
/// this core alone.
pub unsafe fn set_this_cpu(cpu: &'static PerCpu) {
    // SAFETY: writing IA32_GS_BASE only changes what `gs:` addresses; the
    // caller guarantees `cpu` is this core's record.
    unsafe { crate::arch::cpu::wrmsr(IA32_GS_BASE, cpu as *const PerCpu as u64) };
}

/// The record of the core running this instruction.
///
/// With interrupts on, code on a G may be moved to another core at any
/// instruction, so the answer may be stale by the time it is used: read it
/// with interrupts off when it matters (the race explained at
/// `runtime::objects::g::getg`).
#[inline]
pub fn this_cpu() -> &'static PerCpu {
    let ptr: *const PerCpu;
    // SAFETY: gs:[0] holds the current core's self pointer, set at boot on
    // every core before any code that calls this runs; records live forever.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) ptr, off = const offset_of!(PerCpu, self_ptr), options(nostack, readonly, preserves_flags));
        &*ptr
    }
}

/// The index of the core running this instruction (0 for the bootstrap
/// core); one load, so it is never a mix of two cores' records.
#[inline]
pub fn this_cpu_id() -> u32 {
    let id: u32;
    // SAFETY: as in `this_cpu`; `id` never changes after boot.
    unsafe {
        asm!("mov {:e}, gs:[{off}]", out(reg) id, off = const offset_of!(PerCpu, id), options(nostack, readonly, preserves_flags));
    }
    id
}

/// This core's g0 stack top, read with one instruction (for `mcall`).
#[inline]
pub fn this_g0_stack_top() -> u64 {
    let top: u64;
    // SAFETY: as in `this_cpu`; an aligned 8-byte load of the field.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) top, off = const offset_of!(PerCpu, g0_stack_top), options(nostack, readonly, preserves_flags));
    }
    top
}

/// This core's `curg` word (null on g0), read with one instruction.
///
/// Why one instruction: code on a G runs with interrupts on, so it can be
/// preempted and resumed on another core between any two instructions.
/// `this_cpu().curg` is two loads — this core's record, then its `curg` —
/// and a preemption between them makes the second load read the *old*
/// core's `curg`: some other G, or none (the race that readied dead Gs, see
/// `runtime::objects::g::getg`). A single `mov reg, gs:[curg]` reads the `curg`
/// of the core the instruction executes on, which is the core running this
/// G, whenever the preemption happens.
#[inline]
pub fn this_curg() -> *mut () {
    let ptr: *mut ();
    // SAFETY: gs:[0] is this core's record (see `this_cpu`); `curg` is an
    // `AtomicPtr` field of it, and an aligned 8-byte load is atomic.
    unsafe {
        asm!("mov {}, gs:[{off}]", out(reg) ptr, off = const offset_of!(PerCpu, curg), options(nostack, readonly, preserves_flags));
    }
    ptr
}
