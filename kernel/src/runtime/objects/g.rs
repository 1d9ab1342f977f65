//! G — a goroutine: a function, its own stack and its saved context.
//!
//! # Status as an ownership rule
//! A G's status says who may touch it; every change goes through
//! [`G::casgstatus`], which panics with a distinct message when the G is not
//! in the state the caller's hand-off assumes (Go's `casgstatus` throw).
//!
//! | status | stack | on a queue? | M | who owns the G |
//! |---|---|---|---|---|
//! | `Gidle` | allocated, not yet used | no | none | the M creating it |
//! | `Grunnable` | holds a saved context, not running | exactly one run queue (runnext, a local ring, the global queue) or a steal batch in flight | none | whoever takes it off that queue |
//! | `Grunning` | in use by its M | no | exactly one (`gp.m`, and that M's `curg` is `gp`) | that M |
//! | `Gsyscall` | in use by its M | no | exactly one, which has given up its P | that M |
//! | `Gwaiting` | holds a saved context | no; recorded in exactly one wait structure (a channel's queue, a timer, a semaphore) | none | whoever readies it (`goready`) |
//! | `Gdead` | kept for reuse | on a free list (per-P or global) | none | the free list's owner |
//!
//! A G therefore can never run on two Ms (only the M that moved it to
//! `Grunning` may run it) and a runnable G is on exactly one queue (it
//! enters `Grunnable` only when it is put on one, and leaves it only when
//! taken off).
//!
//! The context (`sched`, a [`Gobuf`]) is the first field so that a `*mut G`
//! is also the `*mut Gobuf` the switch primitives take.

use core::cell::UnsafeCell;
use core::panic::Location;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};

use gmp_sched::glist::SchedLink;

use crate::arch::context::Gobuf;
use crate::arch::{percpu, tsc};
use crate::mem::stack::Stack;
use crate::runtime::objects::m::M;

pub use crate::runtime::objects::ghistory::History;

gmp_sched::named_enum! {
    /// Go's G status values (the numbers match `runtime2.go`, so schedtrace
    /// detail lines read the same) and Go's names for them.
    pub enum Gstatus: u32 {
        Gidle = 0 => "idle",
        Grunnable = 1 => "runnable",
        Grunning = 2 => "running",
        Gsyscall = 3 => "syscall",
        Gwaiting = 4 => "waiting",
        Gdead = 6 => "dead",
    }
}

impl Gstatus {
    /// The status stored as `v`; anything else is a corrupt G.
    pub(crate) fn from_u32(v: u32) -> Gstatus {
        Gstatus::from_repr(v).unwrap_or_else(|| panic!("corrupt G status {v}"))
    }

    /// Go's name for the status.
    pub fn name(self) -> &'static str {
        self.as_str()
    }
}

/// Why a G is waiting (Go's `waitReason`), shown by deadlock reports,
/// scheddetail and the trace: one table, shared with the runner.
pub use gmp_sched::waitreason::WaitReason;

/// The function a new G runs: a monomorphised caller and the closure it
/// reads (which lives at the top of the G's own stack, see `newproc`).
#[derive(Clone, Copy)]
pub struct Entry {
    pub call: unsafe fn(*mut u8),
    pub data: *mut u8,
}

/// A goroutine.
#[repr(C)]
pub struct G {
    /// Saved context; must stay first (see module docs).
    pub(crate) sched: UnsafeCell<Gobuf>,
    /// Link for run queues and free lists (Go's `schedlink`).
    schedlink: AtomicPtr<G>,
    /// Goroutine id (0 while dead).
    goid: AtomicU64,
    atomicstatus: AtomicU32,
    waitreason: AtomicU8,
    /// Set by sysmon to ask a running G to yield at its next check.
    pub preempt: AtomicBool,
    /// The M running this G (null unless `Grunning`/`Gsyscall`).
    pub m: AtomicPtr<M>,
    /// The G's stack; fixed for the G's lifetime (reused with the G).
    pub stack: Stack,
    /// Index of the stack's slot in the G-stack region.
    pub stack_slot: usize,
    /// What a fresh G runs; taken by the G itself when it starts.
    entry: UnsafeCell<Option<Entry>>,
    /// Value handed over by whoever readies the G (Go's `param`): the
    /// sudog that completed a channel operation, or a semaphore ticket.
    pub param: AtomicU64,
    /// Set by the one waker that wins a blocked `select` (Go's
    /// `selectDone`); the others leave the G alone.
    pub select_done: AtomicBool,
    /// Where the G's current park was asked for (the `gopark` caller),
    /// recorded by `park_m` as the site of the move to `Gwaiting`.
    park_site: AtomicPtr<Location<'static>>,
    /// The last status changes (see [`History`]).
    history: History,
    /// The M this G is wired to (`runtime::wire`), null if none.
    pub(crate) wired_m: AtomicPtr<M>,
    /// Latency and CPU-time stamps of `tracking=on` (`runtime::tracking`).
    pub track: GTrack,
    /// The goid of the G whose `go` created this one, 0 for the runtime
    /// (Go's `parentGoid`; `ps` shows it).
    pub parent_goid: AtomicU64,
    /// The return address of the `go` call that created this G (Go's
    /// `gopc`): a dump's `created by` line names its function and line.
    pub gopc: AtomicU64,
    /// The TSC when the G last parked (Go's `waitsince`): a dump's header
    /// shows the whole minutes it has waited since.
    pub waitsince: AtomicU64,
}

// SAFETY: every field is either atomic or (`sched`, `entry`) touched only by
// the G's current owner as defined by its status (module docs).
unsafe impl Sync for G {}
// SAFETY: as above; Gs move between cores by design.
unsafe impl Send for G {}

// SAFETY: `schedlink` is the G's only link field and lives as long as the G.
unsafe impl SchedLink for G {
    fn schedlink(&self) -> &AtomicPtr<G> {
        &self.schedlink
    }
}

/// The word at the very top of every G stack (see [`G::canary_ok`]).
pub const STACK_CANARY: u64 = 0x6770_6d2d_6361_6e79; // "gpm-cany"

impl G {
    /// A new `Gidle` G on `stack`.
    pub fn new(stack: Stack, stack_slot: usize) -> G {
        G {
            sched: UnsafeCell::new(Gobuf::default()),
            schedlink: AtomicPtr::new(core::ptr::null_mut()),
            goid: AtomicU64::new(0),
            atomicstatus: AtomicU32::new(Gstatus::Gidle as u32),
            waitreason: AtomicU8::new(0),
            preempt: AtomicBool::new(false),
            m: AtomicPtr::new(core::ptr::null_mut()),
            stack,
            stack_slot,
            entry: UnsafeCell::new(None),
            param: AtomicU64::new(0),
            select_done: AtomicBool::new(false),
            park_site: AtomicPtr::new(core::ptr::null_mut()),
            history: History::new(),
            wired_m: AtomicPtr::new(core::ptr::null_mut()),
            track: Default::default(),
            parent_goid: AtomicU64::new(0),
            gopc: AtomicU64::new(0),
            waitsince: AtomicU64::new(0),
        }
    }

    /// Address of the stack canary: the top word of the stack. Stacks sit
    /// in ascending slots, each above its guard page, so an overflow that
    /// jumps over a G's guard page (a frame bigger than a page) lands at the
    /// top of the stack *below* — on its canary. (The bottom end of a stack
    /// is not mapped until used, so a canary there would cost a page per G.)
    pub fn canary_addr(&self) -> u64 {
        self.stack.top.as_u64() - 8
    }

    /// Write the canary (when the G is set up).
    pub(crate) fn set_canary(&self) {
        // SAFETY: the top page of the stack is always mapped and the word is
        // reserved by `newproc1` (never used for the closure or frames).
        unsafe { core::ptr::write_volatile(self.canary_addr() as *mut u64, STACK_CANARY) };
    }

    /// Whether the canary is intact.
    pub fn canary_ok(&self) -> bool {
        // SAFETY: as in `set_canary`.
        unsafe { core::ptr::read_volatile(self.canary_addr() as *const u64) == STACK_CANARY }
    }

    /// Goroutine id.
    pub fn goid(&self) -> u64 {
        self.goid.load(Ordering::Relaxed)
    }

    pub(crate) fn set_goid(&self, goid: u64) {
        self.goid.store(goid, Ordering::Relaxed);
    }

    /// Current status.
    pub fn status(&self) -> Gstatus {
        Gstatus::from_u32(self.atomicstatus.load(Ordering::Acquire))
    }

    /// Move from `old` to `new`, or panic naming the G and both states:
    /// a failed hand-off is a scheduler bug, never a case to handle.
    ///
    /// A hand-off move (parked, readied, created, exited) is recorded in the
    /// G's [`History`] with the caller's source location: the entry points
    /// that hand a G over (`goready`, `ready`, the park functions) are
    /// `#[track_caller]`, so the location names who readied or parked the
    /// G, not the scheduler line that did it.
    #[track_caller]
    #[inline]
    pub fn casgstatus(&self, old: Gstatus, new: Gstatus) {
        self.casgstatus_at(old, new, Location::caller());
    }

    /// [`casgstatus`](Self::casgstatus) recording `site` as the place that
    /// asked for the move.
    #[track_caller]
    #[inline]
    pub fn casgstatus_at(&self, old: Gstatus, new: Gstatus, site: &'static Location<'static>) {
        if let Err(actual) = self.atomicstatus.compare_exchange(
            old as u32,
            new as u32,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            self.bad_casgstatus(actual, old, new, site);
        }
        if History::ENABLED && History::worth_recording(old, new) {
            self.history.record(new, site);
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn bad_casgstatus(
        &self,
        actual: u32,
        old: Gstatus,
        new: Gstatus,
        site: &'static Location<'static>,
    ) -> ! {
        panic!(
            "casgstatus: G{} is {}, expected {} for the move to {} (asked at {}:{})\n{}",
            self.goid(),
            Gstatus::from_u32(actual).name(),
            old.name(),
            new.name(),
            site.file(),
            site.line(),
            self.history
        );
    }

    /// Remember where the park being entered was asked for (see
    /// [`G::park_site`]).
    #[inline]
    pub(crate) fn set_park_site(&self, site: &'static Location<'static>) {
        self.park_site.store(
            site as *const Location<'static> as *mut _,
            Ordering::Relaxed,
        );
    }

    /// Where the current park was asked for.
    #[inline]
    #[track_caller]
    pub(crate) fn park_site(&self) -> &'static Location<'static> {
        let site = self.park_site.load(Ordering::Relaxed);
        // SAFETY: only `&'static Location`s are stored; null before the
        // first park, when the caller's own location stands in.
        unsafe { site.as_ref() }.unwrap_or(Location::caller())
    }

    /// The M this G is wired to, if any (`runtime::wire`).
    #[inline]
    pub fn wired_m(&self) -> Option<&'static M> {
        let m = self.wired_m.load(Ordering::Relaxed);
        // SAFETY: Ms are static.
        unsafe { m.as_ref() }
    }

    /// The G's last status changes.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Why the G waits (meaningful while `Gwaiting`).
    pub fn waitreason(&self) -> WaitReason {
        WaitReason::from_u8(self.waitreason.load(Ordering::Relaxed))
    }

    pub(crate) fn set_waitreason(&self, r: WaitReason) {
        self.waitreason.store(r as u8, Ordering::Relaxed);
    }

    /// The saved context.
    pub(crate) fn gobuf(&self) -> *mut Gobuf {
        self.sched.get()
    }

    /// Install what the G will run. Owner only (`Gidle`/`Gdead` being reused).
    pub(crate) fn set_entry(&self, e: Entry) {
        // SAFETY: only the creating M touches a G that is not yet runnable.
        unsafe { *self.entry.get() = Some(e) };
    }

    /// Take the entry; called by the G itself as it starts.
    pub(crate) fn take_entry(&self) -> Option<Entry> {
        // SAFETY: the running G owns itself.
        unsafe { (*self.entry.get()).take() }
    }
}

/// The running G (Go's `getg()`), `None` on g0. Safe with interrupts on:
/// the answer is right even if the G is preempted and moved to another core
/// while it asks.
///
/// # The race this must not have (torture, 2026-12-02)
/// `getg` used to be `this_m().curg()`: load this core's M, then load that
/// M's `curg`. Step by step, with G1 running on M3 with interrupts on:
/// 1. G1 loads `gs:[0]`: M3.
/// 2. The APIC timer (sysmon's `preemptone`) interrupts M3 between the two
///    loads; `gopreempt_m` puts G1 on the global queue; M3 goes on to run
///    G2 (M3.curg = G2).
/// 3. M5 takes G1 from the global queue and resumes it.
/// 4. G1, now on M5, loads M3.curg: **G2**.
///
/// `Semaphore::acquire` (under every contended `Mutex`) asked `getg` for
/// the waiter to queue, so it queued G2 and then parked G1 — G1 was lost,
/// and the unlock that followed readied G2 wherever G2 was: running
/// ("casgstatus: G is running, expected waiting"), waiting on a channel (a
/// spurious wake-up that left its sudog queued, so it was readied again
/// later), or dead ("G0 is dead, expected waiting"). When step 2 left M3
/// on g0, `getg` answered "none": "semacquire on g0". Only asynchronous
/// preemption can stop a G between two instructions, which is why
/// `preempt=coop` never failed. The fix reads `curg` with one instruction
/// (`percpu::this_curg`): a preemption then falls before or after it, and
/// either way the load runs on the core that is running this G. The
/// regression test is the `test-getg` workload (tests/runtime.rs), which
/// failed within a second before the fix.
#[inline]
pub(crate) fn getg() -> Option<&'static G> {
    // SAFETY: a non-null `curg` is a live G (Gs are never freed).
    unsafe { (percpu::this_curg() as *const G).as_ref() }
}

/// A G's accounting for `tracking=on` (a field of every G; written only by
/// `diag::tracking`, with tracking on).
#[derive(Default)]
pub struct GTrack {
    /// TSC when the G last became runnable; 0: not waiting to run.
    pub(crate) runnable_since: AtomicU64,
    /// TSC when the G last started running.
    pub(crate) running_since: AtomicU64,
    /// TSC ticks spent in `_Grunning` so far.
    pub(crate) cputicks: AtomicU64,
    /// [`Cause`] of the current runnable spell.
    pub(crate) cause: AtomicU8,
    /// Under lockstep: the clock (TSC ticks of the core it was on) at which
    /// the G last became runnable. A core that starts it later is moved on
    /// to at least this time (`arch::lockstep::not_before`): a G never runs
    /// before it could have.
    pub(crate) ready_clock: AtomicU64,
    /// 1 + the id of the P the G last started on; 0: not started since it
    /// was created (a G starting on another P is a migration).
    pub(crate) last_p: AtomicU32,
}

impl GTrack {
    /// Nanoseconds this G has spent running (up to its last switch out).
    pub fn cputime_ns(&self) -> u64 {
        tsc::ticks_to_ns(self.cputicks.load(Ordering::Relaxed))
    }
}
