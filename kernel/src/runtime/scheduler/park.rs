//! Yielding, parking and readying: `gosched`, `gopark`, `goready`.
//!
//! Each switch out of a G goes through `mcall`, so the G's context is saved
//! *before* anything that lets another core see it: `gosched` puts the G on
//! the global queue only from g0, and `gopark`'s unlock function — which
//! releases whatever lock the G waits under, letting a waker `goready` it —
//! runs on g0 after the G is already `Gwaiting` with its context saved
//! (`park_m`, the one named place where such locks are released). A G
//! readied on another core therefore can never be resumed while its own M is
//! still running on its stack.

use core::panic::Location;
use core::sync::atomic::Ordering;

use crate::arch::context::Gobuf;
use crate::arch::cpu;
use crate::runtime::objects::g::{G, Gstatus, WaitReason};
use crate::runtime::objects::m::UnlockFn;
use crate::runtime::objects::sched::SCHED;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::proc;
use crate::sync::{IrqMutex, IrqMutexGuard};
use gmp_sched::trace::StopReason;

/// Yield the processor: the G goes to the *global* queue, as in Go, so
/// another P may pick it up (Go's `Gosched`).
pub fn gosched() {
    yield_through(gosched_m);
}

/// Switch to g0 to run `f` (`gosched_m` or `goyield_m`), from a G with
/// interrupts in either state; they are as they were when the G resumes.
fn yield_through(f: extern "C" fn(*mut Gobuf) -> !) {
    let were = cpu::interrupts_disable_save();
    proc::mcall(f);
    cpu::interrupts_restore(were);
}

extern "C" fn gosched_m(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the running G (Gobuf first).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    gp.casgstatus(Gstatus::Grunning, Gstatus::Grunnable);
    proc::dropg(m, gp);
    if let Some(wm) = gp.wired_m() {
        observe::go_stop(gp, StopReason::Yield);
        crate::runtime::scheduler::wire::requeue(gp, wm);
        proc::schedule()
    }
    if observe::observed() {
        observe::go_stop(gp, StopReason::Yield);
        observe::enqueue(gp, gmp_sched::trace::Queue::Global);
    }
    crate::runtime::scheduler::queues::globrunqput_untraced(gp);
    if SCHED.main_started.load(Ordering::Relaxed) {
        proc::wakep();
    }
    proc::schedule()
}

/// Park the current G with `reason`. After the G is switched out, on g0,
/// `unlockf(gp, lock)` runs; if it returns false the park is aborted and the
/// G resumes at once. Someone must later [`goready`] the G.
#[track_caller]
pub fn gopark(unlockf: Option<UnlockFn>, lock: *const (), reason: WaitReason) {
    let were = cpu::interrupts_disable_save();
    park_irqs_off(unlockf, lock, reason);
    cpu::interrupts_restore(were);
}

/// [`gopark`] with interrupts already off (they stay off). The caller's
/// location is kept as the G's park site, for its history.
#[inline]
#[track_caller]
fn park_irqs_off(unlockf: Option<UnlockFn>, lock: *const (), reason: WaitReason) {
    let m = crate::runtime::objects::m::this_m();
    let gp = m.curg().expect("gopark on g0");
    gp.set_waitreason(reason);
    if crate::runtime::objects::ghistory::History::ENABLED {
        gp.set_park_site(Location::caller());
    }
    m.set_waitunlock(unlockf.map(|f| (f, lock)));
    proc::mcall_on(m, gp, park_m);
}

extern "C" fn park_m(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the running G (Gobuf first).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    observe::go_block(gp);
    // Raw TSC: one instruction on the park path; a dump converts it.
    gp.waitsince.store(cpu::rdtsc(), Ordering::Relaxed);
    gp.casgstatus_at(Gstatus::Grunning, Gstatus::Gwaiting, gp.park_site());
    proc::dropg(m, gp);
    if let Some((unlockf, lock)) = m.take_waitunlock()
        && !unlockf(gp, lock)
    {
        gp.casgstatus(Gstatus::Gwaiting, Gstatus::Grunnable);
        proc::execute_now(gp);
    }
    proc::schedule()
}

/// Park the current G while `guard` (of `lock`) is held; the lock is
/// released on g0 once the G is switched out (Go's `goparkunlock`). A waker
/// that needs the lock therefore always finds the G fully parked.
#[inline]
#[track_caller]
pub fn goparkunlock<T>(lock: &IrqMutex<T>, guard: IrqMutexGuard<'_, T>, reason: WaitReason) {
    let were = guard.keep_locked_for_park();
    // The kept lock holds interrupts off: park without saving the flag again.
    park_irqs_off(
        Some(unlock_irqmutex::<T>),
        lock as *const IrqMutex<T> as *const (),
        reason,
    );
    cpu::interrupts_restore(were);
}

fn unlock_irqmutex<T>(_gp: &G, lock: *const ()) -> bool {
    // SAFETY: `lock` is the IrqMutex that `goparkunlock` kept locked for
    // this park; its guard is gone.
    unsafe { (*(lock as *const IrqMutex<T>)).unlock_after_park() };
    true
}

/// Yield, but stay on this P: the G goes to the tail of the local queue
/// (Go's `goyield`, used after a semaphore hand-off so the woken waiter runs
/// next).
pub fn goyield() {
    yield_through(goyield_m);
}

extern "C" fn goyield_m(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the running G (Gobuf first).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    observe::go_stop(gp, StopReason::YieldLocal);
    gp.casgstatus(Gstatus::Grunning, Gstatus::Grunnable);
    proc::dropg(m, gp);
    if let Some(wm) = gp.wired_m() {
        crate::runtime::scheduler::wire::requeue(gp, wm);
        proc::schedule()
    }
    let pp = m.p().expect("goyield without a P");
    proc::runqput(pp, gp, false);
    proc::schedule()
}

/// Make a parked G runnable: into this P's `runnext` (it runs next here,
/// inheriting the time slice), then `wakep` (Go's `goready`).
///
/// Context: any G, or g0/interrupt context of an M holding a P.
#[inline]
#[track_caller]
pub fn goready(gp: &'static G) {
    let were = cpu::interrupts_disable_save();
    ready(gp, true);
    cpu::interrupts_restore(were);
}

/// Go's `ready`. Context: interrupts off, holding a P. The caller's
/// location goes into the G's history as the one who readied it.
#[inline]
#[track_caller]
pub(crate) fn ready(gp: &'static G, next: bool) {
    if let Some(wm) = gp.wired_m() {
        return crate::runtime::scheduler::wire::ready_wired(gp, wm);
    }
    let pp = crate::runtime::objects::m::this_m()
        .p()
        .expect("ready: this M holds no P");
    observe::go_unblock(gp);
    gp.casgstatus(Gstatus::Gwaiting, Gstatus::Grunnable);
    proc::runqput(pp, gp, next);
    proc::wakep();
}
