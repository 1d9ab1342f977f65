//! Wired Gs: a G pinned to its M — the counterpart of Go's
//! `runtime.LockOSThread`.
//!
//! Design note. In Go, a locked G runs only on its M and that M runs only
//! it (`lockedg`/`lockedm`); when the G blocks, its M hands its P to
//! another M (`stoplockedm` → `handoffp`) and sleeps, and whoever later
//! finds the G runnable hands *its* P to the locked M (`startlockedm`). The
//! P travels with the G. Here every M is a core with its own P, and what a
//! wired G is for — measuring a hand-off between two cores, keeping a G on
//! one core — wants the G to stay on its core *with that core's P*. So a
//! wired M keeps its P while its G waits: it halts until the G is readied,
//! and the waker hands the G straight to it (`ready` sees the wire, puts
//! the G in the M's `wired_ready` slot and sends the wake IPI instead of
//! queueing it). The difference from Go, said once: the P does not move;
//! the Gs queued on it when its wired G starts waiting go to the global
//! queue, so nothing is stranded behind a sleeping core.
//!
//! Ownership rule: `G::wired_m` and `M::wiredg` are set and cleared
//! together by the G itself while it runs on that M ([`wire`], [`unwire`],
//! or its exit); a wired G is runnable only in its M's `wired_ready` slot,
//! never on a run queue, and `execute` refuses to run it on another M.

use core::sync::atomic::Ordering;

use crate::arch::cpu;
use crate::arch::idt::VECTOR_WAKE;
use crate::arch::percpu::ATTENTION_WIRED;
use crate::runtime::objects::g::{G, Gstatus};
use crate::runtime::objects::m::{self, M};
use crate::runtime::scheduler::observe;
use crate::runtime::scheduler::proc;
use crate::runtime::scheduler::queues::globrunqput;

/// Pin the calling G to the M (core) it runs on now, and that M to it
/// (Go's `LockOSThread`; see the module docs for how it differs). Returns
/// the M's id. Wiring twice keeps the first wire.
pub fn wire() -> u32 {
    let were = cpu::interrupts_disable_save();
    let m = m::this_m();
    let gp = m.curg().expect("wire on g0");
    if gp.wired_m().is_none() {
        gp.wired_m.store(m as *const M as *mut M, Ordering::Relaxed);
        m.wiredg.store(gp as *const G as *mut G, Ordering::Relaxed);
        m.cpu.attention.fetch_or(ATTENTION_WIRED, Ordering::Relaxed);
    }
    let id = gp.wired_m().map_or(m.id, |w| w.id);
    cpu::interrupts_restore(were);
    id
}

/// Undo [`wire`] (Go's `UnlockOSThread`): the G may run anywhere again.
pub fn unwire() {
    let were = cpu::interrupts_disable_save();
    let m = m::this_m();
    if let Some(gp) = m.curg() {
        release(m, gp);
    }
    cpu::interrupts_restore(were);
}

/// Forget the wire between `m` and its running `gp` (also when `gp`
/// exits). Context: interrupts off, `gp` running on `m`.
pub(crate) fn release(m: &M, gp: &G) {
    if gp.wired_m().is_some() {
        gp.wired_m.store(core::ptr::null_mut(), Ordering::Relaxed);
        m.wiredg.store(core::ptr::null_mut(), Ordering::Relaxed);
        m.cpu
            .attention
            .fetch_and(!ATTENTION_WIRED, Ordering::Relaxed);
    }
}

/// `ready` of a wired G: straight to its M, which is waiting for it in
/// [`wait_for_wired`] (or about to), with the wake IPI.
///
/// Context: interrupts off.
#[cold]
pub(crate) fn ready_wired(gp: &'static G, wm: &'static M) {
    observe::go_unblock(gp);
    gp.casgstatus(Gstatus::Gwaiting, Gstatus::Grunnable);
    hand_to(gp, wm);
}

/// A wired G that yields or is preempted runs again on its own M.
///
/// Context: g0 of `gp`'s M, interrupts off, `gp` just made runnable.
pub(crate) fn requeue(gp: &'static G, wm: &'static M) {
    hand_to(gp, wm);
}

fn hand_to(gp: &'static G, wm: &'static M) {
    let prev = wm
        .wired_ready
        .swap(gp as *const G as *mut G, Ordering::AcqRel);
    assert!(
        prev.is_null(),
        "wire: G{} readied while M{} already holds a runnable wired G",
        gp.goid(),
        wm.id
    );
    if wm.id != m::this_m().id {
        crate::arch::apic::send_ipi(wm.apic(), VECTOR_WAKE);
    }
}

/// The wired M's `schedule`: until its G is runnable again, give the Gs
/// queued on its P to the others and halt; then return the G to run.
///
/// Context: g0, interrupts off, holding a P.
pub(crate) fn wait_for_wired(m: &'static M) -> &'static G {
    let pp = m.p().expect("a wired M keeps its P");
    // SAFETY: this M holds `pp`, its queue's owner.
    let mut q = unsafe { pp.runq.runqdrain() };
    if !q.is_empty() {
        while let Some(g) = q.pop() {
            // SAFETY: drained queue entries are live runnable Gs.
            globrunqput(unsafe { &*g.as_ptr() });
        }
        proc::wakep();
    }
    loop {
        if crate::runtime::objects::sched::SCHED
            .gcwaiting
            .load(Ordering::SeqCst)
        {
            // A stop-the-world: this P stops where it is, kept by its M
            // (see `stw::wired_stop_in_place`).
            crate::runtime::scheduler::stw::wired_stop_in_place(pp);
        }
        let gp = m.wired_ready.swap(core::ptr::null_mut(), Ordering::AcqRel);
        if !gp.is_null() {
            // SAFETY: only Gs are stored in the slot; Gs are never freed.
            return unsafe { &*gp };
        }
        // `sti; hlt` is atomic with respect to the wake IPI sent after the
        // slot is filled: the check above cannot miss it.
        cpu::halt_until_interrupt();
    }
}
