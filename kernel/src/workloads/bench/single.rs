//! Benchmarks on one P: switches, hand-offs, spawns, preemption, the idle
//! tick and memory per parked G.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use super::measure::{report, report_probe, ticks_to_unit, time_batches};
use crate::prelude::*;
use crate::runtime::inspect::GFREE_BYPASS;
use crate::runtime::inspect::g::{G, Gstatus, WaitReason};
use crate::runtime::inspect::gopark;
use crate::runtime::inspect::goready;
use crate::runtime::inspect::machine;
use crate::runtime::inspect::machine::IrqMutex;
use crate::runtime::inspect::machine::{Gobuf, swapcontext};
use crate::runtime::inspect::probe;
use crate::workloads::common::group::wg_go;

struct Ctx(UnsafeCell<Gobuf>);
// SAFETY: used by one core with interrupts off, during `switch_raw` only.
unsafe impl Sync for Ctx {}

impl Ctx {
    /// A context not saved yet (`Gobuf`'s `Default` is not `const`).
    const fn empty() -> Ctx {
        Ctx(UnsafeCell::new(Gobuf {
            rsp: 0,
            rip: 0,
            rbx: 0,
            rbp: 0,
            r12: 0,
            r13: 0,
            r14: 0,
            r15: 0,
        }))
    }
}

static MAIN: Ctx = Ctx::empty();
static PARTNER: Ctx = Ctx::empty();

extern "C" fn partner() -> ! {
    loop {
        // SAFETY: `switch_raw` set both contexts up and runs with interrupts off.
        unsafe { swapcontext(PARTNER.0.get(), MAIN.0.get()) };
    }
}

/// The floor: `swapcontext` between two register contexts, no scheduler.
pub fn switch_raw() -> Result<(), String> {
    let stack: &'static mut [u64] = Vec::leak(alloc::vec![0u64; 2048]);
    let top = (stack.as_ptr() as u64 + (stack.len() * 8) as u64) & !15;
    let were = machine::interrupts_disable_save();
    // SAFETY: interrupts are off; PARTNER's stack is the leaked buffer.
    unsafe { *PARTNER.0.get() = Gobuf::new_entry(top, partner) };
    let mut samples = time_batches(200, 1000, |n| {
        for _ in 0..n {
            // SAFETY: both contexts are valid; interrupts are off.
            unsafe { swapcontext(MAIN.0.get(), PARTNER.0.get()) };
        }
    });
    machine::interrupts_restore(were);
    // Each operation was a round trip: two switches.
    samples.iter_mut().for_each(|s| *s /= 2.0);
    report("switch-raw", &mut samples);
    Ok(())
}

/// Runs two Gs on one P, `partner` started first, and returns the samples
/// `measure` took (in ticks, converted). `stop` is set by `measure` when it
/// is done, for a partner that loops until then.
fn collect_pairs(
    partner: impl FnOnce(Arc<AtomicBool>) + Send + 'static,
    measure: impl FnOnce(Arc<AtomicBool>) -> Vec<f64> + Send + 'static,
) -> Vec<f64> {
    let out = Arc::new(IrqMutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let wg = Arc::new(WaitGroup::new());
    let partner_stop = stop.clone();
    wg_go(&wg, move || partner(partner_stop));
    let samples = out.clone();
    wg_go(&wg, move || {
        let v = measure(stop); // not under the lock: it disables interrupts
        *samples.lock() = v;
    });
    wg.wait();
    let v = core::mem::take(&mut *out.lock());
    ticks_to_unit(&v)
}

const PAIR_REPS: usize = 2_000;

/// Two Gs on one P, each yielding to the other through the queues.
pub fn gosched_pingpong() -> Result<(), String> {
    let mut samples = collect_pairs(
        |stop| {
            while !stop.load(Ordering::Relaxed) {
                gosched();
            }
        },
        |stop| {
            let mut v = Vec::with_capacity(PAIR_REPS);
            for _ in 0..PAIR_REPS {
                let t0 = machine::rdtsc();
                gosched();
                v.push((machine::rdtsc() - t0) as f64 / 2.0);
            }
            stop.store(true, Ordering::Relaxed);
            v
        },
    );
    report("gosched-pingpong", &mut samples);
    Ok(())
}

static PEER_B: AtomicPtr<G> = AtomicPtr::new(core::ptr::null_mut());
static PEER_A: AtomicPtr<G> = AtomicPtr::new(core::ptr::null_mut());

fn peer(p: &AtomicPtr<G>) -> &'static G {
    // SAFETY: Gs are never freed; the pointer was set by the G itself.
    unsafe { &*p.load(Ordering::Acquire) }
}

/// One G readies the other (into `runnext`) and parks, back and forth.
pub fn runnext_handoff() -> Result<(), String> {
    let mut samples = collect_pairs(
        |stop| {
            let me = crate::runtime::inspect::g::getg().expect("on a G");
            PEER_B.store(me as *const G as *mut G, Ordering::Release);
            gopark(None, core::ptr::null(), WaitReason::Park);
            while !stop.load(Ordering::Acquire) {
                goready(peer(&PEER_A));
                gopark(None, core::ptr::null(), WaitReason::Park);
            }
        },
        |stop| {
            let me = crate::runtime::inspect::g::getg().expect("on a G");
            PEER_A.store(me as *const G as *mut G, Ordering::Release);
            while PEER_B.load(Ordering::Acquire).is_null()
                || peer(&PEER_B).status() != Gstatus::Gwaiting
            {
                gosched();
            }
            let mut v = Vec::with_capacity(PAIR_REPS);
            for _ in 0..PAIR_REPS {
                let t0 = machine::rdtsc();
                goready(peer(&PEER_B));
                gopark(None, core::ptr::null(), WaitReason::Park);
                v.push((machine::rdtsc() - t0) as f64 / 2.0);
            }
            stop.store(true, Ordering::Release);
            while peer(&PEER_B).status() != Gstatus::Gwaiting {
                gosched();
            }
            goready(peer(&PEER_B));
            v
        },
    );
    PEER_A.store(core::ptr::null_mut(), Ordering::Relaxed);
    PEER_B.store(core::ptr::null_mut(), Ordering::Relaxed);
    report("runnext-handoff", &mut samples);
    Ok(())
}

/// Unbuffered channel ping-pong between two Gs; per one-way hand-off.
pub fn chan_pair(name: &str, desc: &str) -> Vec<f64> {
    let _ = (name, desc);
    let ping: Chan<u64> = Chan::new(0);
    let pong: Chan<u64> = Chan::new(0);
    let (echo_ping, echo_pong) = (ping.clone(), pong.clone());
    collect_pairs(
        move |_stop| {
            while let Some(v) = echo_ping.recv() {
                echo_pong.send(v);
            }
        },
        move |_stop| {
            let mut v = Vec::with_capacity(PAIR_REPS);
            for i in 0..PAIR_REPS as u64 {
                let t0 = machine::rdtsc();
                ping.send(i);
                let _ = pong.recv();
                v.push((machine::rdtsc() - t0) as f64 / 2.0);
            }
            ping.close();
            v
        },
    )
}

/// Unbuffered channel ping-pong on one P.
pub fn chan_pingpong_1p() -> Result<(), String> {
    let mut s = chan_pair("chan-pingpong-1p", "");
    report("chan-pingpong-1p", &mut s);
    Ok(())
}

fn spawn_batches(reps: usize, batch: u64) -> Vec<f64> {
    let wg = Arc::new(WaitGroup::new());
    time_batches(reps, batch, |n| {
        wg.add(n as i64);
        for _ in 0..n {
            let wg = wg.clone();
            go(move || wg.done());
        }
        wg.wait();
    })
}

/// Spawn + run + exit with warm free lists (`go f()` + WaitGroup).
pub fn spawn_warm() -> Result<(), String> {
    let mut s = spawn_batches(100, 100);
    report("spawn-warm", &mut s);
    Ok(())
}

/// Spawn + run + exit when every spawn must allocate a new G and stack.
pub fn spawn_cold() -> Result<(), String> {
    GFREE_BYPASS.store(true, Ordering::Relaxed);
    let mut s = spawn_batches(20, 100);
    GFREE_BYPASS.store(false, Ordering::Relaxed);
    report("spawn-cold", &mut s);
    Ok(())
}

/// Timer interrupt until the next G runs, for preemptions of spinning Gs.
pub fn preempt_latency() -> Result<(), String> {
    if crate::runtime::inspect::debug::options().preempt != gmp_sched::options::Preempt::Async {
        kprintln!("BENCH-SKIP preempt-latency needs preempt=async");
        return Ok(());
    }
    const WANT: usize = 40;
    probe::PREEMPT.clear();
    probe::LAST_PREEMPT_TICK.store(0, Ordering::Relaxed);
    probe::ENABLED.store(true, Ordering::Release);
    let wg = Arc::new(WaitGroup::new());
    let deadline = nanotime() + 5_000 * MS;
    wg.add(2);
    for _ in 0..2 {
        let wg = wg.clone();
        go(move || {
            let mut seen = probe::LAST_PREEMPT_TICK.load(Ordering::Acquire);
            loop {
                let t = probe::LAST_PREEMPT_TICK.load(Ordering::Acquire);
                if t != seen {
                    probe::PREEMPT.push(machine::rdtsc().saturating_sub(t));
                    seen = t;
                }
                if probe::PREEMPT.collect().len() >= WANT || nanotime() > deadline {
                    break;
                }
            }
            wg.done();
        });
    }
    wg.wait();
    report_probe(
        "preempt-latency",
        &probe::PREEMPT,
        "no preemption observed in 5 s",
    )
}

/// Memory set aside per G when choosing how many to park.
const PARKED_G_BUDGET: u64 = 5_120;

/// Cost of a timer tick on a parked core with nothing to do (sysmon's core).
pub fn tick_idle() -> Result<(), String> {
    probe::TICK_IDLE.clear();
    probe::ENABLED.store(true, Ordering::Release);
    sleep(300 * MS);
    report_probe("tick-idle", &probe::TICK_IDLE, "no idle tick observed")
}

/// Memory per parked G, with `parked` (100,000 unless set) Gs blocked on
/// one channel.
pub fn mem_parked_g() -> Result<(), String> {
    let avail0 = crate::runtime::inspect::machine::frame::available() * 4096;
    let asked = crate::runtime::inspect::debug::options().parked_gs as usize;
    // At most what fits at 5 KiB per G (measured ~4.3 KiB), so the
    // benchmark reports a shortage instead of running out of memory.
    let n = asked.min((avail0 / PARKED_G_BUDGET) as usize);
    if n < asked {
        kprintln!(
            "BENCH-NOTE mem-parked-g capped: parking {n} of the {asked} Gs asked for; {} MiB free allows {PARKED_G_BUDGET} bytes each for only that many (give QEMU more --memory)",
            avail0 >> 20
        );
    }
    GFREE_BYPASS.store(true, Ordering::Relaxed);
    let (_, frames0) = crate::runtime::inspect::machine::frame::stats();
    let (heap0, mapped0, _) = crate::runtime::inspect::machine::heap::stats();
    let ch: Chan<()> = Chan::new(0);
    let wg = Arc::new(WaitGroup::new());
    for _ in 0..n {
        let ch = ch.clone();
        wg_go(&wg, move || {
            let _ = ch.recv();
        });
    }
    while ch.waiting_receivers() < n {
        sleep(MS);
    }
    GFREE_BYPASS.store(false, Ordering::Relaxed);
    let (_, frames1) = crate::runtime::inspect::machine::frame::stats();
    let (heap1, mapped1, _) = crate::runtime::inspect::machine::heap::stats();
    // Frames that went to the heap region are counted as heap bytes in use,
    // not as frames (that would count them twice).
    let heap_frames = (mapped1 - mapped0) as u64 / 4096;
    let frame_bytes = (frames1 - frames0 - heap_frames) * 4096;
    let heap_bytes = heap1.saturating_sub(heap0) as u64;
    let per_g = (frame_bytes + heap_bytes) as f64 / n as f64;
    let max_gs = (avail0 as f64 / per_g) as u64;
    ch.close();
    wg.wait();
    let mut s = [per_g];
    report("mem-parked-g", &mut s);
    kprintln!(
        "BENCH-NOTE mem-parked-g gs={n} frames_per_g={:.1} heap_per_g={:.1} max_parked_gs={max_gs} (memory free at start: {} MiB)",
        frame_bytes as f64 / n as f64,
        heap_bytes as f64 / n as f64,
        avail0 >> 20
    );
    Ok(())
}
