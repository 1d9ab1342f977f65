//! sysmon — here, the APIC timer tick.
//!
//! Go's sysmon is an M without a P that wakes every 20 µs–10 ms. On bare
//! metal the periodic timer interrupt plays that part: every M holding a P
//! ticks (to run its own P's timers and to notice a preemption request), and
//! M0's tick additionally runs sysmon proper — even while M0 is parked, since
//! a halted core still takes interrupts:
//! - `retake`: a P that has run the same time slice (same `schedtick`) for
//!   `forcepreempt` gets `preemptone`; a P sitting in a blocking call for a
//!   tick is taken back and handed to another M (`handoffp`);
//! - timers due on a P that no M is running start an M;
//! - input that waited 10 ms with nobody polling is polled (`netpoll`);
//! - `checkdead`: nothing running, nothing runnable, no timer pending, yet
//!   Gs are waiting — Go's "all goroutines are asleep - deadlock!";
//! - `schedtrace` lines every `schedtrace` ms.

use core::sync::atomic::{AtomicU64, Ordering};

use gmp_sched::options::Preempt;

use crate::arch::exit::{ExitCode, exit_qemu};
use crate::arch::timer;
use crate::runtime::objects::allg;
use crate::runtime::objects::g::Gstatus;
use crate::runtime::objects::m;
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::sched::{self, SCHED, allp, gomaxprocs};
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::preempt;
use crate::runtime::scheduler::proc;
use crate::runtime::scheduler::time;

/// A blocking call is retaken anyway after this long, even with nothing
/// else to run (Go's 10 ms).
const SYSCALL_RETAKE_IDLE_NS: u64 = 10_000_000;

static LAST_SCHEDTRACE: AtomicU64 = AtomicU64::new(0);

/// The timer interrupt's work on every core.
///
/// Context: interrupt handler (interrupts off, EOI sent), on whatever stack
/// the core was on: a G's, or g0's while parked.
pub fn on_tick() {
    let entry = crate::arch::cpu::rdtsc();
    timer::on_tick();
    let m = crate::runtime::objects::m::this_m();
    m.ticks.fetch_add(1, Ordering::Relaxed);
    let probing = observe::probing();
    if probing {
        observe::tick_entered(m.id, entry);
    }
    let now = time::nanotime();
    if m.id == 0 {
        sysmon(now);
    }
    observe::watchdog_tick(m);
    observe::check_stop_at();
    if observe::chaos_on()
        && observe::chaos_preempt_now()
        && let Some(gp) = m.curg()
    {
        // chaos: a preemption at a tick the seed picked, not only after a
        // full time slice (`preemptone`'s flag, honoured just below).
        gp.preempt.store(true, Ordering::Release);
    }
    let mut ran = 0;
    if let Some(pp) = m.p()
        && m.curg().is_some()
    {
        ran = time::check_timers(pp, now);
    }
    if probing && ran == 0 && m.curg().is_none() {
        // A tick on a parked core with nothing to do: the idle cost.
        observe::tick_idle(entry);
    }
    preempt::preempt_from_interrupt();
}

fn sysmon(now: u64) {
    if SCHED.gcwaiting.load(Ordering::Acquire) {
        // The world is stopped or stopping: nothing to retake or start
        // (Go's sysmon sleeps while `sched.gcwaiting`).
        return;
    }
    retake(now);
    if time::next_timer_anywhere().wrapping_sub(1) < now
        && SCHED.nmspinning.load(Ordering::Acquire) == 0
    {
        // A timer is due; if no M is around to run it, start one (it runs
        // the timers of every P while it looks for work).
        proc::wakep_for_timers();
    }
    crate::runtime::scheduler::netpoll::sysmon_poll(now);
    checkdead();
    let every = crate::runtime::objects::debug::options().schedtrace_ms as u64 * 1_000_000;
    if every > 0 && now >= LAST_SCHEDTRACE.load(Ordering::Relaxed) + every {
        LAST_SCHEDTRACE.store(now, Ordering::Relaxed);
        let line = observe::schedtrace(crate::runtime::objects::debug::options().scheddetail);
        crate::kprint!("{line}");
    }
}

/// Go's `retake`.
fn retake(now: u64) {
    let mode = preempt::mode();
    // The policy's time slice (Go's forcePreemptNS, 10 ms).
    let forcepreempt_ns = crate::runtime::objects::policy::policy().timeslice_ns;
    for pp in allp() {
        let pd = &pp.sysmontick;
        let s = pp.status();
        let mut sysretake = false;
        // lab preempt/retake: begin
        if s == Pstatus::Prunning || s == Pstatus::Psyscall {
            let t = pp.schedtick.load(Ordering::Relaxed);
            if pd.schedtick.load(Ordering::Relaxed) != t {
                pd.schedtick.store(t, Ordering::Relaxed);
                pd.schedwhen.store(now, Ordering::Relaxed);
            } else if mode != Preempt::Off
                && pd.schedwhen.load(Ordering::Relaxed) + forcepreempt_ns <= now
            {
                preempt::preemptone(pp);
                // In a blocking call there is no M to preempt: retake below.
                sysretake = true;
            }
        }
        // lab preempt/retake: end
        if s == Pstatus::Psyscall {
            let t = pp.syscalltick.load(Ordering::Relaxed);
            if !sysretake && pd.syscalltick.load(Ordering::Relaxed) != t {
                pd.syscalltick.store(t, Ordering::Relaxed);
                pd.syscallwhen.store(now, Ordering::Relaxed);
                continue;
            }
            let others_idle =
                SCHED.nmspinning.load(Ordering::Acquire) + SCHED.npidle.load(Ordering::Acquire) > 0;
            if pp.runq.runqempty()
                && others_idle
                && pd.syscallwhen.load(Ordering::Relaxed) + SYSCALL_RETAKE_IDLE_NS > now
            {
                continue;
            }
            if pp.cas_status(Pstatus::Psyscall, Pstatus::Pidle) {
                pp.syscalltick.fetch_add(1, Ordering::Relaxed);
                pp.stats.handoffs.fetch_add(1, Ordering::Relaxed);
                observe::handoff(pp.id);
                handoffp(pp);
            }
        }
    }
}

/// Hand a P that lost its M (blocking call) to another M, or park it
/// (Go's `handoffp`).
///
/// Context: the P is `Pidle` but on no list, held by no M.
pub fn handoffp(pp: &'static P) {
    if !pp.runq.runqempty() || SCHED.runqsize.load(Ordering::Acquire) != 0 {
        proc::startm(Some(pp), false);
        return;
    }
    if SCHED.nmspinning.load(Ordering::Acquire) + SCHED.npidle.load(Ordering::Acquire) == 0
        && SCHED
            .nmspinning
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    {
        SCHED.needspinning.store(0, Ordering::Release);
        proc::startm(Some(pp), true);
        return;
    }
    let mut s = sched::lock();
    if SCHED.runqsize.load(Ordering::Acquire) != 0 {
        drop(s);
        proc::startm(Some(pp), false);
        return;
    }
    s.pidleput_or_gcstop(pp);
}

/// Gs listed by a deadlock report; the rest are counted.
const DEADLOCK_DUMP_LIMIT: usize = 64;

/// Go's `checkdead`: every M idle, nothing runnable, no timer pending, but
/// Gs still waiting — nobody will ever wake them.
fn checkdead() {
    let s = sched::lock();
    if SCHED.nmidle.load(Ordering::Relaxed) as usize != m::mcount()
        || !s.runq.is_empty()
        || SCHED.npidle.load(Ordering::Relaxed) != gomaxprocs()
        || allp().iter().any(|pp| !pp.runq.runqempty())
        || time::next_timer_anywhere() != 0
        // A G waiting in the netpoller is woken by its device (Go's
        // checkdead does not run while an M blocks in netpoll).
        || crate::runtime::scheduler::netpoll::has_waiters()
    {
        return;
    }
    drop(s);
    let mut waiting = 0;
    allg::for_each(|g| {
        if g.status() == Gstatus::Gwaiting {
            waiting += 1;
        }
    });
    if waiting == 0 {
        return;
    }
    crate::arch::console::print_for_panic(format_args!(
        "fatal error: all goroutines are asleep - deadlock!\n\n"
    ));
    // Every G is waiting: each one's stack is in its saved context.
    observe::goroutine_dump(observe::DumpWhich::All, DEADLOCK_DUMP_LIMIT, 0, &mut |a| {
        crate::arch::console::print_for_panic(a)
    });
    exit_qemu(ExitCode::Failure);
}
