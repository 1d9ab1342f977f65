//! M — a machine: here, one CPU core.
//!
//! In Go an M is an OS thread; on bare metal it is a core, and there is
//! exactly one M per core for the kernel's lifetime. Each M owns a g0: the
//! stack the scheduler runs on (for the bootstrap core, the stack the
//! bootloader gave us; for every other core, a guarded stack allocated
//! before it is started). The M's record is reached through the GS base
//! (see `arch::percpu`) and lives in the static array [`ALLM`], indexed by M
//! id: M0 is always the bootstrap core, the others follow the MADT order.
//!
//! Ownership: `id` never changes; `apic_id` is written by the bootstrap core
//! before the M's core starts; `online` is set once by the M itself.

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// Most Ms (cores) the kernel supports; also the largest `procs`.
pub const MAX_MS: usize = 256;

/// One core's runtime record.
#[repr(C)]
pub struct M {
    /// This M's own address; must be the first field (read as `gs:[0]`).
    pub(crate) self_ptr: AtomicPtr<M>,
    /// M id: 0 is the bootstrap core.
    pub id: u32,
    /// Local APIC id of the core this M runs on.
    pub apic_id: AtomicU32,
    /// Set by the M itself once it runs kernel code on its own stacks.
    pub online: AtomicBool,
    /// Top of the g0 stack (the scheduler's stack on this core).
    pub g0_stack_top: AtomicU64,
    /// Goid of the G running on this M, 0 while on g0 (for fault reports).
    pub curg_goid: AtomicU64,
}

impl M {
    const fn empty(id: u32) -> Self {
        M {
            self_ptr: AtomicPtr::new(core::ptr::null_mut()),
            id,
            apic_id: AtomicU32::new(u32::MAX),
            online: AtomicBool::new(false),
            g0_stack_top: AtomicU64::new(0),
            curg_goid: AtomicU64::new(0),
        }
    }

    /// Make `self_ptr` point at this record (call before installing it in GS).
    pub fn bind_self(&'static self) {
        self.self_ptr
            .store(self as *const M as *mut M, Ordering::Relaxed);
    }

    /// This M's APIC id.
    pub fn apic(&self) -> u32 {
        self.apic_id.load(Ordering::Relaxed)
    }
}

const fn allm() -> [M; MAX_MS] {
    let mut all = [const { M::empty(0) }; MAX_MS];
    let mut i = 0;
    while i < MAX_MS {
        all[i].id = i as u32;
        i += 1;
    }
    all
}

/// Every M, indexed by id; only the first [`mcount`] are cores that exist.
pub static ALLM: [M; MAX_MS] = allm();

static MCOUNT: AtomicU32 = AtomicU32::new(1);

/// Number of Ms (cores) this machine has, known once the MADT is read.
pub fn mcount() -> usize {
    MCOUNT.load(Ordering::Acquire) as usize
}

/// Record the number of cores (called once by the bootstrap core).
pub fn set_mcount(n: usize) {
    assert!(
        (1..=MAX_MS).contains(&n),
        "core count {n} outside 1..={MAX_MS}"
    );
    MCOUNT.store(n as u32, Ordering::Release);
}

/// The Ms that exist on this machine.
pub fn all() -> &'static [M] {
    &ALLM[..mcount()]
}

/// Describes where the current core is running, for fault reports:
/// "in G<goid>" or "on g0".
pub struct Whereabouts(u64);

impl core::fmt::Display for Whereabouts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.0 == 0 {
            write!(f, "on g0")
        } else {
            write!(f, "in G{}", self.0)
        }
    }
}

impl M {
    /// Where this M is running right now.
    pub fn whereabouts(&self) -> Whereabouts {
        Whereabouts(self.curg_goid.load(Ordering::Relaxed))
    }
}
