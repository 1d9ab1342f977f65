//! The scheduling loop: `schedule` → `findRunnable` → `execute`, and the
//! machinery that parks and wakes Ms.
//!
//! # Overview (Go's proc.go, on bare metal)
//! Every core is an M. An M needs a P to run Gs; there are `procs` Ps
//! (GOMAXPROCS). Each P has a local run queue (`runnext` plus a 256-slot
//! lock-free ring); overflow goes to the global queue under `sched.lock`.
//! An M with a P loops in [`schedule`]: find a runnable G
//! ([`find_runnable`]), then [`execute`] it with a raw context switch. The
//! G runs until it yields, parks, exits (or, with preemption, is
//! interrupted); each of those enters the scheduler through `mcall`, on the
//! M's g0 stack — scheduler code never runs on a G's stack once that G may
//! be run by another M.
//!
//! # Input: the netpoller
//! A G waiting for console input is on no run queue: it is parked in the
//! netpoller (`netpoll`). `findRunnable` asks the poller after the local
//! and global queues and before stealing (one load when no input is
//! pending); sysmon asks when input has waited 10 ms; and the last M to
//! park while a G waits points COM1's interrupt at its own core, so a
//! keystroke wakes a halted core directly.
//!
//! # Spinning and parking
//! An M that finds no local or global work *spins*: it tries to steal from
//! other Ps. At most half of the busy Ps may have a spinning M
//! (`2*nmspinning < gomaxprocs - npidle`). New work (`go`, `goready`) calls
//! [`wakep`], which starts one more spinning M only if none spins and a P
//! is idle; when a spinning M finds work it stops spinning and, if it was the
//! last spinner, calls `wakep` itself ([`resetspinning`]) — so parallelism
//! ramps up one M at a time instead of in a thundering herd. An M that finds
//! nothing at all releases its P to the idle list, drops its spinning state,
//! re-checks every run queue (the "delicate dance": work submitted between
//! its last check and the drop would otherwise be missed by everyone), then
//! parks in [`stopm`]: its core halts with interrupts on until [`startm`]
//! hands it a P and sends a wake IPI. Idle cores burn no CPU.
//!
//! # Contexts
//! Everything here runs with interrupts disabled: on g0 (where interrupts
//! are always off) or on a G that disabled them around the call. That is what
//! makes the P's single-producer queue safe from interrupt handlers on the
//! same core and what keeps a half-switched G from being preempted.

use core::sync::atomic::Ordering;

use gmp_sched::findrunnable;

use crate::arch::context::{self, Gobuf};
use crate::arch::{cpu, percpu};
use crate::runtime::objects::g::{G, Gstatus};
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::sched::{self, SCHED, allp};
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::time;

// The scheduler's parts, by concept (each file opens with its design note):
// the run queues, stealing, and spinning/parking Ms; re-exported here so
// the rest of the runtime names them as Go's proc.go does.
use crate::runtime::scheduler::mpark::{become_spinning, check_runqs_no_p, resetspinning, stopm};
pub(crate) use crate::runtime::scheduler::mpark::{
    startm, stopm_then_schedule, wakep, wakep_for_timers,
};
use crate::runtime::scheduler::queues::{glob_batch_max, globrunqget};
pub(crate) use crate::runtime::scheduler::queues::{globrunqput, runqput};
use crate::runtime::scheduler::steal::Finder;
pub use crate::runtime::scheduler::steal::{init_steal_order, steal_order};

/// Run `f(gp)` on this M's g0 after saving the current G's context.
///
/// Context: on a G, interrupts off. Returns when the G is resumed.
pub(crate) fn mcall(f: extern "C" fn(*mut Gobuf) -> !) {
    debug_assert!(!cpu::interrupts_enabled(), "mcall with interrupts on");
    let gp = getg().expect("mcall on g0");
    let g0 = percpu::this_g0_stack_top();
    // SAFETY: interrupts are off; `gp` is this M's running G (so we own its
    // context); g0's stack has no live frames while a G runs on this M.
    unsafe { context::mcall(gp.gobuf(), f, g0) };
}

/// [`mcall`] for a caller that already holds its M and G (`gp` must be
/// `m`'s running G): saves the two loads and the check.
///
/// Context: on `gp`, interrupts off. Returns when the G is resumed.
#[inline]
pub(crate) fn mcall_on(m: &M, gp: &G, f: extern "C" fn(*mut Gobuf) -> !) {
    debug_assert!(!cpu::interrupts_enabled(), "mcall with interrupts on");
    debug_assert!(m.runs(gp), "mcall_on: not the running G");
    let g0 = m.g0_stack_top.load(Ordering::Relaxed);
    // SAFETY: as in `mcall`: interrupts are off, `gp` is this M's running G
    // (the caller took it from `m.curg`), g0's stack is free.
    unsafe { context::mcall(gp.gobuf(), f, g0) };
}

use crate::runtime::objects::g::getg;

// ----- the loop --------------------------------------------------------------

/// Find a runnable G, parking this M while there is none (Go's
/// `findRunnable`). Returns with a P held.
///
/// Context: g0, interrupts off, holding a P.
fn find_runnable(m: &'static M) -> (&'static G, bool, &'static P) {
    let mut first = true;
    loop {
        if !first && SCHED.gcwaiting.load(Ordering::SeqCst) {
            // A stop began while this M looked for work (Go's findRunnable
            // `top:` check): give the P up until the world restarts.
            crate::runtime::scheduler::stw::gcstopm(m);
        }
        first = false;
        let pp = m.p().expect("findRunnable without a P");
        // Run due timers first (they may ready Gs into this P). Unlike Go,
        // which runs other Ps' timers only while stealing, every due timer
        // is run here: an idle P's timers then never wait for a spinner.
        // The Ps (and the clock) are looked at only when some P has a timer.
        if time::any_timers() {
            let now = time::nanotime();
            for p2 in allp() {
                time::check_timers(p2, now);
            }
        }
        if let Some((gp, inherit, source)) = findrunnable::find_runnable(&mut Finder { m, pp }) {
            let _ = source;
            return (gp, inherit, pp);
        }

        // Step 6: nothing found. Give the P back, re-check, park.
        let mut s = sched::lock();
        if SCHED.runqsize.load(Ordering::Acquire) != 0 {
            drop(s);
            if let Some(gp) = globrunqget(pp, glob_batch_max()) {
                return (gp, false, pp);
            }
            continue;
        }
        if !m.spinning.load(Ordering::Relaxed) && SCHED.needspinning.load(Ordering::Acquire) == 1 {
            drop(s);
            become_spinning(m);
            continue;
        }
        let released = releasep(m);
        s.pidleput_or_gcstop(released);
        drop(s);

        if m.spinning.load(Ordering::Relaxed) {
            // The P is idle and this M still counted as a spinner: a
            // `wakep` now (after a `globrunqput`, say) wakes nobody, trusting
            // this M to find the G — see the re-check below.
            observe::chaos_at_point();
            m.spinning.store(false, Ordering::Relaxed);
            crate::runtime::scheduler::mpark::spun_in_vain(m);
            let prev = SCHED.nmspinning.fetch_sub(1, Ordering::SeqCst);
            assert!(prev > 0, "findRunnable: negative nmspinning");
            // No spinner counted, the queues not yet looked at again: a G
            // readied now must be found by the look below.
            observe::chaos_at_point();
            // The delicate dance: nmspinning dropped first (SeqCst above is
            // the StoreLoad barrier), now look at every queue once more —
            // the global one first: a `globrunqput` + `wakep` made while
            // this M was still counted woke nobody (a G left on a wired
            // core's P hung here: `test-wire-drain`).
            // Under the lock, as Go does: a `globrunqput` after our drop
            // of the P ran under it too, so either we see its G here or its
            // `wakep`, after its unlock, sees our decrement.
            let mut s = sched::lock();
            if SCHED.runqsize.load(Ordering::Acquire) != 0
                && let Some(pp) = s.pidleget_spinning()
            {
                drop(s);
                acquirep(m, pp);
                become_spinning(m);
                continue;
            }
            drop(s);
            if let Some(pp) = check_runqs_no_p() {
                acquirep(m, pp);
                become_spinning(m);
                continue;
            }
        }
        // Input arrived for a waiting G (COM1's interrupt may have found no
        // idle P a moment ago): take a P back and poll instead of parking.
        // Otherwise COM1's line now points at this core (Go's M blocking in
        // netpoll): the keystroke wakes it.
        if crate::runtime::scheduler::netpoll::recheck_before_park(m) {
            let pp = sched::lock().pidleget();
            if let Some(pp) = pp {
                acquirep(m, pp);
                continue;
            }
        }
        // A timer due somewhere: take a P back and run it instead of parking.
        let next = time::next_timer_anywhere();
        if next != 0 && next <= time::nanotime() {
            let pp = sched::lock().pidleget();
            if let Some(pp) = pp {
                acquirep(m, pp);
                continue;
            }
        }
        stopm(m);
    }
}

/// One round of scheduling: find a G and run it. Never returns.
///
/// Context: g0, interrupts off, holding a P.
pub fn schedule() -> ! {
    let m = crate::runtime::objects::m::this_m();
    // The M's own invariants, checked in the dev kernel that `cargo run`
    // and `cargo test` boot (the release kernel that `bench` measures
    // leaves them out; the hand-off checks — casgstatus, acquirep — stay
    // in every build).
    debug_assert!(
        m.locks.load(Ordering::Relaxed) == 0,
        "schedule: M{} holding locks",
        m.id
    );
    debug_assert!(
        m.curg().is_none(),
        "schedule: M{} still has a current G",
        m.id
    );
    debug_assert!(
        !m.spinning.load(Ordering::Relaxed) || m.p().is_some_and(|pp| pp.runq.runqempty()),
        "schedule: M{} spinning with local work",
        m.id
    );
    // Anything special on this core? (One load: a frame reserve to refill,
    // a wired G, a stop-the-world.)
    if m.cpu.attention.load(Ordering::Relaxed) != 0 {
        // Keep frames ready for this core's G-stack faults (no lock is held).
        crate::mem::gstack::refill_this_cpu(&m.cpu);
        if !m.wiredg.load(Ordering::Relaxed).is_null() {
            // A wired M keeps its P even through a stop (it stops in place
            // inside `wait_for_wired`).
            let gp = crate::runtime::scheduler::wire::wait_for_wired(m);
            execute(m, m.p().expect("a wired M keeps its P"), gp, false)
        }
        if SCHED.gcwaiting.load(Ordering::SeqCst) {
            // The world is stopping: give the P up until it restarts.
            crate::runtime::scheduler::stw::gcstopm(m);
        }
    }
    let (gp, inherit_time, pp) = find_runnable(m);
    if m.spinning.load(Ordering::Relaxed) {
        resetspinning(m);
    }
    execute(m, pp, gp, inherit_time)
}

/// Run `gp` on this M (Go's `execute`): a new time slice unless inherited.
#[inline(always)]
fn execute(m: &'static M, pp: &'static P, gp: &'static G, inherit_time: bool) -> ! {
    debug_assert!(
        m.p().is_some_and(|p| core::ptr::eq(p, pp)),
        "execute: M{} does not hold P{}",
        m.id,
        pp.id
    );
    // A wired G is never on a run queue (`runtime::wire`), so only a bug
    // brings it here for another M: checked in the dev kernel.
    if cfg!(debug_assertions)
        && let Some(wm) = gp.wired_m()
        && !core::ptr::eq(wm, m)
    {
        wired_elsewhere(m, gp, wm);
    }
    check_stack(gp);
    m.set_curg(Some(gp));
    gp.m.store(m as *const M as *mut M, Ordering::Relaxed);
    gp.casgstatus(Gstatus::Grunnable, Gstatus::Grunning);
    gp.preempt.store(false, Ordering::Relaxed);
    if !inherit_time {
        pp.schedtick.fetch_add(1, Ordering::Relaxed);
    }
    pp.stats.gs_run.fetch_add(1, Ordering::Relaxed);
    observe::go_start(gp);
    // SAFETY: `gp` is now this M's running G; its context was saved by mcall
    // or built by newproc, and its stack belongs to no other M.
    unsafe { context::gogo(gp.gobuf()) }
}

#[cold]
#[inline(never)]
fn wired_elsewhere(m: &M, gp: &G, wm: &M) -> ! {
    panic!(
        "execute: G{} is wired to M{} but was about to run on M{}",
        gp.goid(),
        wm.id,
        m.id
    );
}

/// Resume `gp` immediately, keeping the time slice (used when a park is
/// aborted by its unlock function).
#[inline(never)]
pub(crate) fn execute_now(gp: &'static G) -> ! {
    let m = crate::runtime::objects::m::this_m();
    execute(m, m.p().expect("execute without a P"), gp, true)
}

/// Panic if `gp`'s stack canary was overwritten, naming the G and the
/// likely culprit (the G whose stack sits just above it in memory).
#[inline]
pub(crate) fn check_stack(gp: &G) {
    if !gp.canary_ok() {
        stack_smashed(gp);
    }
}

#[cold]
#[inline(never)]
fn stack_smashed(gp: &G) -> ! {
    let addr = gp.canary_addr();
    // SAFETY: the canary word is mapped (top page of the stack).
    let found = unsafe { core::ptr::read_volatile(addr as *const u64) };
    let above = crate::mem::gstack::slot_of(gp.stack.top.as_u64() + 4096 + 8)
        .and_then(|(slot, _, _)| crate::runtime::objects::allg::by_stack_slot(slot))
        .map_or(alloc::string::String::from("no G"), |g| match g.goid() {
            0 => alloc::string::String::from("a dead G"),
            id => alloc::format!("G{id}"),
        });
    panic!(
        "stack canary of G{} smashed: the word at {addr:#x} (top of its stack [{:#x}, {:#x})) is {found:#x}; \
         a stack overflow jumped a guard page (the stack just above belongs to {above})",
        gp.goid(),
        gp.stack.bottom.as_u64(),
        gp.stack.top.as_u64()
    );
}

/// Forget the current G (Go's `dropg`). (Its stack canary is checked when
/// it next runs, in `execute`, before anything runs on that stack again.)
#[inline]
pub(crate) fn dropg(m: &M, gp: &G) {
    gp.m.store(core::ptr::null_mut(), Ordering::Relaxed);
    m.set_curg(None);
}

/// Enter the scheduler on this M for the first time, at the top of its g0
/// stack (Go's `mstart`). An M with a P schedules; one without parks.
pub fn mstart() -> ! {
    cpu::interrupts_disable();
    let m = crate::runtime::objects::m::this_m();
    let mut discard = Gobuf::default();
    let g0 = m.g0_stack_top.load(Ordering::Relaxed);
    // SAFETY: interrupts are off; `discard` is never resumed (mstart0 never
    // returns), and g0's stack is unused until now.
    unsafe { context::mcall(&mut discard, mstart0, g0) };
    unreachable!("mstart0 returned")
}

extern "C" fn mstart0(_discard: *mut Gobuf) -> ! {
    let m = crate::runtime::objects::m::this_m();
    crate::arch::timer::start_this_cpu();
    if m.p.load(Ordering::Relaxed).is_null() {
        stopm(m);
    }
    schedule()
}

// ----- P ownership -----------------------------------------------------------

/// Associate `pp` with this M (Go's `acquirep`).
///
/// Context: interrupts off; `pp` was taken off the idle list (or handed over
/// by `startm`) and is owned by no M.
pub(crate) fn acquirep(m: &'static M, pp: &'static P) {
    assert!(
        m.p.load(Ordering::Relaxed).is_null(),
        "acquirep: M{} already holds a P",
        m.id
    );
    let prev = pp.m.swap(m as *const M as *mut M, Ordering::AcqRel);
    assert!(
        prev.is_null(),
        "acquirep: P{} already held by another M",
        pp.id
    );
    assert!(
        pp.status() == Pstatus::Pidle,
        "acquirep: P{} is not idle ({:?})",
        pp.id,
        pp.status()
    );
    pp.set_status(Pstatus::Prunning);
    m.p.store(pp as *const P as *mut P, Ordering::Release);
    observe::proc_start();
}

/// Disassociate this M from its P (Go's `releasep`).
pub(crate) fn releasep(m: &'static M) -> &'static P {
    let pp = m.p().expect("releasep: M holds no P");
    assert!(
        core::ptr::eq(pp.m.load(Ordering::Relaxed), m),
        "releasep: P{} is not held by M{}",
        pp.id,
        m.id
    );
    observe::proc_stop(pp.id);
    pp.m.store(core::ptr::null_mut(), Ordering::Release);
    m.p.store(core::ptr::null_mut(), Ordering::Release);
    pp.set_status(Pstatus::Pidle);
    pp
}
