//! Lockstep: every core its own instruction clock, under `--icount`.
//!
//! Design note. Under `-icount shift=0` QEMU's TCG runs every vCPU on one
//! host thread, one at a time, and the TSC counts the instructions of all
//! of them together: N cores doing W instructions of work take W, not W/N.
//! Lockstep (boot option `lockstep=Q`, the runner's `--lockstep`) turns
//! that one counter into N clocks, one per core:
//! - **The token.** One core at a time holds it and executes. Every other
//!   core waits in `hlt` with its task priority raised (CR8), so that only
//!   the token's IPI can wake it. A halted vCPU executes nothing, so while a
//!   core holds the token the TSC advances by its instructions alone: one
//!   *segment* of its clock.
//! - **A core's clock** = the instructions of its segments + the time it
//!   jumped while parked (its idle time). One instruction is one ns.
//! - **Turns.** When the holder's clock passes the end of its quantum (Q
//!   instructions after its segment began), the token goes to the core
//!   whose clock is lowest (ties: the lowest index). That is a
//!   discrete-event simulation of N cores, each running one instruction per
//!   ns, that stay within one quantum of each other.
//! - **Parked and woken.** A parked core (Go's `stopm`) leaves the race; a
//!   wake (the IPI `notewakeup` sends) puts it back at the waker's time.
//!   Core 0, the sysmon core, keeps ticking while parked: its next tick is
//!   its place in the race, and when that is lowest its clock jumps there
//!   and the tick runs.
//! - **Ticks** (sysmon, preemption, timers) fall due on the core's own
//!   clock: the holder's APIC timer is armed, one-shot, for the earlier of
//!   its quantum's end and its next tick; every waiting core's timer is off.
//!   Spin loops (`cpu::relax`) check the quantum too, so a core spinning
//!   with interrupts off for a lock or a flag hands the token on.
//!
//! Accounting: from [`start`], the TSC = Σ segments + Σ gaps, where a gap
//! is the hand-off's instructions between one segment's close and the next
//! one's open (they belong to no core). The sum holds only if no two
//! segments overlap, which is what [`Report::exclusive`] checks.
//!
//! Context: every function here runs with interrupts off (it turns them
//! off itself where a caller may have them on).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, Ordering};

use super::idt::VECTOR_TOKEN;
use super::trap::{self, Trap};
use super::{apic, cpu, percpu, timer, tsc};

/// Racing: runs when its clock is the lowest.
const RUNNING: u8 = 0;
/// Parked, out of the race until a wake.
const PARKED: u8 = 1;
/// Parked, but its next tick is its place in the race (core 0).
const TICKING: u8 = 2;

/// CR8 while waiting for the token: only vectors 0xf0 and up (the token's
/// class) are taken.
const CR8_TOKEN_ONLY: u64 = 0xe;

/// One core's clock. Written only by the token holder (its own, and a
/// woken or ticking core's), so plain loads and stores suffice; they are
/// atomics because the cores share them.
struct Core {
    apic: AtomicU32,
    state: AtomicU8,
    /// The clock (TSC ticks) at the open of the current segment, or where
    /// it stopped.
    clock: AtomicU64,
    /// Ticks executed in its own segments.
    own: AtomicU64,
    /// Ticks its clock jumped while parked, or to a tick.
    idle: AtomicU64,
    next_tick: AtomicU64,
    quantum_end: AtomicU64,
    /// The TSC at the open of the current segment.
    seg_tsc: AtomicU64,
    /// A segment is open (the core holds the token and is counting).
    open: AtomicBool,
    /// The token was handed over for a tick (a `TICKING` core).
    tick_due: AtomicBool,
    turns: AtomicU64,
}

impl Core {
    const fn new() -> Core {
        Core {
            apic: AtomicU32::new(0),
            state: AtomicU8::new(RUNNING),
            clock: AtomicU64::new(0),
            own: AtomicU64::new(0),
            idle: AtomicU64::new(0),
            next_tick: AtomicU64::new(0),
            quantum_end: AtomicU64::new(0),
            seg_tsc: AtomicU64::new(0),
            open: AtomicBool::new(false),
            tick_due: AtomicBool::new(false),
            turns: AtomicU64::new(0),
        }
    }
}

/// The mode was asked for (read once at boot, like Go's `debug` knobs).
static MODE: AtomicBool = AtomicBool::new(false);
/// The clocks run: set by [`start`], once every core waits for the token.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOLDER: AtomicU32 = AtomicU32::new(0);
static ARRIVED: AtomicU32 = AtomicU32::new(0);
static QUANTUM: AtomicU64 = AtomicU64::new(0);
static TICK: AtomicU64 = AtomicU64::new(0);
static START_TSC: AtomicU64 = AtomicU64::new(0);
static LAST_CLOSE: AtomicU64 = AtomicU64::new(0);
static GAPS: AtomicU64 = AtomicU64::new(0);
static OVERLAPS: AtomicU64 = AtomicU64::new(0);
/// Σ of the jumps `not_before` made (part of the cores' idle time).
static CAUSAL: AtomicU64 = AtomicU64::new(0);
static CORES: spin::Once<&'static [Core]> = spin::Once::new();

fn cores() -> &'static [Core] {
    CORES.get().expect("lockstep: used before init")
}

/// Whether lockstep was asked for.
#[inline]
pub fn mode() -> bool {
    MODE.load(Ordering::Relaxed)
}

/// Whether the per-core clocks run (from [`start`] on).
#[inline]
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Ask for lockstep: the cores' APIC ids in core order, the quantum and the
/// tick period in ns. Bootstrap core, before the other cores are released.
pub fn init(apics: impl Iterator<Item = u32>, quantum_ns: u64, tick_ns: u64) {
    let all: Vec<Core> = apics
        .map(|id| {
            let c = Core::new();
            c.apic.store(id, Ordering::Relaxed);
            c
        })
        .collect();
    CORES.call_once(|| Box::leak(all.into_boxed_slice()));
    QUANTUM.store(tsc::ns_to_ticks(quantum_ns).max(1), Ordering::Relaxed);
    TICK.store(tsc::ns_to_ticks(tick_ns).max(1), Ordering::Relaxed);
    MODE.store(true, Ordering::Release);
}

/// A core other than the bootstrap one, released from the boot gate:
/// counts itself, then waits for its first turn.
pub fn ap_arrive() {
    let me = percpu::this_cpu_id();
    let were = cpu::interrupts_disable_save();
    ARRIVED.fetch_add(1, Ordering::AcqRel);
    wait_token(me);
    open(me);
    cpu::interrupts_restore(were);
}

/// Bootstrap core: wait until every other core waits for the token, then
/// start every clock at 0 and take the first turn.
pub fn start() {
    let n = cores().len() as u32;
    while ARRIVED.load(Ordering::Acquire) + 1 < n {
        // `pause` ends this vCPU's turn under icount, so the others run.
        core::hint::spin_loop();
    }
    let were = cpu::interrupts_disable_save();
    for c in cores() {
        c.next_tick
            .store(TICK.load(Ordering::Relaxed), Ordering::Relaxed);
    }
    let t = cpu::rdtsc();
    START_TSC.store(t, Ordering::Relaxed);
    LAST_CLOSE.store(t, Ordering::Relaxed);
    HOLDER.store(0, Ordering::Release);
    ACTIVE.store(true, Ordering::Release);
    open(0);
    cpu::interrupts_restore(were);
}

/// This core's clock in ns (Go's `nanotime` in lockstep). Cold and out of
/// line, so that the common path of `tsc::nanotime` stays a load and a
/// branch (the instruction budgets count it).
#[cold]
#[inline(never)]
pub fn now_ns() -> u64 {
    let were = cpu::interrupts_disable_save();
    let t = clock_now(&cores()[percpu::this_cpu_id() as usize]);
    cpu::interrupts_restore(were);
    tsc::ticks_to_ns(t)
}

/// This core's clock in TSC ticks (= instructions). Context: interrupts
/// off.
pub fn now_ticks() -> u64 {
    clock_now(&cores()[percpu::this_cpu_id() as usize])
}

/// Move this core's clock on to at least `ticks` (the time a G it is about
/// to run became runnable on another core): the jump is idle time.
/// Context: interrupts off.
pub fn not_before(ticks: u64) {
    let c = &cores()[percpu::this_cpu_id() as usize];
    let now = clock_now(c);
    if ticks > now && c.open.load(Ordering::Relaxed) {
        c.clock.fetch_add(ticks - now, Ordering::Relaxed);
        c.idle.fetch_add(ticks - now, Ordering::Relaxed);
        CAUSAL.fetch_add(ticks - now, Ordering::Relaxed);
        arm(c);
    }
}

fn clock_now(c: &Core) -> u64 {
    let base = c.clock.load(Ordering::Relaxed);
    if c.open.load(Ordering::Relaxed) {
        base + cpu::rdtsc().saturating_sub(c.seg_tsc.load(Ordering::Relaxed))
    } else {
        base
    }
}

/// Begin a segment: this core holds the token from here.
fn open(me: u32) {
    let c = &cores()[me as usize];
    let t = cpu::rdtsc();
    let last = LAST_CLOSE.load(Ordering::Relaxed);
    match t.checked_sub(last) {
        Some(gap) => GAPS.fetch_add(gap, Ordering::Relaxed),
        None => OVERLAPS.fetch_add(1, Ordering::Relaxed),
    };
    c.seg_tsc.store(t, Ordering::Relaxed);
    let clock = c.clock.load(Ordering::Relaxed);
    c.quantum_end
        .store(clock + QUANTUM.load(Ordering::Relaxed), Ordering::Relaxed);
    c.open.store(true, Ordering::Relaxed);
    arm(c);
}

/// End a segment: its instructions join this core's clock.
fn close(me: u32) {
    let c = &cores()[me as usize];
    if !c.open.swap(false, Ordering::Relaxed) {
        return;
    }
    let t = cpu::rdtsc();
    let d = t.saturating_sub(c.seg_tsc.load(Ordering::Relaxed));
    c.clock.fetch_add(d, Ordering::Relaxed);
    c.own.fetch_add(d, Ordering::Relaxed);
    LAST_CLOSE.store(t, Ordering::Relaxed);
}

/// Arm the holder's timer for the earlier of its quantum's end and its
/// next tick.
fn arm(c: &Core) {
    let now = clock_now(c);
    let until = c
        .quantum_end
        .load(Ordering::Relaxed)
        .min(c.next_tick.load(Ordering::Relaxed));
    // At least a few hundred instructions, so the handler is not re-entered
    // before it returns.
    timer::arm_oneshot_ns(tsc::ticks_to_ns(until.saturating_sub(now).max(256)));
}

/// The core that runs next: the lowest clock among the racing ones, a
/// ticking core at its next tick.
fn pick() -> u32 {
    let mut best: Option<(u64, u32)> = None;
    for (i, c) in cores().iter().enumerate() {
        let at = match c.state.load(Ordering::Relaxed) {
            RUNNING => c.clock.load(Ordering::Relaxed),
            TICKING => c
                .clock
                .load(Ordering::Relaxed)
                .max(c.next_tick.load(Ordering::Relaxed)),
            _ => continue,
        };
        if best.is_none_or(|(b, _)| at < b) {
            best = Some((at, i as u32));
        }
    }
    best.expect("lockstep: every core is parked and none ticks")
        .1
}

/// Give the token to the lowest clock (perhaps this core again) and wait
/// until it comes back. This core's segment is closed.
fn hand_over(me: u32) {
    let next = pick();
    let n = &cores()[next as usize];
    if n.state.load(Ordering::Relaxed) == TICKING {
        let clock = n.clock.load(Ordering::Relaxed);
        let at = clock.max(n.next_tick.load(Ordering::Relaxed));
        n.idle.fetch_add(at - clock, Ordering::Relaxed);
        n.clock.store(at, Ordering::Relaxed);
        n.tick_due.store(true, Ordering::Relaxed);
    }
    if next == me {
        return;
    }
    timer::disarm();
    n.turns.fetch_add(1, Ordering::Relaxed);
    HOLDER.store(next, Ordering::Release);
    apic::send_ipi(n.apic.load(Ordering::Relaxed), VECTOR_TOKEN);
    wait_token(me);
}

/// Halt until the token is this core's. Only the token's vector is taken
/// meanwhile; the others stay pending until this core runs again.
fn wait_token(me: u32) {
    let old = read_cr8();
    write_cr8(CR8_TOKEN_ONLY);
    while HOLDER.load(Ordering::Acquire) != me {
        // SAFETY: `sti; hlt; cli` only waits for an interrupt; CR8 lets only
        // the token's handler (EOI and return) run.
        unsafe { asm!("sti", "hlt", "cli", options(nomem, nostack)) };
    }
    write_cr8(old);
}

fn read_cr8() -> u64 {
    let v: u64;
    // SAFETY: reading CR8 (the task priority) has no side effects.
    unsafe { asm!("mov {}, cr8", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

fn write_cr8(v: u64) {
    // SAFETY: CR8 only masks interrupt classes at or below its value.
    unsafe { asm!("mov cr8, {}", in(reg) v, options(nomem, nostack, preserves_flags)) };
}

/// A spin loop's check (`cpu::relax`): past the quantum, take turns.
pub fn relax_point() {
    let me = percpu::this_cpu_id();
    let c = &cores()[me as usize];
    if !c.open.load(Ordering::Relaxed) || clock_now(c) < c.quantum_end.load(Ordering::Relaxed) {
        return;
    }
    let were = cpu::interrupts_disable_save();
    close(me);
    hand_over(me);
    open(me);
    cpu::interrupts_restore(were);
}

/// The APIC timer fired on the holder: take turns if the quantum is over;
/// returns whether a tick fell due on this core's clock (the caller then
/// runs it). Context: the timer's handler, EOI sent.
pub fn on_timer() -> bool {
    let me = percpu::this_cpu_id();
    let c = &cores()[me as usize];
    if !c.open.load(Ordering::Relaxed) {
        return false;
    }
    if clock_now(c) >= c.quantum_end.load(Ordering::Relaxed) {
        close(me);
        hand_over(me);
        open(me);
    }
    let now = clock_now(c);
    let tick = TICK.load(Ordering::Relaxed);
    let next = c.next_tick.load(Ordering::Relaxed);
    let due = now >= next;
    if due {
        // Keep the phase; skip the ticks a long stretch passed over.
        let behind = (now - next) / tick + 1;
        c.next_tick.store(next + behind * tick, Ordering::Relaxed);
    }
    arm(c);
    due
}

/// Park (in place of `sti; hlt`): leave the race (core 0 keeps ticking),
/// and return when this core runs again — woken, or for a tick, which
/// runs before returning. Context: interrupts off.
pub fn halt() {
    let me = percpu::this_cpu_id();
    let c = &cores()[me as usize];
    close(me);
    c.state
        .store(if me == 0 { TICKING } else { PARKED }, Ordering::Relaxed);
    hand_over(me);
    let ticked = c.tick_due.swap(false, Ordering::Relaxed);
    if ticked {
        let tick = TICK.load(Ordering::Relaxed);
        c.next_tick
            .store(c.clock.load(Ordering::Relaxed) + tick, Ordering::Relaxed);
    }
    c.state.store(RUNNING, Ordering::Relaxed);
    open(me);
    if ticked {
        trap::dispatch(Trap::Timer);
    }
}

/// A wake for the core with `apic_id` (in place of the wake IPI): back in
/// the race, at the waker's time if its own clock is behind.
pub fn wake(apic_id: u32) {
    let were = cpu::interrupts_disable_save();
    let me = &cores()[percpu::this_cpu_id() as usize];
    let now = clock_now(me);
    if let Some(c) = cores()
        .iter()
        .find(|c| c.apic.load(Ordering::Relaxed) == apic_id)
        && c.state.load(Ordering::Relaxed) != RUNNING
    {
        let clock = c.clock.load(Ordering::Relaxed);
        if now > clock {
            c.idle.fetch_add(now - clock, Ordering::Relaxed);
            c.clock.store(now, Ordering::Relaxed);
        }
        let tick = TICK.load(Ordering::Relaxed);
        c.next_tick
            .store(c.clock.load(Ordering::Relaxed) + tick, Ordering::Relaxed);
        c.state.store(RUNNING, Ordering::Relaxed);
    }
    cpu::interrupts_restore(were);
}

/// One core's clock at the end of a run.
#[derive(Clone, Copy, Debug)]
pub struct CoreClock {
    /// Its clock, ns.
    pub clock: u64,
    /// Instructions it executed.
    pub own: u64,
    /// Time its clock jumped while parked.
    pub idle: u64,
    /// Turns it was given.
    pub turns: u64,
    /// own + idle = clock, exactly (in TSC ticks, before the rounding to
    /// ns of the three figures above).
    pub balanced: bool,
}

/// The clocks and the accounting, read by the holder at the end of a run.
#[derive(Clone, Debug)]
pub struct Report {
    /// Each core's clock.
    pub cores: Vec<CoreClock>,
    /// The TSC since [`start`] (all instructions of all cores).
    pub elapsed: u64,
    /// Σ segments (each core's own instructions).
    pub segments: u64,
    /// Σ gaps (hand-offs).
    pub gaps: u64,
    /// Segments that opened before the previous one closed (must be 0).
    pub overlaps: u64,
    /// The quantum, ns.
    pub quantum: u64,
    /// Of the idle time: the jumps to a G's ready time (`not_before`), ns.
    pub causal: u64,
}

impl Report {
    /// Segments never overlapped and, with the gaps, account for every
    /// instruction since the start.
    pub fn exclusive(&self) -> bool {
        self.overlaps == 0 && self.segments + self.gaps == self.elapsed
    }
}

/// Read the clocks; `None` unless lockstep runs. Closes and reopens the
/// caller's segment, so the figures are exact at this instant.
pub fn report() -> Option<Report> {
    if !active() {
        return None;
    }
    let were = cpu::interrupts_disable_save();
    let me = percpu::this_cpu_id();
    close(me);
    // A parked core has been idle until now: bring its clock here, so that
    // every clock reads the same moment (a racing one is within its turn).
    let now = cores()[me as usize].clock.load(Ordering::Relaxed);
    for c in cores() {
        let clock = c.clock.load(Ordering::Relaxed);
        if c.state.load(Ordering::Relaxed) != RUNNING && clock < now {
            c.idle.fetch_add(now - clock, Ordering::Relaxed);
            c.clock.store(now, Ordering::Relaxed);
        }
    }
    let elapsed = LAST_CLOSE.load(Ordering::Relaxed) - START_TSC.load(Ordering::Relaxed);
    let clocks: Vec<CoreClock> = cores()
        .iter()
        .map(|c| CoreClock {
            clock: tsc::ticks_to_ns(c.clock.load(Ordering::Relaxed)),
            own: tsc::ticks_to_ns(c.own.load(Ordering::Relaxed)),
            idle: tsc::ticks_to_ns(c.idle.load(Ordering::Relaxed)),
            turns: c.turns.load(Ordering::Relaxed),
            balanced: c.own.load(Ordering::Relaxed) + c.idle.load(Ordering::Relaxed)
                == c.clock.load(Ordering::Relaxed),
        })
        .collect();
    let segments = cores().iter().map(|c| c.own.load(Ordering::Relaxed)).sum();
    let report = Report {
        cores: clocks,
        elapsed,
        segments,
        gaps: GAPS.load(Ordering::Relaxed),
        overlaps: OVERLAPS.load(Ordering::Relaxed),
        quantum: tsc::ticks_to_ns(QUANTUM.load(Ordering::Relaxed)),
        causal: tsc::ticks_to_ns(CAUSAL.load(Ordering::Relaxed)),
    };
    open(me);
    cpu::interrupts_restore(were);
    Some(report)
}
