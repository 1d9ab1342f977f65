//! Recording scheduler events for `--trace` (format: `gmp_sched::trace`).
//!
//! One buffer per core, sized at boot when `trace=on`: a core writes only
//! its own buffer, with interrupts off for the few bytes of one event, so
//! recording needs no lock and an interrupt handler that records (a timer
//! readying a G, a preemption) cannot interleave with the code it
//! interrupted. A full buffer drops further events and counts them; the
//! count travels in the dump, so losses are never silent. At exit the main
//! G writes every buffer to the second serial port (COM2), where the runner
//! collects it. With `trace=off` every recording point costs one load of
//! [`ENABLED`] and a branch.

use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use alloc::vec::Vec;

use gmp_sched::trace::{ChunkHeader, Event, Header, Queue, StopReason, TRAILER, VERSION, encode};
use uart_16550::backend::PioBackend;
use uart_16550::{Config, Uart16550};

use crate::arch::cpu;
use crate::runtime::g::G;
use crate::runtime::m::{self, MAX_MS};

/// Whether events are being recorded.
pub static ENABLED: AtomicBool = AtomicBool::new(false);
/// Whether the buffers exist (`trace` was asked for at boot), so recording
/// can be paused and resumed and the buffers are dumped at the end.
static READY: AtomicBool = AtomicBool::new(false);
static START_TSC: AtomicU64 = AtomicU64::new(0);

/// Largest per-core buffer.
const MAX_BUF: usize = 32 << 20;
/// Smallest per-core buffer.
const MIN_BUF: usize = 256 << 10;

struct Buf {
    /// Start and capacity of the buffer (leaked at init, never freed).
    data: AtomicPtr<u8>,
    cap: AtomicUsize,
    len: AtomicUsize,
    base_ts: AtomicU64,
    last_ts: AtomicU64,
    events: AtomicU64,
    dropped: AtomicU64,
}

static BUFS: [Buf; MAX_MS] = [const {
    Buf {
        data: AtomicPtr::new(core::ptr::null_mut()),
        cap: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        base_ts: AtomicU64::new(0),
        last_ts: AtomicU64::new(0),
        events: AtomicU64::new(0),
        dropped: AtomicU64::new(0),
    }
}; MAX_MS];

/// Allocate the buffers and start recording. Bootstrap core, before the
/// scheduler starts. Each core gets an equal share of an eighth of free
/// memory, between 256 KiB and 32 MiB.
pub fn init() {
    let ncpu = m::mcount();
    let free = crate::mem::frame::available() as usize * 4096;
    let each = (free / 8 / ncpu).clamp(MIN_BUF, MAX_BUF);
    let now = cpu::rdtsc();
    for b in &BUFS[..ncpu] {
        let mem: &'static mut [u8] = Vec::leak(alloc::vec![0u8; each]);
        b.data.store(mem.as_mut_ptr(), Ordering::Relaxed);
        b.cap.store(each, Ordering::Relaxed);
        b.base_ts.store(now, Ordering::Relaxed);
        b.last_ts.store(now, Ordering::Relaxed);
    }
    START_TSC.store(now, Ordering::Relaxed);
    crate::kprintln!(
        "trace: recording into {} x {} KiB per-core buffers",
        ncpu,
        each / 1024
    );
    READY.store(true, Ordering::Release);
    ENABLED.store(true, Ordering::Release);
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
    ENABLED.store(on, Ordering::Release);
    Ok(())
}

/// Whether events are being recorded (one load; for callers that record
/// several events behind one check).
#[inline(always)]
pub fn on() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Record `e` (built from this core's clock, id and P) on this core.
#[inline]
fn emit(make: impl FnOnce(u64, u32, Option<u32>) -> Event) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    emit_slow(make);
}

#[inline(never)]
fn emit_slow(make: impl FnOnce(u64, u32, Option<u32>) -> Event) {
    let were = cpu::interrupts_disable_save();
    let mp = crate::runtime::m::this_m();
    let p = mp.p().map(|pp| pp.id);
    let b = &BUFS[mp.id as usize];
    let ts = cpu::rdtsc().max(b.last_ts.load(Ordering::Relaxed));
    let e = make(ts, mp.id, p);
    let len = b.len.load(Ordering::Relaxed);
    let cap = b.cap.load(Ordering::Relaxed);
    // SAFETY: [len, cap) of this core's buffer is written only by this core
    // (interrupts off); the dumper reads only below the published `len`.
    let rest = unsafe {
        core::slice::from_raw_parts_mut(b.data.load(Ordering::Relaxed).add(len), cap - len)
    };
    match encode(&e, b.last_ts.load(Ordering::Relaxed), rest) {
        Some(n) => {
            b.last_ts.store(ts, Ordering::Relaxed);
            b.events.fetch_add(1, Ordering::Relaxed);
            b.len.store(len + n, Ordering::Release);
        }
        None => {
            b.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
    cpu::interrupts_restore(were);
}

fn curgoid() -> u64 {
    super::proc::getg().map_or(0, |g| g.goid())
}

#[inline]
pub fn go_create(gp: &G) {
    emit(move |ts, m, p| Event::GoCreate {
        ts,
        m,
        p,
        goid: gp.goid(),
        parent: curgoid(),
    });
}
#[inline]
pub fn go_start(gp: &G) {
    emit(move |ts, m, p| Event::GoStart {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn go_stop(gp: &G, reason: StopReason) {
    emit(move |ts, m, p| Event::GoStop {
        ts,
        m,
        p,
        goid: gp.goid(),
        reason,
    });
}
#[inline]
pub fn go_block(gp: &G) {
    emit(move |ts, m, p| Event::GoBlock {
        ts,
        m,
        p,
        goid: gp.goid(),
        reason: gp.waitreason() as u8,
    });
}
#[inline]
pub fn go_unblock(gp: &G) {
    emit(move |ts, m, p| Event::GoUnblock {
        ts,
        m,
        p,
        goid: gp.goid(),
        by: curgoid(),
    });
}
#[inline]
pub fn go_end(gp: &G) {
    emit(move |ts, m, p| Event::GoEnd {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn go_syscall_begin(gp: &G) {
    emit(move |ts, m, p| Event::GoSyscallBegin {
        ts,
        m,
        p,
        goid: gp.goid(),
    });
}
#[inline]
pub fn go_syscall_end(gp: &G) {
    emit(move |ts, m, p| Event::GoSyscallEnd {
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
    emit(move |ts, m, p| Event::Steal {
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

const COM2: u16 = 0x2f8;

/// Stop recording and write every buffer to COM2: header, one chunk per
/// core, trailer. Returns (events, dropped) over all cores.
pub fn dump() -> (u64, u64) {
    ENABLED.store(false, Ordering::Release);
    if !READY.swap(false, Ordering::AcqRel) {
        return (0, 0);
    }
    // SAFETY: COM2's ports belong to the trace dump; nothing else uses them.
    let mut uart =
        unsafe { Uart16550::<PioBackend>::new_port(COM2) }.expect("COM2 port range is valid");
    let _ = uart.init(Config::default());
    let ncpu = m::mcount();
    let header = Header {
        version: VERSION,
        ncpu: ncpu as u32,
        nprocs: crate::runtime::sched::gomaxprocs(),
        tsc_hz: crate::arch::tsc::hz(),
        start_tsc: START_TSC.load(Ordering::Relaxed),
        end_tsc: cpu::rdtsc(),
    };
    uart.send_bytes_exact(&header.to_bytes());
    let (mut events, mut dropped) = (0, 0);
    for (i, b) in BUFS[..ncpu].iter().enumerate() {
        let len = b.len.load(Ordering::Acquire);
        let chunk = ChunkHeader {
            m: i as u32,
            events: b.events.load(Ordering::Relaxed),
            dropped: b.dropped.load(Ordering::Relaxed),
            base_tsc: b.base_ts.load(Ordering::Relaxed),
            len: len as u64,
        };
        events += chunk.events;
        dropped += chunk.dropped;
        uart.send_bytes_exact(&chunk.to_bytes());
        if len > 0 {
            // SAFETY: bytes below the published `len` are complete and no
            // longer written (a late writer only writes above `len`).
            let data = unsafe { core::slice::from_raw_parts(b.data.load(Ordering::Relaxed), len) };
            uart.send_bytes_exact(data);
        }
    }
    uart.send_bytes_exact(&TRAILER);
    (events, dropped)
}
