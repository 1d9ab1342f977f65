//! Recording scheduler events for `--trace` (format: `gmp_sched::trace`).
//!
//! One buffer per core, sized at boot when `trace=on`: a core writes only
//! its own buffer, with interrupts off for the few bytes of one event, so
//! recording needs no lock and an interrupt handler that records (a timer
//! readying a G, a preemption) cannot interleave with the code it
//! interrupted. A full buffer drops further events and counts them; the
//! count travels in the dump, so losses are never silent. At exit the main
//! G writes every buffer to the second serial port (COM2), where the runner
//! collects it (`tracedump`). With `trace=off` every recording point costs one load of
//! [`FLAGS`] and a branch.
//!
//! The recording points are also where `tracking=on` (`runtime::tracking`)
//! measures scheduling latency and CPU time: [`FLAGS`] has one bit per
//! observer, and the G events' slow path hands the G to the tracker before
//! recording, so with every observer off the hot paths pay the one load
//! and branch they paid before tracking existed.

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering};

use alloc::vec::Vec;

use gmp_sched::trace::{Event, Queue, StopReason, encode};

use crate::arch::cpu;
use crate::runtime::diag::tracking::{self, Hook};
use crate::runtime::objects::g::G;
use crate::runtime::objects::m::{self, MAX_MS};

/// The observers that are on: [`RECORD`] (events into the buffers) and
/// [`TRACKING`] (`runtime::tracking`). Zero: every recording point is one
/// load and a not-taken branch.
pub(super) static FLAGS: AtomicU8 = AtomicU8::new(0);
/// [`FLAGS`] bit: events are recorded.
const RECORD: u8 = 1;
/// [`FLAGS`] bit: `runtime::tracking` stamps the Gs.
const TRACKING: u8 = 2;
/// [`FLAGS`] bit (with [`RECORD`]): the buffers are flight-recorder rings.
pub(super) const FLIGHT: u8 = 4;
/// [`FLAGS`] bit: every recording point is a `chaos` sync point.
const CHAOS: u8 = 8;
/// [`FLAGS`] bit: lockstep's per-core clocks run (`arch::lockstep`): the G
/// events keep a G's time causal across cores, and stamps are read from
/// the core's own clock.
const LOCKSTEP: u8 = 16;

/// The buffers exist (`trace` was asked for at boot): recording can be
/// paused and resumed (the console's `trace stop|start`), and they are
/// written at the end, or at a failure, once.
static READY: AtomicBool = AtomicBool::new(false);

/// Make every recording point a chaos point (`diag::chaos::init`).
pub(crate) fn observe_chaos() {
    FLAGS.fetch_or(CHAOS, Ordering::Release);
}

/// Lockstep's clocks run (`runtime::start`): see [`LOCKSTEP`].
pub(crate) fn observe_lockstep() {
    FLAGS.fetch_or(LOCKSTEP, Ordering::Release);
}

/// This core's clock: its own under lockstep, else the TSC.
#[inline]
fn clock(flags: u8) -> u64 {
    if flags & LOCKSTEP != 0 {
        crate::arch::lockstep::now_ticks()
    } else {
        cpu::rdtsc()
    }
}

/// The observers' stamp for "now" on this core ([`clock`]), for a reader
/// outside a report (tracking's running CPU time).
pub(crate) fn stamp_now() -> u64 {
    let were = cpu::interrupts_disable_save();
    let t = clock(FLAGS.load(Ordering::Relaxed));
    cpu::interrupts_restore(were);
    t
}

/// Turn the tracking observer on (`runtime::tracking::init`).
pub(crate) fn observe_tracking() {
    FLAGS.fetch_or(TRACKING, Ordering::Release);
}
pub(super) static START_TSC: AtomicU64 = AtomicU64::new(0);

/// Largest per-core buffer.
const MAX_BUF: usize = 32 << 20;
/// Smallest per-core buffer.
const MIN_BUF: usize = 256 << 10;

/// Segments of a flight-recorder ring.
pub(super) const NSEG: usize = 8;

pub(super) struct Buf {
    /// Start and capacity of the buffer (leaked at init, never freed).
    pub(super) data: AtomicPtr<u8>,
    pub(super) cap: AtomicUsize,
    pub(super) len: AtomicUsize,
    pub(super) base_ts: AtomicU64,
    pub(super) last_ts: AtomicU64,
    pub(super) events: AtomicU64,
    pub(super) dropped: AtomicU64,
    /// Flight recorder: the segment being written, how often the writer
    /// moved on to the next one, and per segment its bytes, events and the
    /// timestamp its first event's delta starts from.
    pub(super) seg: AtomicUsize,
    pub(super) rotations: AtomicU64,
    pub(super) seg_len: [AtomicUsize; NSEG],
    pub(super) seg_events: [AtomicU64; NSEG],
    pub(super) seg_base: [AtomicU64; NSEG],
    /// Events overwritten by the ring.
    pub(super) overwritten: AtomicU64,
}

pub(super) static BUFS: [Buf; MAX_MS] = [const {
    Buf {
        data: AtomicPtr::new(core::ptr::null_mut()),
        cap: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        base_ts: AtomicU64::new(0),
        last_ts: AtomicU64::new(0),
        events: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
        seg: AtomicUsize::new(0),
        rotations: AtomicU64::new(0),
        seg_len: [const { AtomicUsize::new(0) }; NSEG],
        seg_events: [const { AtomicU64::new(0) }; NSEG],
        seg_base: [const { AtomicU64::new(0) }; NSEG],
        overwritten: AtomicU64::new(0),
    }
}; MAX_MS];

/// Allocate the buffers and start recording. Bootstrap core, before the
/// scheduler starts. With `trace=on` each core gets an equal share of an
/// eighth of free memory, between 256 KiB and 32 MiB; with `trace=flight`
/// a ring of `flight` KiB.
///
/// # The flight recorder
/// A ring is [`NSEG`] segments. Events go into the current segment; one
/// that does not fit moves the writer to the next segment, which is
/// emptied (its events are overwritten). Event timestamps are deltas from
/// the core's previous event, so segments written one after the other
/// decode as one stream; only the oldest kept segment needs a starting
/// point, its `seg_base`. The dump writes the kept segments oldest first
/// as one ordinary chunk, so the runner reads a flight dump like any other;
/// it holds between 7/8 of the ring and all of it.
pub fn init(flight_kib: Option<u32>) {
    let ncpu = m::mcount();
    let free = crate::mem::frame::available() as usize * 4096;
    let each = match flight_kib {
        Some(kib) => kib as usize * 1024,
        None => (free / 8 / ncpu).clamp(MIN_BUF, MAX_BUF),
    };
    let now = cpu::rdtsc();
    for b in &BUFS[..ncpu] {
        let mem: &'static mut [u8] = Vec::leak(alloc::vec![0u8; each]);
        b.data.store(mem.as_mut_ptr(), Ordering::Relaxed);
        b.cap.store(each, Ordering::Relaxed);
        b.base_ts.store(now, Ordering::Relaxed);
        b.last_ts.store(now, Ordering::Relaxed);
        b.seg_base[0].store(now, Ordering::Relaxed);
    }
    START_TSC.store(now, Ordering::Relaxed);
    crate::arch::exit::on_failure(flush_on_failure);
    READY.store(true, Ordering::Release);
    if flight_kib.is_some() {
        crate::kprintln!(
            "trace: flight recorder: the last {} KiB of events per core ({} cores), written at the end or on a failure",
            each / 1024,
            ncpu
        );
        FLAGS.fetch_or(RECORD | FLIGHT, Ordering::Release);
    } else {
        crate::kprintln!(
            "trace: recording into {} x {} KiB per-core buffers",
            ncpu,
            each / 1024
        );
        FLAGS.fetch_or(RECORD, Ordering::Release);
    }
}

/// Write the trace now, because the run is failing (a panic, a fault, the
/// watchdog, a failed check: every `exit_qemu(Failure)`), if it was not
/// written yet. Other cores may still be recording: recording stops first,
/// and the writer waits a moment for an event in flight to be finished.
fn flush_on_failure() {
    FLAGS.fetch_and(!RECORD, Ordering::AcqRel);
    if !READY.swap(false, Ordering::AcqRel) {
        return;
    }
    crate::arch::tsc::spin_ns(50_000);
    let (events, dropped) = super::tracedump::write_dump();
    crate::arch::console::print_for_panic(format_args!(
        "trace: {events} events written to COM2 at the failure, {dropped} dropped\n"
    ));
}

/// Pause (`false`) or resume (`true`) recording; an error when the run was
/// not started with tracing (there are no buffers, and nothing would
/// collect them).
pub fn set_recording(on: bool) -> Result<(), &'static str> {
    if !READY.load(Ordering::Acquire) {
        return Err(
            "tracing needs `--trace` on the runner's command line (it sets up the buffers and collects the files)",
        );
    }
    if on {
        FLAGS.fetch_or(RECORD, Ordering::Release);
    } else {
        FLAGS.fetch_and(!RECORD, Ordering::Release);
    }
    Ok(())
}

/// Whether any observer is on (one load; for callers that record several
/// events behind one check).
#[inline(always)]
pub fn on() -> bool {
    FLAGS.load(Ordering::Relaxed) != 0
}

/// Record `e` (built from this core's clock, id and P) on this core.
#[inline]
fn emit(make: impl FnOnce(u64, u32, Option<u32>) -> Event) {
    // Events about no G matter only to the recording and to chaos
    // (tracking alone must not send every queue event down the slow path).
    if FLAGS.load(Ordering::Relaxed) & (RECORD | CHAOS) == 0 {
        return;
    }
    emit_slow(None, make);
}

/// [`emit`] for an event about `gp`, which the tracker sees as `hook`.
#[inline]
fn emit_g(gp: &G, hook: Hook, make: impl FnOnce(u64, u32, Option<u32>) -> Event) {
    if !on() {
        return;
    }
    emit_slow(Some((gp, hook)), make);
}

#[inline(never)]
fn emit_slow(g: Option<(&G, Hook)>, make: impl FnOnce(u64, u32, Option<u32>) -> Event) {
    let were = cpu::interrupts_disable_save();
    let mp = crate::runtime::objects::m::this_m();
    let p = mp.p().map(|pp| pp.id);
    let flags = FLAGS.load(Ordering::Relaxed);
    if flags & LOCKSTEP != 0
        && let Some((gp, hook)) = g
    {
        keep_causal(gp, hook);
    }
    if flags & TRACKING != 0
        && let Some((gp, hook)) = g
    {
        tracking::observe(gp, hook, mp, p, clock(flags));
    }
    if flags & RECORD != 0 {
        let stack = g.and_then(|(gp, hook)| crate::runtime::diag::tracestack::stack_of(gp, hook));
        let flight = flags & FLIGHT != 0;
        record(mp, p, flight, make);
        if let Some(st) = stack {
            record(mp, p, flight, st);
        }
    }
    if flags & CHAOS != 0 {
        crate::runtime::diag::chaos::point();
    }
    cpu::interrupts_restore(were);
}

/// Lockstep: a G that becomes runnable carries its core's time; the core
/// that starts it is moved on to at least that time, as a real core could
/// not run it earlier. Context: interrupts off.
fn keep_causal(gp: &G, hook: Hook) {
    let t = &gp.track.ready_clock;
    match hook {
        Hook::Create | Hook::Unblock | Hook::Stop(_) | Hook::SyscallEnd => {
            t.store(crate::arch::lockstep::now_ticks(), Ordering::Relaxed);
        }
        Hook::Start => crate::arch::lockstep::not_before(t.load(Ordering::Relaxed)),
        _ => {}
    }
}

/// Encode one event into this core's buffer (its flight ring with
/// `flight`), stamped no earlier than the buffer's last event (a delta is
/// never negative). Context: interrupts off.
#[inline(always)]
fn record(
    mp: &crate::runtime::objects::m::M,
    p: Option<u32>,
    flight: bool,
    make: impl FnOnce(u64, u32, Option<u32>) -> Event,
) {
    let b = &BUFS[mp.id as usize];
    let last = b.last_ts.load(Ordering::Relaxed);
    let ts = clock(FLAGS.load(Ordering::Relaxed)).max(last);
    let e = make(ts, mp.id, p);
    if flight {
        append_flight(b, last, ts, &e);
    } else {
        append(b, last, ts, &e);
    }
}

/// Append `e`, stamped `ts`, to `b`'s linear buffer; `last` is the stamp
/// of the event before it.
#[inline(always)]
fn append(b: &Buf, last: u64, ts: u64, e: &Event) {
    let len = b.len.load(Ordering::Relaxed);
    let cap = b.cap.load(Ordering::Relaxed);
    // SAFETY: [len, cap) of this core's buffer is written only by this core
    // (interrupts off); the dumper reads only below the published `len`.
    let rest = unsafe {
        core::slice::from_raw_parts_mut(b.data.load(Ordering::Relaxed).add(len), cap - len)
    };
    match encode(e, last, rest) {
        Some(n) => {
            b.last_ts.store(ts, Ordering::Relaxed);
            b.events.fetch_add(1, Ordering::Relaxed);
            b.len.store(len + n, Ordering::Release);
        }
        None => {
            b.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// [`append`] for the flight-recorder ring (see [`init`]).
#[inline(always)]
fn append_flight(b: &Buf, last: u64, ts: u64, e: &Event) {
    let seg_cap = b.cap.load(Ordering::Relaxed) / NSEG;
    let data = b.data.load(Ordering::Relaxed);
    loop {
        let s = b.seg.load(Ordering::Relaxed);
        let len = b.seg_len[s].load(Ordering::Relaxed);
        // SAFETY: [s*seg_cap + len, (s+1)*seg_cap) lies in this core's
        // buffer and is written only by this core (interrupts off); the
        // dumper reads only below the published lengths.
        let rest =
            unsafe { core::slice::from_raw_parts_mut(data.add(s * seg_cap + len), seg_cap - len) };
        if let Some(n) = encode(e, last, rest) {
            b.last_ts.store(ts, Ordering::Relaxed);
            b.seg_events[s].fetch_add(1, Ordering::Relaxed);
            b.seg_len[s].store(len + n, Ordering::Release);
            return;
        }
        if len == 0 {
            // Cannot happen: `flight` is at least 4 KiB, so a segment is
            // at least 512 bytes, far more than one event.
            b.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let next = (s + 1) % NSEG;
        let r = b.rotations.load(Ordering::Relaxed) + 1;
        if r >= NSEG as u64 {
            let lost = b.seg_events[next].load(Ordering::Relaxed);
            b.overwritten.fetch_add(lost, Ordering::Relaxed);
        }
        b.seg_len[next].store(0, Ordering::Release);
        b.seg_events[next].store(0, Ordering::Relaxed);
        b.seg_base[next].store(last, Ordering::Relaxed);
        b.rotations.store(r, Ordering::Relaxed);
        b.seg.store(next, Ordering::Relaxed);
    }
}

/// The kept segments of `b`'s flight ring, oldest first.
pub(super) fn flight_segments(b: &Buf) -> impl Iterator<Item = usize> {
    let s = b.seg.load(Ordering::Relaxed);
    let r = b.rotations.load(Ordering::Relaxed) as usize;
    let first = if r + 1 >= NSEG { (s + 1) % NSEG } else { 0 };
    (0..(r + 1).min(NSEG)).map(move |i| (first + i) % NSEG)
}

fn curgoid() -> u64 {
    crate::runtime::objects::g::getg().map_or(0, |g| g.goid())
}

#[inline]
pub fn go_create(gp: &G) {
    emit_g(gp, Hook::Create, move |ts, m, p| Event::GoCreate {
        ts,
        m,
        p,
        goid: gp.goid(),
        parent: curgoid(),
    });
}
#[inline]
pub fn go_start(gp: &G) {
    emit_g(gp, Hook::Start, move |ts, m, p| Event::GoStart {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn go_stop(gp: &G, reason: StopReason) {
    emit_g(gp, Hook::Stop(reason), move |ts, m, p| Event::GoStop {
        ts,
        m,
        p,
        goid: gp.goid(),
        reason,
    });
}
#[inline]
pub fn go_block(gp: &G) {
    emit_g(gp, Hook::Block, move |ts, m, p| Event::GoBlock {
        ts,
        m,
        p,
        goid: gp.goid(),
        reason: gp.waitreason() as u8,
    });
}
#[inline]
pub fn go_unblock(gp: &G) {
    emit_g(gp, Hook::Unblock, move |ts, m, p| Event::GoUnblock {
        ts,
        m,
        p,
        goid: gp.goid(),
        by: curgoid(),
    });
}
#[inline]
pub fn go_end(gp: &G) {
    emit_g(gp, Hook::End, move |ts, m, p| Event::GoEnd {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn go_syscall_begin(gp: &G) {
    emit_g(gp, Hook::SyscallBegin, move |ts, m, p| {
        Event::GoSyscallBegin {
            ts,
            m,
            p,
            goid: gp.goid(),
        }
    });
}
#[inline]
pub fn go_syscall_end(gp: &G) {
    emit_g(gp, Hook::SyscallEnd, move |ts, m, p| Event::GoSyscallEnd {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn proc_start() {
    emit(move |ts, m, p| Event::ProcStart { ts, m, p });
}
#[inline]
pub fn proc_stop(pid: u32) {
    emit(move |ts, m, _| Event::ProcStop {
        ts,
        m,
        p: Some(pid),
    });
}
#[inline]
pub fn enqueue(gp: &G, queue: Queue) {
    emit(move |ts, m, p| Event::Enqueue {
        ts,
        m,
        p,
        goid: gp.goid(),
        queue,
    });
}
#[inline]
pub fn runnext_kick(gp: &G) {
    emit(move |ts, m, p| Event::RunnextKick {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn steal(victim: u32, count: u32, runnext: bool) {
    if on() {
        steal_slow(victim, count, runnext);
    }
}
#[inline(never)]
fn steal_slow(victim: u32, count: u32, runnext: bool) {
    if FLAGS.load(Ordering::Relaxed) & TRACKING != 0 {
        // Context: the thief's g0, interrupts off (findRunnable).
        tracking::stole(crate::runtime::objects::m::this_m());
    }
    emit_slow(None, move |ts, m, p| Event::Steal {
        ts,
        m,
        p,
        victim,
        count,
        runnext,
    });
}
#[inline]
pub fn overflow(count: u32) {
    emit(move |ts, m, p| Event::Overflow { ts, m, p, count });
}
#[inline]
pub fn global_take(count: u32) {
    emit(move |ts, m, p| Event::GlobalTake { ts, m, p, count });
}
#[inline]
pub fn m_park() {
    emit(move |ts, m, _| Event::MPark { ts, m });
}
#[inline]
pub fn m_wake() {
    emit(move |ts, m, p| Event::MWake { ts, m, p });
}
#[inline]
pub fn timer_fire(gp: &G) {
    emit(move |ts, m, p| Event::TimerFire {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
/// The netpoller readied `gp` (followed by its `GoUnblock`).
#[inline]
pub fn netpoll_ready(gp: &G) {
    emit(move |ts, m, p| Event::NetpollReady {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
    go_unblock(gp);
}
#[inline]
pub fn handoff(pid: u32) {
    emit(move |ts, m, _| Event::Handoff {
        ts,
        m,
        p: Some(pid),
    });
}
#[inline]
pub fn stw_begin(reason: gmp_sched::trace::StwReason) {
    emit(move |ts, m, p| Event::StwBegin { ts, m, p, reason });
}
#[inline]
pub fn stw_end() {
    emit(move |ts, m, p| Event::StwEnd { ts, m, p });
}
#[inline]
pub fn procs_change(procs: u32) {
    emit(move |ts, m, p| Event::ProcsChange { ts, m, p, procs });
}

/// Stop recording and write every buffer to COM2: header, one chunk per
/// core, trailer. Returns (events, dropped) over all cores.
pub fn dump() -> (u64, u64) {
    FLAGS.fetch_and(!RECORD, Ordering::AcqRel);
    if !READY.swap(false, Ordering::AcqRel) {
        return (0, 0);
    }
    super::tracedump::write_dump()
}
