//! `sched` — the scheduler's global state (Go's `schedt`).
//!
//! One lock, `sched.lock`, guards the global run queue, the idle-P list
//! and the idle-M list, exactly as in Go. The counters that the lock-free
//! paths consult as *hints* (`runqsize`, `npidle`, `nmspinning`) are atomics
//! next to it: writers change them under the lock (except `nmspinning`,
//! which wakep/resetspinning change by atomic add/CAS as Go does), readers
//! may look without it and must re-check under the lock before acting.
//! The global free-G list has its own lock, as Go's `sched.gFree.lock`.
//!
//! Lock order: `sched.lock` → (page tables, frames, heap). `gfree` is never
//! held together with `sched.lock`.

use core::ptr::{NonNull, null_mut};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use gmp_sched::gfree::GlobalGFree;
use gmp_sched::globrunq::GlobalRunQueue;

use crate::runtime::objects::chaos;
use crate::runtime::objects::g::G;
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::{P, Pstatus};
use crate::sync::{IrqMutex, IrqMutexGuard};

/// The seed every M's random source (the steal order) was derived from:
/// the `seed` option, or the TSC at boot when none was given.
pub static RAND_SEED: AtomicU64 = AtomicU64::new(0);

/// State under `sched.lock`.
pub struct Locked {
    /// The global run queue.
    pub runq: GlobalRunQueue<G>,
    /// Idle Ps, linked through `P::link`.
    pidle: *mut P,
    /// Idle Ms, linked through `M::schedlink`.
    midle: *mut M,
}

// SAFETY: the raw pointers name static Ms and leaked Ps; they are only
// followed under the lock.
unsafe impl Send for Locked {}

/// Go's `schedt`.
pub struct Sched {
    /// `sched.lock` and what it guards.
    pub lock: IrqMutex<Locked>,
    /// Global run queue length (hint; exact under the lock).
    pub runqsize: AtomicU32,
    /// Number of idle Ps (hint; exact under the lock).
    pub npidle: AtomicU32,
    /// Number of idle Ms (hint; exact under the lock).
    pub nmidle: AtomicU32,
    /// Number of spinning Ms.
    pub nmspinning: AtomicU32,
    /// Set when a spinning M found work but no idle P to take it (Go 1.21's
    /// `needspinning`): the next M about to idle spins instead.
    pub needspinning: AtomicU32,
    /// GOMAXPROCS.
    pub gomaxprocs: AtomicU32,
    /// Last goid handed out (batches of [`GOID_CACHE_BATCH`]).
    pub goidgen: AtomicU64,
    /// Global free-G list (its own lock).
    pub gfree: IrqMutex<GlobalGFree<G>>,
    /// Set once the main G runs: from then on `go` and `ready` call `wakep`
    /// (Go's `mainStarted`).
    pub main_started: AtomicBool,
    /// A stop-the-world is in progress or in force (Go's `sched.gcwaiting`):
    /// every M that reaches `schedule` gives up its P (`gcstopm`).
    pub gcwaiting: AtomicBool,
    /// Ps the stopper still waits for (Go's `sched.stopwait`).
    pub stopwait: AtomicU32,
}

/// Goids are handed to Ps in batches of this many (Go's `_GoidCacheBatch`).
pub const GOID_CACHE_BATCH: u64 = 16;

/// The scheduler.
pub static SCHED: Sched = Sched {
    lock: IrqMutex::new(Locked {
        runq: GlobalRunQueue::new(),
        pidle: null_mut(),
        midle: null_mut(),
    }),
    runqsize: AtomicU32::new(0),
    npidle: AtomicU32::new(0),
    nmidle: AtomicU32::new(0),
    nmspinning: AtomicU32::new(0),
    needspinning: AtomicU32::new(0),
    gomaxprocs: AtomicU32::new(1),
    goidgen: AtomicU64::new(0),
    gfree: IrqMutex::new(GlobalGFree::new()),
    main_started: AtomicBool::new(false),
    gcwaiting: AtomicBool::new(false),
    stopwait: AtomicU32::new(0),
};

// `allp` as a raw slice: read on every schedule (timers), so two plain
// loads instead of a `Once` state check. Every core's P is allocated at
// boot (Ps can never outnumber Ms here: an M is a core), and `allp` is the
// first GOMAXPROCS of them; `procresize` changes the length with the world
// stopped. The Ps beyond it stay allocated, `Pdead`, for the next grow.
static ALLP_PTR: AtomicPtr<P> = AtomicPtr::new(null_mut());
static ALLP_LEN: AtomicUsize = AtomicUsize::new(0);
static ALLP_CAP: AtomicUsize = AtomicUsize::new(0);

/// Every P in use (Go's `allp`): the first GOMAXPROCS.
#[inline]
pub fn allp() -> &'static [P] {
    let len = ALLP_LEN.load(Ordering::Acquire);
    if len == 0 {
        return &[];
    }
    // SAFETY: `set_allp` stored the pointer of a leaked `'static` slice of
    // `ALLP_CAP >= len` Ps before publishing any length (Release/Acquire),
    // and the pointer never changes.
    unsafe { core::slice::from_raw_parts(ALLP_PTR.load(Ordering::Relaxed), len) }
}

/// Every P ever allocated, including the dead ones beyond GOMAXPROCS.
pub fn allp_all() -> &'static [P] {
    let cap = ALLP_CAP.load(Ordering::Acquire);
    if cap == 0 {
        return &[];
    }
    // SAFETY: as in `allp`.
    unsafe { core::slice::from_raw_parts(ALLP_PTR.load(Ordering::Relaxed), cap) }
}

/// Install the Ps, `active` of them in use (once, at boot).
pub fn set_allp(ps: &'static [P], active: usize) {
    assert!(
        !ps.is_empty() && active <= ps.len() && ALLP_CAP.load(Ordering::Acquire) == 0,
        "set_allp: installed twice or with too few Ps"
    );
    ALLP_PTR.store(ps.as_ptr() as *mut P, Ordering::Relaxed);
    ALLP_CAP.store(ps.len(), Ordering::Release);
    ALLP_LEN.store(active, Ordering::Release);
}

/// GOMAXPROCS.
pub fn gomaxprocs() -> u32 {
    SCHED.gomaxprocs.load(Ordering::Relaxed)
}

/// Set how many Ps are in use (`procresize`, world stopped).
pub(crate) fn set_allp_len(n: usize) {
    assert!(
        n >= 1 && n <= ALLP_CAP.load(Ordering::Acquire),
        "set_allp_len: {n} Ps"
    );
    ALLP_LEN.store(n, Ordering::Release);
}

impl Locked {
    /// Take every idle P off the list (for a stop-the-world).
    pub(crate) fn pidle_take_all(&mut self, mut f: impl FnMut(&'static P)) {
        while let Some(pp) = self.pidleget() {
            f(pp);
        }
    }

    /// Put `pp` on the idle list — or, when a stop-the-world is waiting
    /// for it, stop it (Go's `gcwaiting` checks in `findRunnable` and
    /// `handoffp`). Checked under `sched.lock`, which the stopper holds
    /// while it sets `gcwaiting` and takes the idle Ps: a P put on the list
    /// before that is taken by the stopper, one put after is stopped here.
    pub fn pidleput_or_gcstop(&mut self, pp: &'static P) {
        if SCHED.gcwaiting.load(Ordering::SeqCst) {
            assert!(
                pp.m.load(Ordering::Relaxed).is_null(),
                "pidleput_or_gcstop: P{} still held by an M",
                pp.id
            );
            self.gcstop(pp, "idle");
        } else {
            self.pidleput(pp);
        }
    }

    /// Stop `pp` for the stop-the-world in progress and count it off
    /// `stopwait` (under the lock, so the stopper's wait sees every count);
    /// `how` names the path that stopped it if a P is stopped twice.
    pub(crate) fn gcstop(&mut self, pp: &'static P, how: &str) {
        pp.set_status(Pstatus::Pgcstop);
        let left = SCHED.stopwait.fetch_sub(1, Ordering::SeqCst);
        assert!(
            left > 0,
            "stopTheWorld: P{} stopped once too often ({how})",
            pp.id
        );
    }

    /// Put `pp` on the idle list (Go's `pidleput`). It must have no work
    /// and no M.
    pub fn pidleput(&mut self, pp: &'static P) {
        assert!(pp.runq.runqempty(), "pidleput: P{} has runnable Gs", pp.id);
        assert!(
            pp.m.load(Ordering::Relaxed).is_null(),
            "pidleput: P{} still held by an M",
            pp.id
        );
        pp.set_status(Pstatus::Pidle);
        pp.link.store(self.pidle, Ordering::Relaxed);
        self.pidle = pp as *const P as *mut P;
        // SeqCst: `wakep`'s lock-free look at `npidle` pairs with this (see
        // `mpark::wakep`).
        SCHED.npidle.fetch_add(1, Ordering::SeqCst);
        pp.stats.parks.fetch_add(1, Ordering::Relaxed);
    }

    /// Take an idle P (Go's `pidleget`).
    pub fn pidleget(&mut self) -> Option<&'static P> {
        let pp = NonNull::new(self.pidle)?;
        // SAFETY: idle-list entries are leaked, live Ps.
        let pp: &'static P = unsafe { pp.as_ref() };
        self.pidle = pp.link.load(Ordering::Relaxed);
        pp.link.store(null_mut(), Ordering::Relaxed);
        SCHED.npidle.fetch_sub(1, Ordering::Release);
        Some(pp)
    }

    /// Take an idle P for a new spinning M; if there is none, ask the next
    /// M that is about to idle to spin instead (Go's `pidlegetSpinning`).
    pub fn pidleget_spinning(&mut self) -> Option<&'static P> {
        let pp = self.pidleget();
        if pp.is_none() {
            SCHED.needspinning.store(1, Ordering::Release);
        }
        pp
    }

    /// Put `mp` on the idle-M list (Go's `mput`).
    pub fn mput(&mut self, mp: &'static M) {
        mp.schedlink.store(self.midle, Ordering::Relaxed);
        mp.idle.store(true, Ordering::Relaxed);
        self.midle = mp as *const M as *mut M;
        SCHED.nmidle.fetch_add(1, Ordering::Relaxed);
    }

    /// Take an idle M (Go's `mget`).
    pub fn mget(&mut self) -> Option<&'static M> {
        let mp = NonNull::new(self.midle)?;
        // SAFETY: idle-list entries are static Ms.
        let mp: &'static M = unsafe { mp.as_ref() };
        self.midle = mp.schedlink.load(Ordering::Relaxed);
        mp.schedlink.store(null_mut(), Ordering::Relaxed);
        mp.idle.store(false, Ordering::Relaxed);
        SCHED.nmidle.fetch_sub(1, Ordering::Relaxed);
        Some(mp)
    }

    /// Visit the idle-P list in order (for the torture checker).
    pub(crate) fn for_each_pidle(&self, f: impl FnMut(&'static P)) {
        // SAFETY: idle-list entries are leaked, live Ps; `&self` is the
        // lock, so the links are stable.
        unsafe { for_each_linked(self.pidle, |p| p.link.load(Ordering::Relaxed), f) }
    }

    /// Visit the idle-M list in order (for the torture checker).
    pub(crate) fn for_each_midle(&self, f: impl FnMut(&'static M)) {
        // SAFETY: idle-list entries are static Ms; `&self` is the lock, so
        // the links are stable.
        unsafe { for_each_linked(self.midle, |m| m.schedlink.load(Ordering::Relaxed), f) }
    }

    /// Keep the lock-free length hint in step with the queue.
    pub fn sync_runqsize(&self) {
        SCHED.runqsize.store(self.runq.len(), Ordering::Release);
    }
}

/// Take `sched.lock`.
pub fn lock() -> IrqMutexGuard<'static, Locked> {
    lock_counted(|| SCHED.lock.try_lock(), || SCHED.lock.lock())
}

/// Take `sched.lock` on a core whose interrupts are already off (the
/// scheduler's own paths on g0): as [`lock`] without saving and restoring
/// the interrupt flag.
#[inline]
pub fn lock_irqs_off() -> IrqMutexGuard<'static, Locked> {
    lock_counted(
        || SCHED.lock.try_lock_irqs_off(),
        || SCHED.lock.lock_irqs_off(),
    )
}

/// Visit an intrusive list from `head`, following `next`.
///
/// # Safety
/// Every entry is live for the rest of the run and the links do not change
/// during the walk.
unsafe fn for_each_linked<T: 'static>(
    head: *mut T,
    next: impl Fn(&'static T) -> *mut T,
    mut f: impl FnMut(&'static T),
) {
    let mut cur = head;
    while let Some(x) = NonNull::new(cur) {
        // SAFETY: live for the rest of the run (contract).
        let x: &'static T = unsafe { x.as_ref() };
        f(x);
        cur = next(x);
    }
}

/// Take `sched.lock` with `try_lock`, or wait for it with `lock`, counting
/// the acquisition and whether it had to wait. About to take it is a
/// chaos sync point: a stall here lets another core take it first. (Its
/// release is not one: a second check would cost the Gosched path two
/// instructions its budget has no room for; the reports that follow most
/// releases, a G put on a queue or a P handed over, stand in for it.)
#[inline(always)]
fn lock_counted(
    try_lock: impl FnOnce() -> Option<IrqMutexGuard<'static, Locked>>,
    lock: impl FnOnce() -> IrqMutexGuard<'static, Locked>,
) -> IrqMutexGuard<'static, Locked> {
    chaos::at_point();
    SCHED_LOCKS.fetch_add(1, Ordering::Relaxed);
    if let Some(g) = try_lock() {
        return g;
    }
    SCHED_LOCK_CONTENDED.fetch_add(1, Ordering::Relaxed);
    lock()
}

/// Acquisitions of `sched.lock`, and how many found it held (the Go 1.0
/// model's bottleneck, compared in the experiments).
pub static SCHED_LOCKS: AtomicU64 = AtomicU64::new(0);
/// See [`SCHED_LOCKS`].
pub static SCHED_LOCK_CONTENDED: AtomicU64 = AtomicU64::new(0);
