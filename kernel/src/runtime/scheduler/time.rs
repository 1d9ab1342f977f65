//! Time and timers: `nanotime`, per-P timer heaps and `sleep` (Go's
//! `time.Sleep` on the runtime's timers).
//!
//! Each P owns a 4-ary heap of timers ordered by `when` (Go ≥ 1.14: no timer
//! goroutine). A sleeping G parks with its timer on the P it ran on; the
//! timer later readies it on whichever P runs the timer. Expired timers are
//! run by an M holding a P: its own P's at the top of `findRunnable` and on
//! every timer tick, other Ps' when it steals (the last steal pass). Timers
//! on a P that no M holds are noticed by sysmon, which starts an M to run
//! them, so they fire on time (to within a tick) even with every M parked.
//! A timer never fires early: it runs at the first check at or after its
//! `when`.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::arch::tsc;
use crate::runtime::objects::g::getg;
use crate::runtime::objects::g::{G, WaitReason};
use crate::runtime::objects::p::P;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::park::{gopark, ready};
use crate::sync::IrqMutex;

pub use crate::runtime::objects::p::TimerAction;

/// Nanoseconds since boot (Go's `nanotime`).
pub fn nanotime() -> u64 {
    tsc::nanotime()
}

/// How many Ps have a timer (`timer0_when != 0`): `findRunnable` looks at
/// the Ps' timers, and reads the clock, only when this is non-zero.
static PS_WITH_TIMERS: AtomicU32 = AtomicU32::new(0);

/// Whether any P has a timer (a hint: exact only under the timer locks).
#[inline]
pub fn any_timers() -> bool {
    PS_WITH_TIMERS.load(Ordering::Acquire) != 0
}

/// Refresh the lock-free copy of the earliest `when` (lock held) and the
/// count of Ps with timers. Under the P's timer lock, so each P's
/// transitions between "no timers" and "some" are counted in order.
fn update_timer0(pp: &P, heap: &gmp_sched::timerheap::TimerHeap<TimerAction>) {
    let when = heap.peek_when().unwrap_or(0);
    let was = pp.timer0_when.swap(when, Ordering::AcqRel);
    match (was == 0, when == 0) {
        (true, false) => {
            PS_WITH_TIMERS.fetch_add(1, Ordering::AcqRel);
        }
        (false, true) => {
            PS_WITH_TIMERS.fetch_sub(1, Ordering::AcqRel);
        }
        _ => {}
    }
}

/// After `procresize` moved `from`'s timers to `to` (both heaps locked by
/// the caller): refresh both lock-free copies of their earliest `when`.
pub(crate) fn timers_moved(
    from: &P,
    from_heap: &gmp_sched::timerheap::TimerHeap<TimerAction>,
    to: &P,
    to_heap: &gmp_sched::timerheap::TimerHeap<TimerAction>,
) {
    update_timer0(from, from_heap);
    update_timer0(to, to_heap);
}

/// Add a timer to `pp`. Context: interrupts off or on; takes `pp.timers`.
pub fn addtimer(pp: &P, when: u64, action: TimerAction) {
    let mut t = pp.timers.lock();
    t.add(when.max(1), action);
    update_timer0(pp, &t);
}

/// Run `pp`'s expired timers; returns how many ran (Go's `checkTimers`).
///
/// Context: interrupts off, on an M holding a P (timers ready Gs into that
/// P). `pp` may be another P (stealing timers).
pub fn check_timers(pp: &P, now: u64) -> usize {
    let next = pp.timer0_when.load(Ordering::Acquire);
    if next == 0 || next > now {
        return 0;
    }
    let mut ran = 0;
    loop {
        let mut t = pp.timers.lock();
        let fired = t.pop_expired(now);
        update_timer0(pp, &t);
        drop(t);
        match fired {
            Some((_, TimerAction::Ready(gp))) => {
                observe::timer_fire(gp);
                ready(gp, true)
            }
            Some((_, TimerAction::Func(f, arg))) => f(arg),
            None => return ran,
        }
        ran += 1;
    }
}

/// The earliest timer of any P, 0 if none.
pub fn next_timer_anywhere() -> u64 {
    crate::runtime::objects::sched::allp()
        .iter()
        .map(|pp| pp.timer0_when.load(Ordering::Acquire))
        .filter(|&w| w != 0)
        .min()
        .unwrap_or(0)
}

/// Park the current G for at least `ns` nanoseconds (Go's `time.Sleep`).
/// A non-positive duration returns at once, as in Go.
pub fn sleep(ns: u64) {
    if ns == 0 {
        return;
    }
    let were = crate::arch::cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    let gp = getg().expect("sleep on g0");
    let pp = m.p().expect("sleep: this M holds no P");
    let when = nanotime().saturating_add(ns);
    let mut t = pp.timers.lock();
    t.add(when, TimerAction::Ready(gp));
    update_timer0(pp, &t);
    let _ = t.keep_locked_for_park();
    gopark(
        Some(unlock_timers),
        &pp.timers as *const IrqMutex<_> as *const (),
        WaitReason::Sleep,
    );
    crate::arch::cpu::interrupts_restore(were);
}

fn unlock_timers(_gp: &G, lock: *const ()) -> bool {
    // SAFETY: `lock` is the P's timer lock, kept locked by `sleep` until the
    // G is parked.
    unsafe {
        (*(lock as *const IrqMutex<gmp_sched::timerheap::TimerHeap<TimerAction>>))
            .unlock_after_park()
    };
    true
}
