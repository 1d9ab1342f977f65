//! Blocking calls "outside Go": `entersyscall` / `exitsyscall`.
//!
//! A G that blocks in something the scheduler cannot see (a device, a long
//! computation declared as such) keeps its M but lets go of its P: the P
//! enters `Psyscall` with no M. If the call lasts past a sysmon tick and
//! there is other work, sysmon's `retake` takes the P and hands it to a
//! parked M (`handoffp`) — which needs a spare core, i.e. `procs` below the
//! core count. On the way back `exitsyscall` takes the old P if it is still
//! free, else any idle P; failing both, the G goes to the global queue and
//! its M parks.
//!
//! A stop-the-world takes a `Psyscall` P directly (or `entersyscall` stops
//! it, if the stop began first). A G returning while the world is stopping
//! or stopped waits at the door of `exitsyscall` until it restarts — still
//! "outside Go", its status `Gsyscall`. (Go lets it go on, queue itself and
//! park its M; waiting keeps a stopped world exactly still, which the
//! torture checker relies on.) The door is a Dekker pair: the returning M
//! sets its `EXITING` flag and then looks at `gcwaiting`; the stopper sets
//! `gcwaiting` and, once every P stopped, waits for every flag to clear.

use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering, fence};

use crate::arch::context::Gobuf;
use crate::arch::{cpu, tsc};
use crate::runtime::objects::g::{G, Gstatus};
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::sched;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::proc;

/// Each M's P from before its current blocking call (Go's `m.oldp`).
static OLDP: [AtomicPtr<P>; crate::runtime::objects::m::MAX_MS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; crate::runtime::objects::m::MAX_MS];

/// Each M's "inside exitsyscall" flag (see the module docs).
static EXITING: [AtomicBool; crate::runtime::objects::m::MAX_MS] =
    [const { AtomicBool::new(false) }; crate::runtime::objects::m::MAX_MS];

/// Wait until no M is between the door of `exitsyscall` and its end (the
/// stopper, once every P stopped: see the module docs).
pub(crate) fn wait_exiting() {
    for flag in &EXITING[..crate::runtime::objects::m::mcount()] {
        while flag.load(Ordering::SeqCst) {
            cpu::relax();
        }
    }
}

/// Enter a blocking call: keep the M, release the P (`Psyscall`).
pub fn entersyscall() {
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    let gp = m.curg().expect("entersyscall on g0");
    let pp = m.p().expect("entersyscall without a P");
    observe::go_syscall_begin(gp);
    gp.casgstatus(Gstatus::Grunning, Gstatus::Gsyscall);
    pp.m.store(core::ptr::null_mut(), Ordering::Release);
    m.p.store(core::ptr::null_mut(), Ordering::Release);
    OLDP[m.id as usize].store(pp as *const P as *mut P, Ordering::Relaxed);
    pp.set_status(Pstatus::Psyscall);
    // Store the status, then look at `gcwaiting`; the stopper does the
    // opposite: one of the two sees the other.
    fence(Ordering::SeqCst);
    if crate::runtime::objects::sched::SCHED
        .gcwaiting
        .load(Ordering::SeqCst)
        && pp.cas_status(Pstatus::Psyscall, Pstatus::Pgcstop)
    {
        // A stop-the-world is waiting for this P (Go's
        // `entersyscall_gcwait`): it stops here, counted off `stopwait`.
        crate::runtime::objects::sched::SCHED
            .stopwait
            .fetch_sub(1, Ordering::SeqCst);
    }
    cpu::interrupts_restore(were);
}

/// Leave a blocking call: get a P back, or queue the G and park the M.
pub fn exitsyscall() {
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    let gp = m.curg().expect("exitsyscall on g0");
    // The door (see the module docs). Interrupts are off, so this M stays.
    let exiting = &EXITING[m.id as usize];
    loop {
        exiting.store(true, Ordering::SeqCst);
        if !sched::SCHED.gcwaiting.load(Ordering::SeqCst) {
            break;
        }
        exiting.store(false, Ordering::SeqCst);
        // Wait with interrupts as the caller had them: a `Gsyscall` G is
        // never preempted, so this M stays this G's.
        cpu::interrupts_restore(were);
        while sched::SCHED.gcwaiting.load(Ordering::SeqCst) {
            cpu::relax();
        }
        cpu::interrupts_disable();
    }
    let oldp = OLDP[m.id as usize].swap(core::ptr::null_mut(), Ordering::Relaxed);
    // The old P if no one took it while the G was in the call, else any
    // idle P (Go's `exitsyscallfast`).
    // SAFETY: Ps are leaked and live forever.
    let fast = match unsafe { oldp.as_ref() } {
        Some(oldp) if oldp.cas_status(Pstatus::Psyscall, Pstatus::Pidle) => Some(oldp),
        _ => sched::lock().pidleget(),
    };
    if let Some(pp) = fast {
        proc::acquirep(m, pp);
        pp.syscalltick.fetch_add(1, Ordering::Relaxed);
        gp.casgstatus(Gstatus::Gsyscall, Gstatus::Grunning);
        observe::go_syscall_end(gp);
        exiting.store(false, Ordering::SeqCst);
        cpu::interrupts_restore(were);
        return;
    }
    proc::mcall(exitsyscall0);
    cpu::interrupts_restore(were);
}

extern "C" fn exitsyscall0(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the running G (Gobuf first).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    observe::go_syscall_end(gp);
    gp.casgstatus(Gstatus::Gsyscall, Gstatus::Grunnable);
    proc::dropg(m, gp);
    let mut s = sched::lock();
    let pp = s.pidleget();
    if pp.is_none() {
        observe::enqueue(gp, gmp_sched::trace::Queue::Global);
        // SAFETY: `gp` is on no queue.
        unsafe { s.runq.globrunqput(core::ptr::NonNull::from(gp)) };
        s.sync_runqsize();
    }
    drop(s);
    EXITING[m.id as usize].store(false, Ordering::SeqCst);
    if let Some(pp) = pp {
        proc::acquirep(m, pp);
        proc::execute_now(gp);
    }
    proc::stopm_then_schedule(m)
}

/// A blocking call of `ns` nanoseconds: the G spins "outside Go" with
/// interrupts on, having given up its P for the duration.
pub fn blocking_call(ns: u64) {
    entersyscall();
    tsc::spin_ns(ns);
    exitsyscall();
}

/// A blocking call that lasts until `done()` holds or `max_ns` passed (a
/// G waiting "on a device" for an event); returns whether `done()` held.
pub fn blocking_call_until(done: impl Fn() -> bool, max_ns: u64) -> bool {
    entersyscall();
    let end = tsc::nanotime().saturating_add(max_ns);
    let mut ok = done();
    while !ok && tsc::nanotime() < end {
        cpu::relax();
        ok = done();
    }
    exitsyscall();
    ok
}
