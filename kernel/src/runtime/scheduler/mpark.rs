//! Spinning, waking and parking Ms: `wakep`, `startm`, `stopm`,
//! `resetspinning` and the re-check before parking (`checkRunqsNoP`).
//!
//! Design note (Go's spinning protocol): an M that runs dry spins —
//! looks at every queue — for a while before it parks, so work that
//! arrives meanwhile is found without a wake-up; at most half of the busy
//! Ps may have a spinning M. New work calls `wakep`, which starts one more
//! spinner only if none spins and a P is idle; a spinner that finds work
//! stops spinning and, if it was the last, calls `wakep` itself, so
//! parallelism ramps up one M at a time (the policy `wake-all` starts one
//! for every idle P instead). An M with nothing to do parks in
//! `stopm`: its core halts with interrupts on until `startm` hands it a P
//! (`nextp`) and sends a wake IPI.

use core::sync::atomic::Ordering;

use crate::arch::idt::VECTOR_WAKE;
use crate::arch::{apic, cpu};
use crate::runtime::objects::debug::knobs;
use crate::runtime::objects::m::M;
use crate::runtime::objects::p::{P, Pstatus};
use crate::runtime::objects::policy::policy;
use crate::runtime::objects::sched::{self, SCHED, allp};
use crate::runtime::scheduler::observe;
use gmp_sched::policy::{StealRunnext, Wake};

use crate::runtime::scheduler::proc::acquirep;
use crate::runtime::scheduler::proc::schedule;

pub(crate) fn become_spinning(m: &M) {
    m.spinning.store(true, Ordering::Relaxed);
    if crate::arch::lockstep::active() {
        m.spin_since
            .store(crate::arch::tsc::clock_ticks(), Ordering::Relaxed);
    }
    SCHED.nmspinning.fetch_add(1, Ordering::AcqRel);
    // Go 1.21: a new spinner satisfies an outstanding request for one.
    SCHED.needspinning.store(0, Ordering::Release);
    observe::chaos_at_point();
}

/// Under lockstep: `m` stops spinning now; count the stretch (see
/// `M::spin_ticks`) and return it in ticks. A load and a branch otherwise
/// (returning 0).
#[inline]
pub(crate) fn spun(m: &M) -> u64 {
    if crate::arch::lockstep::active() {
        let now = crate::arch::tsc::clock_ticks();
        let since = m.spin_since.load(Ordering::Relaxed);
        let stretch = now.saturating_sub(since);
        m.spin_ticks.fetch_add(stretch, Ordering::Relaxed);
        stretch
    } else {
        0
    }
}

/// `m` stops spinning without having found work (it is about to park):
/// count the stretch as spun and as wasted (`M::spin_wasted_ticks`).
#[inline]
pub(crate) fn spun_in_vain(m: &M) {
    let stretch = spun(m);
    if stretch != 0 {
        m.spin_wasted_ticks.fetch_add(stretch, Ordering::Relaxed);
    }
}

/// A spinning M found work: stop spinning and, if it was the last spinner,
/// wake another M to keep looking (Go's `resetspinning`).
pub(crate) fn resetspinning(m: &M) {
    assert!(
        m.spinning.load(Ordering::Relaxed),
        "resetspinning: M{} is not spinning",
        m.id
    );
    m.spinning.store(false, Ordering::Relaxed);
    let _ = spun(m);
    let prev = SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
    assert!(prev > 0, "resetspinning: negative nmspinning");
    // No longer counted as spinning, not yet asked for a replacement.
    observe::chaos_at_point();
    wakep();
}

/// Try to put one more M to work spinning: only if a P is idle and nobody
/// spins already (Go's `wakep`).
///
/// Context: interrupts off.
#[inline(always)]
pub(crate) fn wakep() {
    if knobs().gm_model {
        return wakep_gm();
    }
    // No idle P: Go 1.21's `wakep` would win the nmspinning CAS, take
    // sched.lock, find no P in `pidlegetSpinning`, leave word in
    // `needspinning` (so the next M about to park spins instead) and give
    // up. Leave the same word without the CAS and the lock (Go before 1.21
    // returned here without it). Why no wake-up is lost: we store
    // `needspinning` and then look at `npidle` again; an M that releases
    // its P raises `npidle` and then reads `needspinning` in `stopm` under
    // the lock (all SeqCst). Either it sees our word and spins, or our
    // second look sees its idle P and we take the slow path.
    if SCHED.npidle.load(Ordering::SeqCst) == 0 {
        if SCHED.needspinning.load(Ordering::SeqCst) == 1
            || SCHED.nmspinning.load(Ordering::Acquire) != 0
        {
            // The word is already left, or a spinner exists (Go's CAS of
            // nmspinning would fail and leave no word).
            return;
        }
        SCHED.needspinning.store(1, Ordering::SeqCst);
        if SCHED.npidle.load(Ordering::SeqCst) == 0 {
            return;
        }
    }
    // Be conservative about spinning Ms: only one more if none spins.
    // (Go tests this first; the tests are side-effect-free loads, and with
    // every P busy — the common case on a busy machine — the idle-P test
    // above ends it sooner.)
    if SCHED.nmspinning.load(Ordering::Acquire) != 0 {
        if policy().wake == Wake::EveryIdleP {
            return wakep_every_idle_p();
        }
        return;
    }
    wakep_slow();
}

/// `Wake::EveryIdleP`: a spinner exists already, and a P is idle: start
/// one more spinning M for it anyway (Go would wait for the spinner to
/// find work and wake the next).
#[cold]
#[inline(never)]
fn wakep_every_idle_p() {
    SCHED.nmspinning.fetch_add(1, Ordering::AcqRel);
    observe::chaos_at_point();
    let pp = sched::lock_irqs_off().pidleget_spinning();
    match pp {
        Some(pp) => startm(Some(pp), true),
        None => {
            let prev = SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
            assert!(prev > 0, "wakep: negative nmspinning");
        }
    }
}

/// `sched=gm`: Go 1.0 had no spinning: any idle M with any idle P starts.
#[cold]
fn wakep_gm() {
    let pp = sched::lock().pidleget();
    if let Some(pp) = pp {
        startm(Some(pp), false);
    }
}

/// Go 1.21's `wakep` proper: claim the one spinner slot, then an idle P.
#[inline(never)]
fn wakep_slow() {
    // lab spinning/wakep: begin
    if SCHED
        .nmspinning
        .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Relaxed)
        .is_err()
    {
        return;
    }
    // Counted as the spinner to be, with no P and no M yet.
    observe::chaos_at_point();
    let pp = sched::lock_irqs_off().pidleget_spinning();
    match pp {
        Some(pp) => startm(Some(pp), true),
        None => {
            let prev = SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
            assert!(prev > 0, "wakep: negative nmspinning");
        }
    }
    // lab spinning/wakep: end
}

/// Hand `pp` (or any idle P) to an idle M and wake it (Go's `startm`).
/// With `spinning`, the caller has already counted the new M in
/// `nmspinning`. Ms are cores here, so if no M is idle there is none to
/// create: the P goes back to the idle list (and the spinner count is
/// returned); an M that later runs dry re-checks the queues and takes it.
pub(crate) fn startm(pp: Option<&'static P>, spinning: bool) {
    let mut s = sched::lock();
    let pp = match pp {
        Some(pp) => pp,
        None => {
            assert!(!spinning, "startm: P required for spinning=true");
            match s.pidleget() {
                Some(pp) => pp,
                None => return,
            }
        }
    };
    let Some(nmp) = s.mget() else {
        // Go would create a new M here. Ms are cores, so instead leave word
        // for the next M about to park: it will take an idle P and spin
        // (see `stopm`), so the work that asked for this M is not lost.
        // Idle Ps hold no Gs (stealers skip them): move any to the global
        // queue first.
        // SAFETY: `pp` is held by no M and on no list: we own it.
        let mut q = unsafe { pp.runq.runqdrain() };
        if !q.is_empty() {
            s.runq.globrunqputbatch(core::mem::take(&mut q));
            s.sync_runqsize();
        }
        s.pidleput_or_gcstop(pp);
        SCHED.needspinning.store(1, Ordering::Release);
        drop(s);
        if spinning {
            SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
        }
        return;
    };
    drop(s);
    assert!(
        !nmp.spinning.load(Ordering::Relaxed),
        "startm: M{} is spinning",
        nmp.id
    );
    assert!(
        nmp.nextp.load(Ordering::Relaxed).is_null(),
        "startm: M{} already has a next P",
        nmp.id
    );
    if spinning {
        assert!(
            pp.runq.runqempty(),
            "startm: P{} has runnable Gs for a spinning M",
            pp.id
        );
    }
    nmp.spinning.store(spinning, Ordering::Relaxed);
    nmp.nextp.store(pp as *const P as *mut P, Ordering::Relaxed);
    notewakeup(nmp);
}

/// Sysmon saw a timer due: make sure some M will run it. If an M spins it
/// will; otherwise start one with an idle P (Go's `startm(nil, false)`).
pub(crate) fn wakep_for_timers() {
    startm(None, false);
}

/// Park, then schedule (for paths that end with no P and no G).
pub(crate) fn stopm_then_schedule(m: &'static M) -> ! {
    stopm(m);
    schedule()
}

/// Wake a parked M: set its note, then interrupt its `hlt`.
pub(crate) fn notewakeup(mp: &M) {
    if observe::probing() {
        observe::wake_sent(mp.id);
    }
    // An idle wake-up (the tournament's `wakeups`): a slow path already,
    // one relaxed add beside the IPI.
    mp.wakeups.fetch_add(1, Ordering::Relaxed);
    mp.park.store(true, Ordering::Release);
    // The note is set and the IPI not yet sent: an M about to halt must
    // see the note (see `stopm`), or this wake-up is lost.
    observe::chaos_at_point();
    apic::send_ipi(mp.apic(), VECTOR_WAKE);
}

/// Park this M until `startm` hands it a P (Go's `stopm`). Returns holding
/// a P, possibly spinning (when it answers a pending `needspinning`).
///
/// Context: g0, interrupts off, holding no P and not spinning.
pub(crate) fn stopm(m: &'static M) {
    assert!(
        m.locks.load(Ordering::Relaxed) == 0,
        "stopm: M{} holding locks",
        m.id
    );
    assert!(
        m.p.load(Ordering::Relaxed).is_null(),
        "stopm: M{} holding a P",
        m.id
    );
    assert!(
        !m.spinning.load(Ordering::Relaxed),
        "stopm: M{} spinning",
        m.id
    );
    let mut s = sched::lock();
    // SeqCst: pairs with `wakep`'s store of the word before its second
    // look at `npidle` (see there).
    if SCHED.needspinning.load(Ordering::SeqCst) == 1
        && let Some(pp) = s.pidleget()
    {
        // Someone wanted an M for new work and found none idle (startm) or
        // found no idle P (wakep): this M answers instead of parking.
        drop(s);
        acquirep(m, pp);
        become_spinning(m);
        return;
    }
    s.mput(m);
    drop(s);
    m.parks.fetch_add(1, Ordering::Relaxed);
    observe::m_park();
    // `sti; hlt` is atomic with respect to the wake IPI, and the note is
    // checked with interrupts off: no wakeup can slip between the check
    // and the halt.
    // Only sysmon's core (M0) and its watchdog (M1, see `watchdog`) keep
    // ticking while parked: other idle cores stay fully halted until a wake
    // IPI. Were M1 to stop too, an M0 stuck with interrupts off while every
    // other core is parked would hang the machine unreported.
    if !ticks_while_parked(m) {
        crate::arch::timer::stop_this_cpu();
    }
    while !m.park.swap(false, Ordering::Acquire) {
        cpu::halt_until_interrupt();
    }
    if observe::probing() {
        observe::woke(m.id);
    }
    if !ticks_while_parked(m) {
        crate::arch::timer::start_this_cpu();
    }
    let pp = m.nextp.swap(core::ptr::null_mut(), Ordering::Acquire);
    assert!(!pp.is_null(), "stopm: M{} woken without a P", m.id);
    // SAFETY: Ps are leaked and live forever.
    acquirep(m, unsafe { &*pp });
    if m.spinning.load(Ordering::Relaxed) && crate::arch::lockstep::active() {
        // Started as a spinner (`startm(_, true)`): it spins from now.
        m.spin_since
            .store(crate::arch::tsc::clock_ticks(), Ordering::Relaxed);
    }
    observe::m_wake();
}

/// Whether `m` keeps its timer tick while parked: M0 runs sysmon, M1
/// watches M0 (`watchdog::on_tick`) — except under `icount`, where only M0
/// does.
///
/// Under `-icount`, when every core halts QEMU jumps the virtual clock to
/// the next timer deadline. With two cores ticking while parked, their
/// ticks can fall due within one tick handler of each other, and which of
/// the two runs first then depends on where the host last interrupted
/// QEMU's round-robin loop: a run's trace differed from its replay by one
/// idle tick's 203 instructions in the stamps of the next wake-up. With
/// one ticking core nothing is left to order. The price: under `icount` a
/// sysmon core stuck with interrupts off while every other core is parked
/// is caught by the runner's timeout (which prints the serial tail), not
/// by M1's watchdog.
pub(crate) fn ticks_while_parked(m: &M) -> bool {
    m.id == 0 || (m.id == 1 && !knobs().icount)
}

/// After releasing the P: is there work anywhere? If so, take an idle P back
/// (Go's `checkRunqsNoP`).
pub(crate) fn check_runqs_no_p() -> Option<&'static P> {
    if !policy().steal || knobs().gm_model {
        // This M could take nothing from another P's queue (`steal_work`
        // refuses): spinning again for it would loop here for as long as
        // that P stays busy — under lockstep, with interrupts off, for
        // good, since the token never leaves this core.
        return None;
    }
    // Only work this M could take counts: a policy that never steals
    // `runnext` (tokio's) leaves a busy P's `runnext` G to its owner, and
    // re-spinning for it would loop the same way.
    let runnext_too = policy().steal_runnext != StealRunnext::Never;
    for p2 in allp() {
        let has_work = if runnext_too {
            !p2.runq.runqempty()
        } else {
            p2.runq.ring_len() != 0
        };
        if p2.status() != Pstatus::Pidle && has_work {
            return sched::lock().pidleget_spinning();
        }
    }
    None
}
