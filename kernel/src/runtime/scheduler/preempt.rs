//! Preemption: taking the processor from a G that does not give it up.
//!
//! Three modes (boot option `preempt`):
//! - `async` (Go ≥ 1.14): sysmon marks a G that has held its P for
//!   `forcepreempt` and interrupts its core (directly if it is sysmon's own
//!   core, by IPI otherwise). The interrupt handler, running on the G's own
//!   stack with the G's full register state saved in the interrupt frame,
//!   switches to g0 with `mcall`; the G goes to the global queue like a
//!   `gosched`. When it is resumed, the handler returns and `iretq` restores
//!   every register: the G never notices, wherever it was.
//! - `coop` (Go 1.2–1.13): the mark is only honoured at safe points — calls
//!   into the runtime (spawning, yielding, channel operations, locks, sleep);
//!   a loop that makes no such call runs until it ends (pre-1.14 Go's
//!   `for {}` problem).
//! - `off`: sysmon never asks.
//!
//! A G is never preempted inside runtime critical sections: those run with
//! interrupts off (all scheduler code, and every lock the interrupt path can
//! take). Runtime code that must not lose its core but wants interrupts on
//! raises the M's `locks` count (`acquirem`); a request that arrives then is
//! kept and honoured at `releasem`.

use core::sync::atomic::{AtomicU8, Ordering};

use gmp_sched::options::Preempt;

use crate::arch::context::Gobuf;
use crate::arch::idt::VECTOR_PREEMPT;
use crate::arch::{apic, cpu, percpu};
use crate::runtime::objects::g::{G, Gstatus};
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::P;
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::proc;

/// The preemption mode in force: set at boot from `preempt=`, and the one
/// knob that may change while the machine runs (so an atomic, not a field
/// of `debug::Knobs`).
static MODE: AtomicU8 = AtomicU8::new(0);

/// The preemption mode in force.
#[inline]
pub fn mode() -> Preempt {
    Preempt::ALL[MODE.load(Ordering::Relaxed) as usize]
}

/// Change the preemption mode (at boot, and from a running system).
pub fn set_mode(mode: Preempt) {
    let i = Preempt::ALL
        .iter()
        .position(|&m| m == mode)
        .expect("every mode is in Preempt::ALL");
    MODE.store(i as u8, Ordering::Relaxed);
}

/// Ask the G running on `pp` to yield (Go's `preemptone`). Returns whether
/// a request was made.
pub fn preemptone(pp: &P) -> bool {
    let mp = pp.m.load(Ordering::Acquire);
    if mp.is_null() {
        return false;
    }
    // SAFETY: Ms are static.
    let mp: &M = unsafe { &*mp };
    let Some(gp) = mp.curg() else { return false };
    if gp.status() != Gstatus::Grunning {
        return false;
    }
    gp.preempt.store(true, Ordering::Release);
    pp.stats.preempt_requests.fetch_add(1, Ordering::Relaxed);
    if mode() == Preempt::Async && mp.id != percpu::this_cpu_id() {
        // Asked and not yet interrupted: the G may block or yield first.
        observe::chaos_at_point();
        apic::send_ipi(mp.apic(), VECTOR_PREEMPT);
    }
    true
}

/// From an interrupt handler on this core: if the interrupted G has been
/// asked to yield and may be, switch it out now. Returns (much later, when
/// the G is resumed) into the handler, which returns to the G.
///
/// Context: interrupt handler, interrupts off, EOI already sent.
pub fn preempt_from_interrupt() {
    if mode() != Preempt::Async {
        return;
    }
    let m = crate::runtime::objects::m::this_m();
    let Some(gp) = m.curg() else { return };
    if !gp.preempt.load(Ordering::Acquire) || gp.status() != Gstatus::Grunning {
        return;
    }
    if m.locks.load(Ordering::Relaxed) != 0 {
        return; // honoured at releasem
    }
    gp.preempt.store(false, Ordering::Relaxed);
    if let Some(pp) = m.p() {
        pp.stats.preemptions.fetch_add(1, Ordering::Relaxed);
    }
    if observe::probing() {
        observe::preempting(m.id);
    }
    proc::mcall(gopreempt_m);
}

/// A safe point: yield if sysmon asked (every mode except `off`, which
/// never asks). Called by runtime entry points on a G, interrupts on; the
/// common case (no request) is two loads, inline.
///
/// The flag is read through [`getg`](crate::runtime::objects::g::getg), and the M only once
/// interrupts are off: with them on, this G may move to another core at any
/// instruction, so an M read earlier may no longer be this G's M (the race
/// explained at `g::getg`).
#[inline(always)]
pub fn check_preempt() {
    if let Some(gp) = crate::runtime::objects::g::getg()
        && gp.preempt.load(Ordering::Acquire)
    {
        preempt_at_safe_point(gp);
    }
}

#[cold]
#[inline(never)]
fn preempt_at_safe_point(gp: &'static G) {
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    if m.locks.load(Ordering::Relaxed) == 0 && gp.preempt.swap(false, Ordering::Relaxed) {
        if let Some(pp) = m.p() {
            pp.stats.preemptions.fetch_add(1, Ordering::Relaxed);
        }
        proc::mcall_on(m, gp, gopreempt_m);
    }
    cpu::interrupts_restore(were);
}

/// Whether this G's M has preemption disabled ([`acquirem`]), read with
/// interrupts off so the answer is about the M actually running the caller.
pub fn this_m_locked() -> bool {
    let were = cpu::interrupts_disable_save();
    let locked = crate::runtime::objects::m::this_m()
        .locks
        .load(Ordering::Relaxed)
        != 0;
    cpu::interrupts_restore(were);
    locked
}

/// Keep the calling G on this M: no preemption until [`releasem`] (Go's
/// `acquirem`). Returns the M, read with interrupts off so it is the one
/// whose count was raised.
pub fn acquirem() -> &'static M {
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    m.locks.fetch_add(1, Ordering::Relaxed);
    cpu::interrupts_restore(were);
    m
}

/// Undo [`acquirem`]; a preemption request that arrived meanwhile is
/// honoured now (Go's `releasem`).
pub fn releasem(m: &'static M) {
    let prev = m.locks.fetch_sub(1, Ordering::Relaxed);
    assert!(prev > 0, "releasem: M{} locks underflow", m.id);
    if prev == 1 && mode() != Preempt::Off {
        check_preempt();
    }
}

/// On g0: the preempted G goes to the global queue (Go's `gopreempt_m`).
extern "C" fn gopreempt_m(gp: *mut Gobuf) -> ! {
    // SAFETY: mcall passes the running G (Gobuf first).
    let gp: &'static G = unsafe { &*(gp as *mut G) };
    let m = crate::runtime::objects::m::this_m();
    observe::go_stop(gp, gmp_sched::trace::StopReason::Preempted);
    gp.casgstatus(Gstatus::Grunning, Gstatus::Grunnable);
    proc::dropg(m, gp);
    if let Some(wm) = gp.wired_m() {
        crate::runtime::scheduler::wire::requeue(gp, wm);
        proc::schedule()
    }
    proc::globrunqput(gp);
    proc::wakep();
    proc::schedule()
}
