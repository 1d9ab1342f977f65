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

use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use gmp_sched::findrunnable::{self, Sources};
use gmp_sched::options::Fault;
use gmp_sched::spinning;
use gmp_sched::stealorder::RandomOrder;

use crate::arch::context::{self, Gobuf};
use crate::arch::idt::VECTOR_WAKE;
use crate::arch::{apic, cpu, percpu, tsc};
use crate::runtime::debug::knobs;
use crate::runtime::g::{G, Gstatus};
use crate::runtime::m::M;
use crate::runtime::p::{P, Pstatus};
use crate::runtime::sched::{self, SCHED, allp, gomaxprocs};
use crate::runtime::{time, trace};
use gmp_sched::trace::Queue;

/// How long a thief waits before taking a running victim's `runnext`
/// (Go's `usleep(3)`): the victim is likely about to run it itself.
const RUNNEXT_STEAL_PAUSE_NS: u64 = 3_000;
/// Passes `stealWork` makes over all Ps (Go's `stealTries`).
const STEAL_TRIES: usize = 4;

static STEAL_ORDER: spin::Once<RandomOrder> = spin::Once::new();

/// Prepare the steal order for `nprocs` Ps (boot, once).
pub fn init_steal_order(nprocs: u32) {
    STEAL_ORDER.call_once(|| {
        let mut order = RandomOrder::new();
        order.reset(nprocs);
        order
    });
}

/// The steal order, once `init_steal_order` ran.
pub fn steal_order() -> Option<&'static RandomOrder> {
    STEAL_ORDER.get()
}

/// Run `f(gp)` on this M's g0 after saving the current G's context.
///
/// Context: on a G, interrupts off. Returns when the G is resumed.
pub(crate) fn mcall(f: extern "C" fn(*mut Gobuf) -> !) {
    debug_assert!(!cpu::interrupts_enabled(), "mcall with interrupts on");
    let m = crate::runtime::m::this_m();
    let gp = m.curg().expect("mcall on g0");
    let g0 = m.g0_stack_top.load(Ordering::Relaxed);
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
    trace::proc_start();
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
    trace::proc_stop(pp.id);
    pp.m.store(core::ptr::null_mut(), Ordering::Release);
    m.p.store(core::ptr::null_mut(), Ordering::Release);
    pp.set_status(Pstatus::Pidle);
    pp
}

// ----- queues ----------------------------------------------------------------

/// Put `gp` on `pp`'s local queue (into `runnext` when `next`), spilling
/// half the ring plus `gp` to the global queue when the ring is full.
///
/// Context: interrupts off; the caller holds `pp`.
#[inline(always)]
pub(crate) fn runqput(pp: &P, gp: &'static G, next: bool) {
    let knobs = knobs();
    if knobs.gm_model {
        globrunqput(gp);
        return;
    }
    let next = next && knobs.runnext;
    trace::enqueue(gp.goid(), if next { Queue::Runnext } else { Queue::Ring });
    if !next {
        runqput_ring(pp, NonNull::from(gp));
        return;
    }
    // SAFETY: the caller holds `pp` (its runq's only producer) and `gp` is
    // on no queue.
    if let Some(kicked) = unsafe { pp.runq.runqput_runnext(NonNull::from(gp)) } {
        // SAFETY: queue entries are live Gs.
        trace::runnext_kick(unsafe { kicked.as_ref() }.goid());
        runqput_ring(pp, kicked);
    }
}

/// `runqput(gp, false)`: the tail of the ring, spilling to the global queue
/// when it is full. Out of line, so the common `runnext` put stays small.
#[inline(never)]
fn runqput_ring(pp: &P, gp: NonNull<G>) {
    // SAFETY: the caller holds `pp` (its runq's only producer) and `gp` is
    // on no queue (a new runnable G, or the one just kicked out of runnext).
    if let Some(batch) = unsafe { pp.runq.runqput(gp, false) } {
        runqput_overflow(pp, batch);
    }
}

/// The ring was full: `batch` (half of it plus the new G) goes to the
/// global queue (the slow half of Go's `runqputslow`).
#[cold]
#[inline(never)]
fn runqput_overflow(pp: &P, mut batch: gmp_sched::glist::GQueue<G>) {
    if knobs().fault == Fault::RunqLose {
        // The deliberate bug of `fault=runq-lose` (negative control for
        // the torture workload): the head of the spilled batch is
        // dropped, a runnable G on no queue.
        let _lost = batch.pop();
    }
    trace::overflow(batch.len());
    pp.stats
        .overflows
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    let mut s = sched::lock();
    s.runq.globrunqputbatch(batch);
    s.sync_runqsize();
}

/// Put `gp` at the tail of the global queue.
///
/// Context: interrupts off.
pub(crate) fn globrunqput(gp: &'static G) {
    trace::enqueue(gp.goid(), Queue::Global);
    let mut s = sched::lock_irqs_off();
    // SAFETY: `gp` is on no queue (the caller just made it runnable).
    unsafe { s.runq.globrunqput(NonNull::from(gp)) };
    s.sync_runqsize();
}

/// The M's view of the queues for the portable decision sequence.
struct Finder {
    m: &'static M,
    pp: &'static P,
}

impl Sources for Finder {
    type G = &'static G;

    fn schedtick(&self) -> u64 {
        self.pp.schedtick.load(Ordering::Relaxed)
    }

    fn fairness_enabled(&self) -> bool {
        knobs().fairness61
    }

    fn global_nonempty(&self) -> bool {
        SCHED.runqsize.load(Ordering::Acquire) != 0
    }

    fn globrunqget_one(&mut self) -> Option<&'static G> {
        globrunqget(self.pp, 1)
    }

    fn runqget(&mut self) -> Option<(&'static G, bool)> {
        // SAFETY: this M holds `pp`, the queue's owner; entries are live Gs.
        let got = unsafe { self.pp.runq.runqget() }
            .map(|(g, inherit)| (unsafe { &*g.as_ptr() }, inherit));
        if let Some((_, true)) = got {
            self.pp.stats.runnext_runs.fetch_add(1, Ordering::Relaxed);
        }
        got
    }

    fn globrunqget_batch(&mut self) -> Option<&'static G> {
        globrunqget(self.pp, glob_batch_max())
    }

    fn spinning(&self) -> bool {
        self.m.spinning.load(Ordering::Relaxed)
    }

    fn may_start_spinning(&self) -> bool {
        let knobs = knobs();
        if !knobs.steal || knobs.gm_model {
            return false;
        }
        if !knobs.spinning {
            // Without the spinning limit every M that runs dry may steal.
            return true;
        }
        let ok = spinning::may_start_spinning(
            SCHED.nmspinning.load(Ordering::Acquire),
            gomaxprocs(),
            SCHED.npidle.load(Ordering::Acquire),
        );
        if !ok {
            self.pp.stats.spin_refused.fetch_add(1, Ordering::Relaxed);
        }
        ok
    }

    fn become_spinning(&mut self) {
        become_spinning(self.m);
    }

    fn steal_work(&mut self) -> Option<(&'static G, bool)> {
        let knobs = knobs();
        if !knobs.steal || knobs.gm_model {
            // An M started as a spinner (wakep) still spins, but takes
            // nothing from other Ps: it looks at the global queue only.
            return None;
        }
        steal_work(self.m, self.pp).map(|g| (g, false))
    }
}

/// The cap on a global-queue batch: none in the G/M/P model (Go's formula
/// applies), one in the Go 1.0 model, which had no local queues at all.
fn glob_batch_max() -> u32 {
    if knobs().gm_model { 1 } else { u32::MAX }
}

/// Take a batch from the global queue: one to run, the rest into `pp`'s
/// ring. The batch is Go's `min(size, size/gomaxprocs + 1, ring/2)`, further
/// capped by `max` (1 for the fairness check, `u32::MAX` for no extra cap).
fn globrunqget(pp: &'static P, max: u32) -> Option<&'static G> {
    let mut s = sched::lock_irqs_off();
    let before = s.runq.len();
    // SAFETY: this M holds `pp` (its ring's owner) and `sched.lock`.
    let gp = unsafe { s.runq.globrunqget(&pp.runq, max, gomaxprocs()) };
    let taken = before - s.runq.len();
    s.sync_runqsize();
    drop(s);
    let gp = gp?;
    trace::global_take(taken);
    pp.stats.glob_takes.fetch_add(1, Ordering::Relaxed);
    // SAFETY: queue entries are live Gs.
    Some(unsafe { &*gp.as_ptr() })
}

/// Steal from the other Ps: four passes in a random order that visits each
/// P once per pass; only the last pass may take a victim's `runnext`.
fn steal_work(m: &'static M, pp: &'static P) -> Option<&'static G> {
    let order = STEAL_ORDER.get().expect("steal order initialised");
    let ps = allp();
    for i in 0..STEAL_TRIES {
        let steal_runnext = i == STEAL_TRIES - 1;
        let draw = m.rand().next_u32();
        if m.first_steal_draw.load(Ordering::Relaxed) == u64::MAX {
            m.first_steal_draw.store(u64::from(draw), Ordering::Relaxed);
        }
        let mut e = order.start(draw);
        while !e.done() {
            let p2 = &ps[e.position() as usize];
            e.advance();
            if core::ptr::eq(pp, p2) || p2.status() == Pstatus::Pidle {
                continue;
            }
            let pause = || {
                if p2.status() == Pstatus::Prunning {
                    tsc::spin_ns(RUNNEXT_STEAL_PAUSE_NS);
                }
            };
            let stolen = if knobs().fault == Fault::RunqDup {
                // The deliberate bug of `fault=runq-dup` (a negative
                // control): claim the victim's Gs without a CAS.
                // SAFETY: as below.
                unsafe { pp.runq.runqsteal_broken(&p2.runq, steal_runnext, pause) }
            } else {
                // SAFETY: this M holds `pp`, the thief's queue; its ring is
                // empty (findRunnable steals only after runqget failed).
                unsafe { pp.runq.runqsteal_runnext(&p2.runq, steal_runnext, pause) }
            };
            if let Some((gp, n, from_next)) = stolen {
                trace::steal(p2.id, n, from_next);
                pp.stats.steals_in.fetch_add(n as u64, Ordering::Relaxed);
                p2.stats.steals_out.fetch_add(n as u64, Ordering::Relaxed);
                // SAFETY: queue entries are live Gs.
                return Some(unsafe { &*gp.as_ptr() });
            }
        }
    }
    pp.stats.steal_misses.fetch_add(1, Ordering::Relaxed);
    None
}

// ----- spinning --------------------------------------------------------------

fn become_spinning(m: &M) {
    m.spinning.store(true, Ordering::Relaxed);
    SCHED.nmspinning.fetch_add(1, Ordering::AcqRel);
    // Go 1.21: a new spinner satisfies an outstanding request for one.
    SCHED.needspinning.store(0, Ordering::Release);
}

/// A spinning M found work: stop spinning and, if it was the last spinner,
/// wake another M to keep looking (Go's `resetspinning`).
fn resetspinning(m: &M) {
    assert!(
        m.spinning.load(Ordering::Relaxed),
        "resetspinning: M{} is not spinning",
        m.id
    );
    m.spinning.store(false, Ordering::Relaxed);
    let prev = SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
    assert!(prev > 0, "resetspinning: negative nmspinning");
    wakep();
}

/// Try to put one more M to work spinning: only if an M is idle, a P is
/// idle and nobody spins already (Go's `wakep`).
///
/// Context: interrupts off.
pub(crate) fn wakep() {
    if knobs().gm_model {
        // Go 1.0 had no spinning: any idle M with any idle P is started.
        let pp = sched::lock().pidleget();
        if let Some(pp) = pp {
            startm(Some(pp), false);
        }
        return;
    }
    if SCHED.nmspinning.load(Ordering::Acquire) != 0
        || SCHED
            .nmspinning
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let pp = sched::lock_irqs_off().pidleget_spinning();
    match pp {
        Some(pp) => startm(Some(pp), true),
        None => {
            let prev = SCHED.nmspinning.fetch_sub(1, Ordering::AcqRel);
            assert!(prev > 0, "wakep: negative nmspinning");
        }
    }
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
        s.pidleput(pp);
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
fn notewakeup(mp: &M) {
    if super::probe::on() {
        super::probe::WAKE_SENT[mp.id as usize].store(cpu::rdtsc(), Ordering::Relaxed);
    }
    mp.park.store(true, Ordering::Release);
    apic::send_ipi(mp.apic(), VECTOR_WAKE);
}

/// Park this M until `startm` hands it a P (Go's `stopm`). Returns holding
/// a P, possibly spinning (when it answers a pending `needspinning`).
///
/// Context: g0, interrupts off, holding no P and not spinning.
fn stopm(m: &'static M) {
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
    if SCHED.needspinning.load(Ordering::Acquire) == 1
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
    trace::m_park();
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
    if super::probe::on() {
        let sent = super::probe::WAKE_SENT[m.id as usize].swap(0, Ordering::Relaxed);
        if sent != 0 {
            super::probe::WAKE.push(cpu::rdtsc().saturating_sub(sent));
        }
    }
    if !ticks_while_parked(m) {
        crate::arch::timer::start_this_cpu();
    }
    let pp = m.nextp.swap(core::ptr::null_mut(), Ordering::Acquire);
    assert!(!pp.is_null(), "stopm: M{} woken without a P", m.id);
    // SAFETY: Ps are leaked and live forever.
    acquirep(m, unsafe { &*pp });
    trace::m_wake();
}

/// Whether `m` keeps its timer tick while parked: M0 runs sysmon, M1
/// watches M0 (`watchdog::on_tick`).
fn ticks_while_parked(m: &M) -> bool {
    m.id <= 1
}

/// After releasing the P: is there work anywhere? If so, take an idle P back
/// (Go's `checkRunqsNoP`).
fn check_runqs_no_p() -> Option<&'static P> {
    for p2 in allp() {
        if p2.status() != Pstatus::Pidle && !p2.runq.runqempty() {
            return sched::lock().pidleget_spinning();
        }
    }
    None
}

// ----- the loop --------------------------------------------------------------

/// Find a runnable G, parking this M while there is none (Go's
/// `findRunnable`). Returns with a P held.
///
/// Context: g0, interrupts off, holding a P.
fn find_runnable(m: &'static M) -> (&'static G, bool) {
    loop {
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
            return (gp, inherit);
        }

        // Step 6: nothing found. Give the P back, re-check, park.
        let mut s = sched::lock();
        if SCHED.runqsize.load(Ordering::Acquire) != 0 {
            drop(s);
            if let Some(gp) = globrunqget(pp, glob_batch_max()) {
                return (gp, false);
            }
            continue;
        }
        if !m.spinning.load(Ordering::Relaxed) && SCHED.needspinning.load(Ordering::Acquire) == 1 {
            drop(s);
            become_spinning(m);
            continue;
        }
        let released = releasep(m);
        s.pidleput(released);
        drop(s);

        if m.spinning.load(Ordering::Relaxed) {
            m.spinning.store(false, Ordering::Relaxed);
            let prev = SCHED.nmspinning.fetch_sub(1, Ordering::SeqCst);
            assert!(prev > 0, "findRunnable: negative nmspinning");
            // The delicate dance: nmspinning dropped first (SeqCst above is
            // the StoreLoad barrier), now look at every queue once more.
            if let Some(pp) = check_runqs_no_p() {
                acquirep(m, pp);
                become_spinning(m);
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
    let m = crate::runtime::m::this_m();
    assert!(
        m.locks.load(Ordering::Relaxed) == 0,
        "schedule: M{} holding locks",
        m.id
    );
    assert!(
        m.curg().is_none(),
        "schedule: M{} still has a current G",
        m.id
    );
    if m.spinning.load(Ordering::Relaxed) {
        let pp = m.p().expect("schedule without a P");
        assert!(
            pp.runq.runqempty(),
            "schedule: M{} spinning with local work",
            m.id
        );
    }
    // Keep frames ready for this core's G-stack faults (no lock is held here).
    crate::mem::gstack::refill_this_cpu();
    let (gp, inherit_time) = find_runnable(m);
    if m.spinning.load(Ordering::Relaxed) {
        resetspinning(m);
    }
    execute(m, gp, inherit_time)
}

/// Run `gp` on this M (Go's `execute`): a new time slice unless inherited.
fn execute(m: &'static M, gp: &'static G, inherit_time: bool) -> ! {
    let pp = m.p().expect("execute without a P");
    check_stack(gp);
    m.set_curg(Some(gp));
    gp.m.store(m as *const M as *mut M, Ordering::Relaxed);
    gp.casgstatus(Gstatus::Grunnable, Gstatus::Grunning);
    gp.preempt.store(false, Ordering::Relaxed);
    if !inherit_time {
        pp.schedtick.fetch_add(1, Ordering::Relaxed);
    }
    pp.stats.gs_run.fetch_add(1, Ordering::Relaxed);
    trace::go_start(gp.goid());
    // SAFETY: `gp` is now this M's running G; its context was saved by mcall
    // or built by newproc, and its stack belongs to no other M.
    unsafe { context::gogo(gp.gobuf()) }
}

/// Resume `gp` immediately, keeping the time slice (used when a park is
/// aborted by its unlock function).
pub(crate) fn execute_now(gp: &'static G) -> ! {
    execute(crate::runtime::m::this_m(), gp, true)
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
        .and_then(|(slot, _, _)| super::allg::by_stack_slot(slot))
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

/// Forget the current G (Go's `dropg`): the G is switching out, so its
/// stack canary is checked here too.
#[inline]
pub(crate) fn dropg(m: &M, gp: &G) {
    check_stack(gp);
    gp.m.store(core::ptr::null_mut(), Ordering::Relaxed);
    m.set_curg(None);
}

/// Enter the scheduler on this M for the first time, at the top of its g0
/// stack (Go's `mstart`). An M with a P schedules; one without parks.
pub fn mstart() -> ! {
    cpu::interrupts_disable();
    let m = crate::runtime::m::this_m();
    let mut discard = Gobuf::default();
    let g0 = m.g0_stack_top.load(Ordering::Relaxed);
    // SAFETY: interrupts are off; `discard` is never resumed (mstart0 never
    // returns), and g0's stack is unused until now.
    unsafe { context::mcall(&mut discard, mstart0, g0) };
    unreachable!("mstart0 returned")
}

extern "C" fn mstart0(_discard: *mut Gobuf) -> ! {
    let m = crate::runtime::m::this_m();
    crate::arch::timer::start_this_cpu();
    if m.p.load(Ordering::Relaxed).is_null() {
        stopm(m);
    }
    schedule()
}
