//! M — a machine: here, one CPU core.
//!
//! In Go an M is an OS thread; on bare metal it is a core, and there is
//! exactly one M per core for the kernel's lifetime. Each M owns a g0: the
//! stack the scheduler runs on (for the bootstrap core, the stack the
//! bootloader gave us; for every other core, a guarded stack allocated
//! before it is started). The M's record is reached through the GS base
//! (see `arch::percpu`) and lives in the static array [`allm`], indexed by M
//! id: M0 is always the bootstrap core, the others follow the MADT order.
//!
//! Ownership: `id` never changes; `apic_id` is written by the bootstrap core
//! before the M's core starts; `online` is set once by the M itself. The
//! scheduler fields (`curg`, `p`, `spinning`, `locks`, the wait fields and
//! the random state) are written only by the M itself; `nextp` and `park`
//! are the hand-off from `startm` on another core: the waker writes `nextp`,
//! then sets `park` and sends a wake IPI; the parked M reads `nextp` only
//! after it sees `park` (Release/Acquire), and no one else touches them
//! while the M is off the idle list.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

use gmp_sched::rand::CheapRand;

use crate::arch::percpu::{self, PerCpu};
use crate::runtime::objects::g::G;
use crate::runtime::objects::p::P;

/// A `gopark` unlock function: runs on g0 after the G is parked; returning
/// false aborts the park and resumes the G (Go's `unlockf`).
pub type UnlockFn = fn(gp: &G, lock: *const ()) -> bool;

/// Most Ms (cores) the kernel supports; also the largest `procs`.
pub const MAX_MS: usize = percpu::MAX_CPUS;

/// One core's runtime record.
#[repr(C)]
pub struct M {
    /// What the machine layer keeps per core (id, APIC id, g0 stack,
    /// online, and the raw `curg` word); must be the first field: the GS
    /// base points at it, and [`this_m`] casts it back to the M.
    pub cpu: PerCpu,
    /// The P this M holds (null when it holds none).
    pub p: AtomicPtr<P>,
    /// The P handed over by `startm`, taken when the M wakes.
    pub nextp: AtomicPtr<P>,
    /// Whether this M is looking for work (counted in `sched.nmspinning`).
    pub spinning: AtomicBool,
    /// Park note: set by a waker, cleared by the M when it wakes.
    pub park: AtomicBool,
    /// Link in the idle-M list (under `sched.lock`).
    pub schedlink: AtomicPtr<M>,
    /// Whether the M is on the idle-M list.
    pub idle: AtomicBool,
    /// Preemption-disable count: sysmon never preempts an M with `locks > 0`.
    pub locks: AtomicU32,
    /// `gopark`'s unlock function and its argument, consumed by `park_m`.
    waitunlock: UnsafeCell<Option<(UnlockFn, *const ())>>,
    /// The M's random source (steal order), seeded at boot.
    rand: UnsafeCell<CheapRand>,
    /// The random number that chose this M's first steal pass (`u64::MAX`
    /// until it steals): the summary shows that pass, so a user can see
    /// which order a `seed` gives.
    pub first_steal_draw: AtomicU64,
    /// Times this M was parked (`stopm`).
    pub parks: AtomicU64,
    /// Timer interrupts taken.
    pub ticks: AtomicU64,
    /// Under lockstep: this core's clock when it last began spinning.
    pub(crate) spin_since: AtomicU64,
    /// Under lockstep: clock ticks spent spinning (looking for work,
    /// stealing included), for the scaling figures' breakdown.
    pub spin_ticks: AtomicU64,
    /// Under lockstep: the part of `spin_ticks` spent in stretches that
    /// ended without work (the M gave up and released its P to park).
    pub spin_wasted_ticks: AtomicU64,
    /// Times `notewakeup` woke this M from its park (idle wake-ups).
    pub wakeups: AtomicU64,
    /// The G wired to this M (`runtime::wire`), null if none.
    pub(crate) wiredg: AtomicPtr<G>,
    /// The wired G, once runnable again: handed here by its waker.
    pub(crate) wired_ready: AtomicPtr<G>,
}

// SAFETY: the `UnsafeCell` fields are touched only by the M itself (module
// docs); everything else is atomic.
unsafe impl Sync for M {}

impl M {
    fn empty(id: u32) -> Self {
        M {
            cpu: PerCpu::new(id),
            p: AtomicPtr::new(core::ptr::null_mut()),
            nextp: AtomicPtr::new(core::ptr::null_mut()),
            spinning: AtomicBool::new(false),
            park: AtomicBool::new(false),
            schedlink: AtomicPtr::new(core::ptr::null_mut()),
            idle: AtomicBool::new(false),
            locks: AtomicU32::new(0),
            waitunlock: UnsafeCell::new(None),
            rand: UnsafeCell::new(CheapRand::new(0)),
            first_steal_draw: AtomicU64::new(u64::MAX),
            parks: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            spin_since: AtomicU64::new(0),
            spin_ticks: AtomicU64::new(0),
            spin_wasted_ticks: AtomicU64::new(0),
            wakeups: AtomicU64::new(0),
            wiredg: AtomicPtr::new(core::ptr::null_mut()),
            wired_ready: AtomicPtr::new(core::ptr::null_mut()),
        }
    }

    /// The M whose [`PerCpu`] record `cpu` is.
    pub fn from_cpu(cpu: &'static PerCpu) -> &'static M {
        // SAFETY: every PerCpu the kernel hands out is the first field of an
        // M in `allm()` (`#[repr(C)]`), so the address is the M's.
        unsafe { &*(cpu as *const PerCpu as *const M) }
    }

    /// Record `gp` (or none: g0) as the G this M runs.
    #[inline]
    pub(crate) fn set_curg(&self, gp: Option<&G>) {
        let raw = gp.map_or(core::ptr::null_mut(), |g| g as *const G as *mut ());
        self.cpu.curg.store(raw, Ordering::Relaxed);
    }

    /// Whether `gp` is the G this M runs.
    #[inline]
    pub(crate) fn runs(&self, gp: &G) -> bool {
        core::ptr::eq(
            self.cpu.curg.load(Ordering::Relaxed),
            gp as *const G as *const (),
        )
    }
}

impl core::ops::Deref for M {
    type Target = PerCpu;
    fn deref(&self) -> &PerCpu {
        &self.cpu
    }
}

/// The M running on this core. With interrupts on, a G may move to another
/// core right after: read it with interrupts off when it matters (see
/// `g::getg`).
#[inline]
pub fn this_m() -> &'static M {
    M::from_cpu(percpu::this_cpu())
}

/// The storage of every M, initialised by [`init_allm`]. It takes no
/// bytes in the kernel image (`.bss`): a static holding the Ms' initial
/// values (ids, `u32::MAX` APIC ids) would be 128 KiB of `.data` at 1024
/// Ms, which the BIOS bootloader reads from disk on every boot.
struct AllM(UnsafeCell<MaybeUninit<[M; MAX_MS]>>);

// SAFETY: written once, by `init_allm` on the bootstrap core before any
// other core runs and before any reference to it exists; after that only
// shared references are handed out (`allm`).
unsafe impl Sync for AllM {}

static ALLM: AllM = AllM(UnsafeCell::new(MaybeUninit::uninit()));
static ALLM_READY: AtomicBool = AtomicBool::new(false);

/// Give every M its initial values. The bootstrap core's first step, once.
pub fn init_allm() {
    assert!(
        !ALLM_READY.load(Ordering::Relaxed),
        "init_allm: called twice"
    );
    let base = ALLM.0.get().cast::<M>();
    for i in 0..MAX_MS {
        // SAFETY: `i` is inside the array; nothing has a reference to it
        // yet (see `AllM`), so writing in place is exclusive.
        unsafe { base.add(i).write(M::empty(i as u32)) };
    }
    ALLM_READY.store(true, Ordering::Release);
}

/// Every M, indexed by id; only the first [`mcount`] are cores that exist.
pub fn allm() -> &'static [M; MAX_MS] {
    assert!(ALLM_READY.load(Ordering::Acquire), "allm: before init_allm");
    // SAFETY: `init_allm` wrote every element (checked above) and nothing
    // writes the storage again.
    unsafe { (*ALLM.0.get()).assume_init_ref() }
}

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
    &allm()[..mcount()]
}

/// Describes where the current core is running, for fault reports:
/// "in G<goid>" or "on g0".
pub struct Whereabouts(Option<u64>);

impl core::fmt::Display for Whereabouts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(goid) => write!(f, "in G{goid}"),
            None => write!(f, "on g0"),
        }
    }
}

impl M {
    /// Where this M is running right now.
    pub fn whereabouts(&self) -> Whereabouts {
        Whereabouts(self.curg().map(|g| g.goid()))
    }

    /// The G running on this M, if any.
    pub fn curg(&self) -> Option<&'static G> {
        let gp = self.cpu.curg.load(Ordering::Relaxed) as *const G;
        // SAFETY: only Gs are stored there (`set_curg`); Gs are never freed.
        unsafe { gp.as_ref() }
    }

    /// The P this M holds, if any.
    pub fn p(&self) -> Option<&'static P> {
        let pp = self.p.load(Ordering::Relaxed);
        // SAFETY: Ps are never freed.
        (!pp.is_null()).then(|| unsafe { &*pp })
    }

    /// Record `gopark`'s unlock function for `park_m`. M itself only.
    pub(crate) fn set_waitunlock(&self, w: Option<(UnlockFn, *const ())>) {
        // SAFETY: only this M touches its wait fields.
        unsafe { *self.waitunlock.get() = w };
    }

    /// Take `gopark`'s unlock function. M itself only.
    pub(crate) fn take_waitunlock(&self) -> Option<(UnlockFn, *const ())> {
        // SAFETY: only this M touches its wait fields.
        unsafe { (*self.waitunlock.get()).take() }
    }

    /// This M's random source. M itself only, never re-entrantly.
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn rand(&self) -> &mut CheapRand {
        // SAFETY: only this M touches its random state, with interrupts off.
        unsafe { &mut *self.rand.get() }
    }
}
