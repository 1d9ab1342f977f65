//! Stopping the world and changing GOMAXPROCS: `stopTheWorld`,
//! `startTheWorld`, `procresize` (Go's `stopTheWorldWithSema`,
//! `startTheWorldWithSema` and `procresize` in proc.go).
//!
//! Design note. A stop is serialised by `worldsema` (one stopper at a time;
//! the same G stopping twice is refused with its own message). The stopper
//! keeps its M and its P (which turns `Pgcstop` like every other), then:
//! 1. under `sched.lock`: `gcwaiting` set, `stopwait = gomaxprocs`, every
//!    M's attention byte marked (so `schedule`'s one-load fast path sees
//!    the stop), every running G asked to yield (`preemptall`: the preempt
//!    flag, plus the preempt IPI when preemption is `async`, so a G in a
//!    loop is stopped by the timer path, not by luck), idle Ps and Ps in
//!    blocking calls taken directly (`Pgcstop`, counted off `stopwait`);
//! 2. every other M reaching `schedule` gives its P up (`gcstopm`: the P
//!    turns `Pgcstop`, `stopwait` drops, the M parks in `stopm`); the
//!    stopper waits for `stopwait == 0`, asking again every 100 µs (a G
//!    under `preempt=off` or `coop` stops only when it reaches a safe point
//!    — with `off`, when it yields by itself);
//! 3. it waits for every M between the door of `exitsyscall` and its end
//!    (a G returning from a blocking call waits at that door while the
//!    world is stopped: see `syscall`), then checks the result: every P
//!    `Pgcstop`, no G of any other M running user code (a G in a blocking
//!    call runs "outside Go", as in Go, and may go on).
//!
//! A wired M (`runtime::wire`) keeps its P through a stop: while its G
//! waits, its P stops in place (`wired_stop_in_place`), still held, and
//! runs again when the world restarts. So `procresize` never destroys a P
//! held by a wired M: a smaller GOMAXPROCS is raised to keep those, with a
//! notice.
//!
//! `start_the_world` runs `procresize` (to the new GOMAXPROCS, or the same
//! one): destroyed Ps hand their Gs, free Gs and timers over
//! (`gmp_sched::procresize`), created Ps come alive; every P with work gets
//! an M (`startm`), the rest go idle, `gcwaiting` clears, `wakep`.
//!
//! Why Ps can never outnumber Ms here: an M is a core, and there is no
//! other M to create, so `gomaxprocs(n)` clamps `n` to the core count.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use gmp_sched::options::Fault;
use gmp_sched::procresize::{self, DyingP, Heirs, Moved};
use gmp_sched::timehist::TimeHistogram;
pub use gmp_sched::trace::StwReason;

use crate::arch::percpu::ATTENTION_STOP;
use crate::arch::{cpu, tsc};
use crate::kprintln;
use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::g::{Gstatus, WaitReason};
use crate::runtime::objects::m::{self, M};
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::sched::{self, SCHED, allp, allp_all, gomaxprocs};
use crate::runtime::scheduler::mpark;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::preempt;
use crate::runtime::scheduler::proc;
use crate::runtime::scheduler::sema::Semaphore;

/// A stopped world: hand it back to [`start_the_world`].
#[must_use = "the world stays stopped until start_the_world"]
pub struct Stopped {
    pub reason: StwReason,
    /// TSC ticks from the request to the last P stopping (instructions
    /// under `--icount`).
    pub took: u64,
    /// The TSC at the request (for the pause's total time).
    t0: u64,
    were: bool,
    m: &'static M,
}

/// One stopper at a time (Go's `worldsema`), and who holds it.
static WORLDSEMA: Semaphore = Semaphore::with_units(1);
static STOPPER_GOID: AtomicU64 = AtomicU64::new(0);
/// The GOMAXPROCS `start_the_world` resizes to (0: keep it).
static NEWPROCS: AtomicU32 = AtomicU32::new(0);

/// Counters of the stops and resizes, for the summary and `resize`.
pub static STOPS: AtomicU64 = AtomicU64::new(0);
pub static RESIZES: AtomicU64 = AtomicU64::new(0);
/// Runnable Gs moved from destroyed Ps to the global queue, in all.
pub static MOVED_GS: AtomicU64 = AtomicU64::new(0);
/// Set while the world is stopped, for the no-user-code check.
static STOPPED: AtomicBool = AtomicBool::new(false);
/// Go's `sched.stwStoppingTimeOther` and `stwTotalTimeOther` (no stop here
/// is for a GC): per stop, ns from the request to the last P stopping, and
/// to the restart. Written only by the stopper, who holds `worldsema`, so
/// one writer at a time. The end-of-run stop is not counted: it is how the
/// figures are read, not part of the workload, and it never ends.
pub static PAUSES_STOPPING: TimeHistogram = TimeHistogram::new();
pub static PAUSES_TOTAL: TimeHistogram = TimeHistogram::new();

/// Stop every P but the caller's (Go's `stopTheWorld`).
///
/// Context: a G. Refused (a panic with its own message) when the same G
/// already stopped the world.
pub fn stop_the_world(reason: StwReason) -> Stopped {
    match stop(reason, None) {
        Ok(w) => w,
        Err(_) => unreachable!("a stop without a deadline waits until the world stops"),
    }
}

/// How long the end-of-run stop waits for the last P (1 s of `nanotime`).
const EXIT_STOP_LIMIT_NS: u64 = 1_000_000_000;

/// The Ps that had not stopped when the end-of-run stop gave up: (P, the
/// G running on it, if any).
pub struct NotStopped(pub Vec<(u32, Option<u64>)>);

/// Stop the world for the end of the run, for good: the end-of-run figures
/// (the summary, the histograms, the per-G CPU times) are read from it, so
/// that every column describes the same instant, and the machine exits
/// without restarting it (Go's `exit` after `main.main` simply ends the
/// process; here the report comes first).
///
/// A G that never reaches a safe point (a loop under `preempt=off`, or one
/// that never yields under `coop`) would keep the stop waiting forever, so
/// this one waits at most [`EXIT_STOP_LIMIT_NS`] and then names the Ps
/// still running: the report is then read from a world that is partly
/// running, and says so.
///
/// Context: the main G, once the workload returned. Recording of the trace
/// should already be paused (the trace covers the workload, not the exit).
pub fn stop_the_world_for_exit() -> Result<Stopped, NotStopped> {
    let stopped = stop(StwReason::EndOfRun, Some(EXIT_STOP_LIMIT_NS));
    // What follows writes megabytes to the serial ports (the summary, the
    // trace dump): seconds under host load. With interrupts off that long,
    // this core's tick count would stand still and the watchdog would
    // report it stuck (it did, at the end of a traced `resize` run). So
    // the timer ticks again here, in the same state as during the wait in
    // `stop`: the M kept by `acquirem`, sysmon asleep while `gcwaiting`,
    // every P stopped. The world is never restarted, so nothing restores
    // the interrupt flag `stop` saved.
    cpu::interrupts_enable();
    stopped
}

/// [`stop_the_world`], giving up after `limit_ns` when one is given (the
/// world then stays half stopped: only for the end of the run).
fn stop(reason: StwReason, limit_ns: Option<u64>) -> Result<Stopped, NotStopped> {
    let me = crate::runtime::objects::g::getg().expect("stopTheWorld on g0");
    if STOPPER_GOID.load(Ordering::Acquire) == me.goid() {
        panic!(
            "stopTheWorld: nested stop ({}) by G{}, which already stopped the world",
            reason.as_str(),
            me.goid()
        );
    }
    // Released by start_the_world.
    WORLDSEMA.acquire(false, WaitReason::Semacquire);
    STOPPER_GOID.store(me.goid(), Ordering::Release);
    // Keep this M: no preemption while the world is stopped by us.
    let mp = preempt::acquirem();
    let were = cpu::interrupts_disable_save();
    let t0 = cpu::rdtsc();
    observe::stw_begin(reason);
    let my_p = mp.p().expect("stopTheWorld without a P");
    {
        let mut s = sched::lock_irqs_off();
        SCHED.stopwait.store(gomaxprocs(), Ordering::SeqCst);
        SCHED.gcwaiting.store(true, Ordering::SeqCst);
        // Store `gcwaiting`, then look at the Ps' status; `entersyscall`
        // does the opposite (see there).
        core::sync::atomic::fence(Ordering::SeqCst);
        for m in m::all() {
            m.cpu.attention.fetch_or(ATTENTION_STOP, Ordering::SeqCst);
        }
        preemptall(mp);
        wake_wired(mp);
        // The caller's P stops here (it keeps its M).
        my_p.set_status(Pstatus::Pgcstop);
        SCHED.stopwait.fetch_sub(1, Ordering::SeqCst);
        // Ps in blocking calls: stop them now (Go's CAS of _Psyscall).
        for pp in allp() {
            if pp.cas_status(Pstatus::Psyscall, Pstatus::Pgcstop) {
                pp.syscalltick.fetch_add(1, Ordering::Relaxed);
                SCHED.stopwait.fetch_sub(1, Ordering::SeqCst);
            }
        }
        // Idle Ps.
        s.pidle_take_all(|pp| {
            pp.set_status(Pstatus::Pgcstop);
            SCHED.stopwait.fetch_sub(1, Ordering::SeqCst);
        });
    }
    // Wait for the running Ms to give their Ps up, asking again now and
    // then: interrupts on (so this core's own timer keeps ticking), the M
    // kept by `acquirem`.
    cpu::interrupts_enable();
    let start = tsc::nanotime();
    let mut last_ask = start;
    while SCHED.stopwait.load(Ordering::Acquire) != 0 {
        let now = tsc::nanotime();
        if limit_ns.is_some_and(|limit| now - start > limit) {
            cpu::interrupts_disable();
            return Err(NotStopped(still_running()));
        }
        if now - last_ask > 100_000 {
            cpu::interrupts_disable();
            preemptall(mp);
            wake_wired(mp);
            cpu::interrupts_enable();
            last_ask = tsc::nanotime();
        }
        core::hint::spin_loop();
    }
    cpu::interrupts_disable();
    crate::runtime::scheduler::syscall::wait_exiting();
    check_stopped(mp, my_p);
    STOPPED.store(true, Ordering::Release);
    let took = cpu::rdtsc().wrapping_sub(t0);
    STOPS.fetch_add(1, Ordering::Relaxed);
    if reason != StwReason::EndOfRun {
        PAUSES_STOPPING.record(tsc::ticks_to_ns(took));
    }
    Ok(Stopped {
        reason,
        took,
        t0,
        were,
        m: mp,
    })
}

/// The Ps a stop is still waiting for, with the G each runs.
fn still_running() -> Vec<(u32, Option<u64>)> {
    allp()
        .iter()
        .filter(|pp| pp.status() != Pstatus::Pgcstop)
        .map(|pp| {
            let holder = pp.m.load(Ordering::Acquire);
            // SAFETY: Ms are static; a non-null holder is one of them.
            let g = unsafe { holder.as_ref() }
                .and_then(|m| m.curg())
                .map(|g| g.goid());
            (pp.id, g)
        })
        .collect()
}

/// Ask every G running on another M to yield (Go's `preemptall`).
fn preemptall(me: &M) {
    for pp in allp() {
        if pp.status() == Pstatus::Prunning && !core::ptr::eq(pp.m.load(Ordering::Acquire), me) {
            preempt::preemptone(pp);
        }
    }
}

/// Wake every wired M waiting for its G, so that it sees the stop (or the
/// restart) and stops (or runs) its P in place.
fn wake_wired(me: &M) {
    for m in m::all() {
        if !core::ptr::eq(m, me) && !m.wiredg.load(Ordering::Acquire).is_null() {
            crate::arch::apic::send_ipi(m.apic(), crate::arch::idt::VECTOR_WAKE);
        }
    }
}

/// Whether `pp` is held by a wired M other than `me` (it stops in place).
fn wired_holder(pp: &P, me: &M) -> bool {
    let holder = pp.m.load(Ordering::Acquire);
    // SAFETY: Ms are static.
    !holder.is_null()
        && !core::ptr::eq(holder, me)
        && !unsafe { &*holder }.wiredg.load(Ordering::Acquire).is_null()
}

/// A wired M waiting for its G sees a stop: its P stops where it is, kept
/// by the M, and the M waits (halted, woken by the restart's wake IPI)
/// until the world runs again.
///
/// Context: g0 of a wired M, interrupts off, holding `pp`.
pub(crate) fn wired_stop_in_place(pp: &'static P) {
    {
        let mut s = sched::lock_irqs_off();
        if pp.status() == Pstatus::Prunning && SCHED.gcwaiting.load(Ordering::SeqCst) {
            s.gcstop(pp, "wired");
        }
    }
    // `sti; hlt` is atomic with respect to the restart's wake IPI, sent
    // after `gcwaiting` clears: the check cannot miss it.
    while SCHED.gcwaiting.load(Ordering::SeqCst) || pp.status() != Pstatus::Prunning {
        cpu::halt_until_interrupt();
    }
}

/// The invariants of a stopped world, each with its own message.
fn check_stopped(me: &M, my_p: &P) {
    assert!(
        SCHED.stopwait.load(Ordering::Acquire) == 0,
        "stopTheWorld: stopwait is {}, not 0",
        SCHED.stopwait.load(Ordering::Acquire)
    );
    for pp in allp() {
        assert!(
            pp.status() == Pstatus::Pgcstop,
            "stopTheWorld: P{} is {:?}, not stopped",
            pp.id,
            pp.status()
        );
        assert!(
            core::ptr::eq(pp, my_p)
                || pp.m.load(Ordering::Acquire).is_null()
                || wired_holder(pp, me),
            "stopTheWorld: P{} still held by an M that is not wired",
            pp.id
        );
    }
    for mp in m::all() {
        if core::ptr::eq(mp, me) {
            continue;
        }
        if let Some(gp) = mp.curg() {
            assert!(
                gp.status() == Gstatus::Gsyscall,
                "stopTheWorld: G{} runs user code on M{} while the world is stopped",
                gp.goid(),
                mp.id
            );
        }
    }
}

/// Whether the world is stopped right now.
pub fn world_stopped() -> bool {
    STOPPED.load(Ordering::Acquire)
}

/// An M reaching `schedule` (or looking for work) during a stop: give the
/// P up and park (Go's `gcstopm`).
///
/// Context: g0, interrupts off, holding a P.
pub(crate) fn gcstopm(mp: &'static M) {
    if mp.spinning.load(Ordering::Relaxed) {
        mp.spinning.store(false, Ordering::Relaxed);
        crate::runtime::scheduler::mpark::spun(mp);
        SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
    }
    let pp = proc::releasep(mp);
    // The lock is dropped at the end of the statement, before `stopm`.
    sched::lock_irqs_off().gcstop(pp, "gcstopm");
    mpark::stopm(mp);
}

/// What a restart did to the Ps.
#[derive(Clone, Copy, Debug, Default)]
pub struct Resized {
    /// GOMAXPROCS before and after.
    pub old: u32,
    pub new: u32,
    /// What the destroyed Ps handed over, summed.
    pub moved: Moved,
}

/// Restart the world (Go's `startTheWorld`): resize to a pending
/// [`gomaxprocs_set`] request (or keep the count), give every P with work
/// an M, the others to the idle list.
pub fn start_the_world(w: Stopped) -> Resized {
    let mp = w.m;
    assert!(
        core::ptr::eq(mp, m::this_m()),
        "startTheWorld: not on the stopper's M"
    );
    STOPPED.store(false, Ordering::Release);
    let want = match NEWPROCS.swap(0, Ordering::AcqRel) {
        0 => gomaxprocs(),
        n => n,
    };
    let (resized, with_work) = procresize(mp, want);
    for m in m::all() {
        m.cpu.attention.fetch_and(!ATTENTION_STOP, Ordering::SeqCst);
    }
    for pp in with_work {
        proc::startm(Some(pp), false);
    }
    wake_wired(mp);
    observe::stw_end();
    proc::wakep();
    PAUSES_TOTAL.record(tsc::ticks_to_ns(cpu::rdtsc().wrapping_sub(w.t0)));
    cpu::interrupts_restore(w.were);
    STOPPER_GOID.store(0, Ordering::Release);
    WORLDSEMA.release(false);
    preempt::releasem(mp);
    resized
}

/// Resize to `n` Ps with the world stopped (Go's `procresize`), and end
/// the stop: `gcwaiting` clears under `sched.lock` together with the idle
/// Ps going back on their list. Returns what happened and the Ps with
/// runnable Gs (to be given Ms).
fn procresize(mp: &'static M, n: u32) -> (Resized, Vec<&'static P>) {
    let old = gomaxprocs();
    let my_p = mp.p().expect("procresize without a P");
    let all = allp_all();
    // A wired M keeps its P (see the module docs): never destroy one.
    let floor = allp()
        .iter()
        .filter(|pp| wired_holder(pp, mp))
        .map(|pp| pp.id + 1)
        .max()
        .unwrap_or(1);
    let mut n = n;
    if n < floor {
        kprintln!(
            "gomaxprocs: P{} is held by a wired M; keeping {floor} Ps instead of {n}",
            floor - 1
        );
        n = floor;
    }
    // The caller moves to the first surviving P no wired M holds when its
    // own is destroyed (Go: P0); with none, its own P survives.
    let mut heir_id = my_p.id;
    if my_p.id >= n {
        match (0..n).find(|&i| !wired_holder(&all[i as usize], mp)) {
            Some(i) => heir_id = i,
            None => n = my_p.id + 1,
        }
    }
    let plan = procresize::plan(old, n, my_p.id);
    let heir = &all[heir_id as usize];
    let mut moved = Moved::default();
    for i in plan.destroyed.clone() {
        let m = destroy_p(&all[i as usize], heir);
        moved.runnable += m.runnable;
        moved.dead += m.dead;
        moved.timers += m.timers;
    }
    MOVED_GS.fetch_add(u64::from(moved.runnable), Ordering::Relaxed);
    for i in plan.created.clone() {
        let pp = &all[i as usize];
        assert!(
            pp.status() == Pstatus::Pdead && pp.runq.runqempty(),
            "procresize: P{} to create is {:?}, not dead and empty",
            i,
            pp.status()
        );
        pp.set_status(Pstatus::Pgcstop);
    }
    if heir_id != my_p.id {
        // The caller's P was destroyed: continue on the heir.
        observe::proc_stop(my_p.id);
        my_p.m.store(core::ptr::null_mut(), Ordering::Release);
        heir.m.store(mp as *const M as *mut M, Ordering::Release);
        mp.p.store(heir as *const P as *mut P, Ordering::Release);
        observe::proc_start();
    }
    if n != old {
        sched::set_allp_len(n as usize);
        SCHED.gomaxprocs.store(n, Ordering::Release);
        proc::init_steal_order(n);
        RESIZES.fetch_add(1, Ordering::Relaxed);
        observe::procs_change(n);
    }
    let mut with_work = Vec::new();
    let mut s = sched::lock_irqs_off();
    heir.set_status(Pstatus::Prunning);
    for pp in allp().iter().rev() {
        if core::ptr::eq(pp, heir) {
            continue;
        }
        if wired_holder(pp, mp) {
            // Its M stopped it in place and runs it again (woken below).
            pp.set_status(Pstatus::Prunning);
        } else if pp.runq.runqempty() {
            s.pidleput(pp);
        } else {
            pp.set_status(Pstatus::Pidle);
            with_work.push(pp);
        }
    }
    SCHED.gcwaiting.store(false, Ordering::SeqCst);
    drop(s);
    (Resized { old, new: n, moved }, with_work)
}

/// Hand `pp`'s runnable Gs, free Gs and timers over and mark it dead (Go's
/// `p.destroy`); `heir` gets the timers.
fn destroy_p(pp: &'static P, heir: &'static P) -> Moved {
    if knobs().fault == Fault::ResizeLose {
        // The deliberate bug of `fault=resize-lose` (a negative control):
        // one G of the dying P's queue is dropped, runnable on no queue.
        // SAFETY: the world is stopped: the stopper owns every queue.
        let _lost = unsafe { pp.runq.runqget() };
    }
    let mut s = sched::lock_irqs_off();
    let mut gfree_global = SCHED.gfree.lock();
    let mut timers = pp.timers.lock();
    let mut heir_timers = heir.timers.lock();
    let locked = &mut *s;
    // SAFETY: the world is stopped, so the stopper owns every queue (the
    // owner rule of `gmp_sched::runq`); the free list is only touched by a
    // P's holder, and nobody holds `pp`.
    let moved = unsafe {
        procresize::destroy(
            DyingP {
                runq: &pp.runq,
                gfree: pp.gfree(),
                timers: &mut timers,
            },
            Heirs {
                global: &mut locked.runq,
                gfree: &mut gfree_global,
                timers: &mut heir_timers,
            },
        )
    };
    crate::runtime::scheduler::time::timers_moved(pp, &timers, heir, &heir_timers);
    locked.sync_runqsize();
    drop((heir_timers, timers, gfree_global, s));
    pp.set_status(Pstatus::Pdead);
    moved
}

/// Set GOMAXPROCS to `n` and return the previous value (Go's
/// `runtime.GOMAXPROCS`); `n == 0` only reads it. `n` above the core count
/// is clamped to it, with a one-line notice.
pub fn gomaxprocs_set(n: u32) -> u32 {
    let old = gomaxprocs();
    let ncpu = m::mcount() as u32;
    // As Go: reading, or asking for what is already in force, stops
    // nothing.
    if n == 0 || n == old || (n > ncpu && old == ncpu) {
        if n > ncpu {
            clamp_notice(n, ncpu);
        }
        return old;
    }
    resize(n).0.old
}

/// Stop the world, resize to `n` Ps (clamped as [`gomaxprocs_set`] says),
/// restart it; returns what changed and how long the stop took (TSC
/// ticks, instructions under `--icount`).
pub fn resize(n: u32) -> (Resized, u64) {
    let ncpu = m::mcount() as u32;
    let want = if n > ncpu {
        clamp_notice(n, ncpu);
        ncpu
    } else {
        n.max(1)
    };
    let w = stop_the_world(StwReason::Gomaxprocs);
    let took = w.took;
    NEWPROCS.store(want, Ordering::Release);
    (start_the_world(w), took)
}

/// The one line a too-large `gomaxprocs(n)` gets.
fn clamp_notice(n: u32, ncpu: u32) {
    kprintln!(
        "gomaxprocs({n}): more Ps than the {ncpu} cores (every P needs an M, and an M is a core); clamped to {ncpu}"
    );
}
