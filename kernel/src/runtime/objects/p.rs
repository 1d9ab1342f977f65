//! P — a processor: the token an M must hold to run Gs, and the home of a
//! local run queue.
//!
//! # Status as an ownership rule
//! | status | held by | who may change it |
//! |---|---|---|
//! | `Pidle` | no M; on the idle-P list (`sched.pidle`) | whoever takes it off the list under `sched.lock` |
//! | `Prunning` | exactly one M (`pp.m`, and that M's `p` is `pp`) | that M (`releasep`, `entersyscall`) |
//! | `Psyscall` | no M runs Gs on it; its last M is in a blocking call | sysmon (`retake` → `handoffp`) or the returning M (`exitsyscall`), by CAS |
//! | `Pgcstop` | stopped for a stop-the-world: no M runs Gs on it (the stopper's P keeps its M) | the stopper (`stw`), with the world stopped |
//! | `Pdead` | destroyed by `procresize` (beyond GOMAXPROCS): empty, unused | `procresize`, with the world stopped |
//!
//! The local queue has one producer: the M holding the P (`runqput`), and
//! many consumers: that M (`runqget`) and every stealer (`runqsteal`). The
//! free-G list (`gfree`), the goid cache and the counters are touched only by
//! the holding M; counters are atomics so summaries can read them anytime.
//! A P is never held by two Ms: `acquirep` asserts the P is idle and has no
//! M, with a distinct message.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

use gmp_sched::gfree::LocalGFree;
use gmp_sched::runq::LocalRunQueue;
use gmp_sched::timerheap::TimerHeap;

use crate::sync::IrqMutex;

use crate::runtime::objects::g::G;
use crate::runtime::objects::m::M;

gmp_sched::named_enum! {
    /// Go's P status values (numbers match `runtime2.go`).
    pub enum Pstatus: u32 {
        Pidle = 0,
        Prunning = 1,
        Psyscall = 2,
        Pgcstop = 3,
        Pdead = 4,
    }
}

impl Pstatus {
    /// The status stored as `v`; anything else is a corrupt P.
    fn from_u32(v: u32) -> Pstatus {
        Pstatus::from_repr(v).unwrap_or_else(|| panic!("corrupt P status {v}"))
    }
}

/// Per-P event counters, printed in the end-of-run summary.
#[derive(Default)]
pub struct PStats {
    /// Gs this P started running (`execute`).
    pub gs_run: AtomicU64,
    /// Gs stolen *into* this P from others.
    pub steals_in: AtomicU64,
    /// Gs other Ps stole *from* this P.
    pub steals_out: AtomicU64,
    /// Batches taken from the global queue.
    pub glob_takes: AtomicU64,
    /// Gs moved to the global queue because the local ring was full.
    pub overflows: AtomicU64,
    /// Times this P went idle (its M found nothing and parked).
    pub parks: AtomicU64,
    /// Gs spawned on this P.
    pub spawned: AtomicU64,
    /// Gs that exited on this P (`goexit0`). In a stopped world the Gs
    /// spawned on every P equal the Gs exited on every P plus the live Gs.
    pub exits: AtomicU64,
    /// Times sysmon asked this P's G to yield.
    pub preempt_requests: AtomicU64,
    /// Gs actually preempted on this P.
    pub preemptions: AtomicU64,
    /// Ps taken from a blocking call and handed off (`retake`).
    pub handoffs: AtomicU64,
    /// Times `stealWork` visited every P four times and found nothing
    /// (the work spinning wastes).
    pub steal_misses: AtomicU64,
    /// Gs run from `runnext` (inheriting the time slice).
    pub runnext_runs: AtomicU64,
    /// Times an M holding this P ran dry but the spinning limit
    /// (`2*nmspinning < gomaxprocs - npidle`) kept it from spinning.
    pub spin_refused: AtomicU64,
}

/// A processor.
pub struct P {
    /// P id (index in `allp`).
    pub id: u32,
    status: AtomicU32,
    /// The M holding this P (null when idle).
    pub m: AtomicPtr<M>,
    /// Link in the idle-P list (under `sched.lock`).
    pub link: AtomicPtr<P>,
    /// Incremented on every scheduler call that starts a new time slice.
    pub schedtick: AtomicU64,
    /// Incremented on every blocking call (sysmon compares it).
    pub syscalltick: AtomicU64,
    /// runnext + the 256-slot ring.
    pub runq: LocalRunQueue<G>,
    /// Gs run from `runnext` in a row on this P, for a policy that caps
    /// them (`Policy::runnext_cap`, tokio's LIFO poll cap); written only by
    /// the holding M, and only under such a policy.
    pub runnext_streak: AtomicU32,
    /// Dead Gs kept for reuse (holding M only).
    gfree: UnsafeCell<LocalGFree<G>>,
    /// Goids handed to this P in batches: next and end (holding M only).
    goidcache: UnsafeCell<(u64, u64)>,
    /// Counters for the summary.
    pub stats: PStats,
    /// This P's timers (Go's `pp.timers`); any M may lock them (to steal
    /// expired timers), interrupts off while held.
    pub timers: IrqMutex<TimerHeap<TimerAction>>,
    /// `when` of the earliest timer, 0 if none: a lock-free peek (Go's
    /// `timer0When`), kept equal to the heap's root under the lock.
    pub timer0_when: AtomicU64,
    /// What sysmon last saw of this P (Go's `sysmontick`).
    pub sysmontick: SysmonTick,
}

/// Sysmon's memory of a P, to tell a long time slice or a long system call
/// from a fresh one. Only sysmon writes it.
#[derive(Default)]
pub struct SysmonTick {
    pub schedtick: AtomicU64,
    pub schedwhen: AtomicU64,
    pub syscalltick: AtomicU64,
    pub syscallwhen: AtomicU64,
}

// SAFETY: the `UnsafeCell` fields are touched only by the M holding the P
// (ownership rule above); everything else is atomic.
unsafe impl Sync for P {}

impl P {
    /// A new idle P.
    pub fn new(id: u32) -> P {
        P {
            id,
            status: AtomicU32::new(Pstatus::Pidle as u32),
            m: AtomicPtr::new(core::ptr::null_mut()),
            link: AtomicPtr::new(core::ptr::null_mut()),
            schedtick: AtomicU64::new(0),
            syscalltick: AtomicU64::new(0),
            runq: LocalRunQueue::new(),
            runnext_streak: AtomicU32::new(0),
            gfree: UnsafeCell::new(LocalGFree::new()),
            goidcache: UnsafeCell::new((0, 0)),
            stats: PStats::default(),
            timers: IrqMutex::new(TimerHeap::new()),
            timer0_when: AtomicU64::new(0),
            sysmontick: SysmonTick::default(),
        }
    }

    /// Current status.
    pub fn status(&self) -> Pstatus {
        Pstatus::from_u32(self.status.load(Ordering::Acquire))
    }

    /// Set the status (holder, or under `sched.lock` for idle Ps).
    pub fn set_status(&self, s: Pstatus) {
        self.status.store(s as u32, Ordering::Release);
    }

    /// Move from `old` to `new` by CAS; false if the status was not `old`.
    pub fn cas_status(&self, old: Pstatus, new: Pstatus) -> bool {
        self.status
            .compare_exchange(old as u32, new as u32, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The free-G list.
    ///
    /// # Safety
    /// Only the M holding this P may call this, and not re-entrantly.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn gfree(&self) -> &mut LocalGFree<G> {
        // SAFETY: the caller holds the P (exclusive access).
        unsafe { &mut *self.gfree.get() }
    }

    /// Free-G list length, for schedtrace (a racy read, as in Go).
    pub fn gfree_len(&self) -> u32 {
        // SAFETY: a racy read of a counter for diagnostics; the list itself
        // is not touched.
        unsafe { (*self.gfree.get()).len() }
    }

    /// Number of timers on this P, for schedtrace.
    pub fn timers_len(&self) -> usize {
        self.timers.try_lock().map_or(0, |t| t.len())
    }

    /// The goid cache `(next, end)`.
    ///
    /// # Safety
    /// As for [`P::gfree`].
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn goidcache(&self) -> &mut (u64, u64) {
        // SAFETY: the caller holds the P.
        unsafe { &mut *self.goidcache.get() }
    }
}

/// What a timer does when it fires.
#[derive(Clone, Copy)]
pub enum TimerAction {
    /// Ready a G parked in `sleep` (Go's `goroutineReady`).
    Ready(&'static G),
    /// Call `f(arg)` on the M running the timers (interrupts off, holding a
    /// P): for runtime-internal timeouts.
    Func(fn(usize), usize),
}
