//! `tracking=on`: how long each G waited to run and how long it ran.
//!
//! Go measures the first with `/sched/latencies:seconds` in runtime/metrics
//! (the time from `_Grunnable` to `_Grunning`, in a `timeHistogram`) and
//! the second as a G's time in `_Grunning`. Here both hang off the trace's
//! recording points (`runtime::trace`): every change of a G's state that
//! matters already calls a `trace::go_*` function, which with tracing and
//! tracking both off is one load of the observers' flag byte and a branch —
//! the same cost as before tracking existed, so `tracking=off` (the
//! default) costs nothing more. With it on, the slow path stamps the G:
//!
//! | trace point | stamp |
//! |---|---|
//! | `go_create` | runnable since now, cause *spawned*; CPU time 0 |
//! | `go_unblock`, `go_syscall_end` | runnable since now, cause *readied* (a syscall that returns to a P runs at once, so its stamp is overwritten before it matters) |
//! | `go_stop` | CPU time += now − running since; runnable since now, cause *preempted* or *yielded* |
//! | `go_start` | latency = now − runnable since, into this P's histogram of the cause (*stolen* if this M's last act was a steal: the G it runs came from another P), or, with no stamp, one more start without a wait; one more migration if the G last started on another P; running since now |
//! | `go_block`, `go_syscall_begin`, `go_end` | CPU time += now − running since; not runnable |
//!
//! Only the G that runs straight after a steal counts as *stolen*; the rest
//! of a stolen batch keep the cause they were queued with. A park aborted
//! by its unlock function resumes the G without a runnable stamp, so it
//! gives no sample (it never waited in a queue); such starts are counted,
//! so that samples plus starts without a wait equal the summary's Gs run —
//! exactly, since the summary is read from a stopped world.
//!
//! Each P has one [`TimeHistogram`] per cause, written only by the M holding
//! the P (interrupts off), and the five Gs that used the most CPU among
//! those that exited on it; [`report`] merges them at the end of the run.
//! Times are TSC ticks on the G and nanoseconds in the histograms.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use gmp_sched::timehist::{Counts, TimeHistogram};
use gmp_sched::trace::StopReason;

use crate::arch::tsc;
use crate::kprintln;
use crate::runtime::objects::g::{G, Gstatus};
use crate::runtime::objects::m::{M, MAX_MS};

gmp_sched::named_enum! {
    /// Why a G became runnable.
    pub enum Cause: u8 {
        Spawned = 0 => "spawned",
        Readied = 1 => "readied",
        Preempted = 2 => "preempted",
        Yielded = 3 => "yielded",
        Stolen = 4 => "stolen",
    }
}

/// The causes, in [`Cause`] order, with their names.
pub const CAUSES: [&str; 5] = Cause::NAMES;

pub use crate::runtime::objects::g::GTrack;

/// What happened to the G, from the trace point that saw it.
#[derive(Clone, Copy)]
pub enum Hook {
    Create,
    Unblock,
    Stop(StopReason),
    Start,
    Block,
    End,
    SyscallBegin,
    SyscallEnd,
}

/// Gs kept per P in the list of the busiest exited Gs.
const TOP: usize = 5;

/// One P's share.
struct PTrack {
    by_cause: [TimeHistogram; CAUSES.len()],
    /// Starts that gave no sample: the G had no runnable stamp (a park
    /// aborted by its unlock function resumes it at once; a G runnable
    /// before tracking started). Samples plus these equal the P's `gs_run`.
    unstamped: AtomicU64,
    /// Gs that started here having last run on another P (migrations).
    migrations: AtomicU64,
    /// (CPU ticks, goid) of the busiest Gs that exited on this P.
    top: [(AtomicU64, AtomicU64); TOP],
}

static PTRACKS: AtomicPtr<PTrack> = AtomicPtr::new(core::ptr::null_mut());
static PTRACKS_LEN: AtomicUsize = AtomicUsize::new(0);
/// Whether M i's last scheduler act was a successful steal.
static STOLE: [AtomicBool; MAX_MS] = [const { AtomicBool::new(false) }; MAX_MS];

/// Allocate the per-P histograms and start tracking: at boot for
/// `tracking=on`, or later by a workload that wants CPU times (`hog`); Gs
/// already running then count from their next start. There is room for
/// one P per core, the most a GOMAXPROCS change can make (it clamps to the
/// core count). Only the first call does anything.
pub fn init() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    if STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    let nps = crate::runtime::objects::sched::allp()
        .len()
        .max(crate::runtime::objects::m::mcount());
    // Zeroed memory straight from the heap: a PTrack is 29 KiB, more than a
    // G's stack could hold while building one, and all-zero atomics are an
    // empty PTrack.
    let layout = core::alloc::Layout::array::<PTrack>(nps.max(1)).expect("PTrack array size");
    // SAFETY: the layout has a non-zero size (at least one PTrack).
    let ptr = unsafe { alloc::alloc::alloc_zeroed(layout) } as *mut PTrack;
    if ptr.is_null() {
        alloc::alloc::handle_alloc_error(layout);
    }
    let q32 = ((1_000_000_000u128 << 32) / tsc::hz().max(1) as u128) as u64;
    NS_PER_TICK_Q32.store(q32, Ordering::Relaxed);
    PTRACKS.store(ptr, Ordering::Relaxed);
    PTRACKS_LEN.store(nps, Ordering::Release);
    crate::runtime::diag::trace::observe_tracking();
}

fn ptracks() -> &'static [PTrack] {
    let len = PTRACKS_LEN.load(Ordering::Acquire);
    if len == 0 {
        return &[];
    }
    // SAFETY: `init` allocated `len` zeroed PTracks (all-zero atomics: a
    // valid, empty PTrack) and published the pointer before the length
    // (Release/Acquire); they are never freed.
    unsafe { core::slice::from_raw_parts(PTRACKS.load(Ordering::Relaxed), len) }
}

/// Forget every count (a benchmark's fresh start). Context: no G runs
/// anywhere else that could be recording (the caller's workload is idle).
pub fn reset() {
    for pt in ptracks() {
        for h in &pt.by_cause {
            h.reset();
        }
        pt.unstamped.store(0, Ordering::Relaxed);
        pt.migrations.store(0, Ordering::Relaxed);
        for (t, g) in &pt.top {
            t.store(0, Ordering::Relaxed);
            g.store(0, Ordering::Relaxed);
        }
    }
}

/// Account `hook` on `gp` at TSC `now`. Context: interrupts off, on `mp`
/// holding `p` (if any); called from the trace's slow path only.
pub(crate) fn observe(gp: &G, hook: Hook, mp: &M, p: Option<u32>, now: u64) {
    let t = &gp.track;
    let runnable = |cause: Cause| {
        t.runnable_since.store(now, Ordering::Relaxed);
        t.cause.store(cause as u8, Ordering::Relaxed);
    };
    let ran = || {
        // 0: the G started running before tracking was turned on.
        let since = t.running_since.load(Ordering::Relaxed);
        if since != 0 {
            let c = t.cputicks.load(Ordering::Relaxed);
            t.cputicks
                .store(c + now.saturating_sub(since), Ordering::Relaxed);
        }
    };
    match hook {
        Hook::Create => {
            t.cputicks.store(0, Ordering::Relaxed);
            t.last_p.store(0, Ordering::Relaxed);
            runnable(Cause::Spawned);
        }
        Hook::Unblock => runnable(Cause::Readied),
        Hook::SyscallEnd => {
            runnable(Cause::Readied);
            t.running_since.store(now, Ordering::Relaxed);
        }
        Hook::Stop(reason) => {
            ran();
            runnable(match reason {
                StopReason::Preempted => Cause::Preempted,
                StopReason::Yield | StopReason::YieldLocal => Cause::Yielded,
            });
        }
        Hook::Start => {
            // Only this M writes its flag: no locked exchange needed.
            let flag = &STOLE[mp.id as usize];
            let stolen = flag.load(Ordering::Relaxed);
            if stolen {
                flag.store(false, Ordering::Relaxed);
            }
            let since = t.runnable_since.swap(0, Ordering::Relaxed);
            if let Some((p, pt)) = p.and_then(|p| Some((p, ptracks().get(p as usize)?))) {
                // A migration: the G last started on another P.
                // Only the M starting the G writes it: no locked exchange.
                let last = t.last_p.load(Ordering::Relaxed);
                t.last_p.store(p + 1, Ordering::Relaxed);
                if last != 0 && last != p + 1 {
                    let n = pt.migrations.load(Ordering::Relaxed);
                    pt.migrations.store(n + 1, Ordering::Relaxed);
                }
                if since == 0 {
                    // Only the holder of the P writes its counters.
                    let n = pt.unstamped.load(Ordering::Relaxed);
                    pt.unstamped.store(n + 1, Ordering::Relaxed);
                } else {
                    let cause = if stolen {
                        Cause::Stolen as usize
                    } else {
                        t.cause.load(Ordering::Relaxed) as usize
                    };
                    pt.by_cause[cause].record(fast_ns(now.saturating_sub(since)));
                }
            }
            t.running_since.store(now, Ordering::Relaxed);
        }
        Hook::Block | Hook::SyscallBegin => {
            ran();
            t.runnable_since.store(0, Ordering::Relaxed);
        }
        Hook::End => {
            ran();
            t.runnable_since.store(0, Ordering::Relaxed);
            if let Some(pt) = p.and_then(|p| ptracks().get(p as usize)) {
                keep_if_busy(pt, t.cputicks.load(Ordering::Relaxed), gp.goid());
            }
        }
    }
}

/// Nanoseconds per TSC tick as a 32.32 fixed-point factor, set by
/// [`init`]: a sample is converted with one 64×64-bit multiply instead of
/// `tsc::ticks_to_ns`'s 128-bit division (which cost more than the rest of
/// a sample; the error is under 1 ns per 2^32 ticks).
static NS_PER_TICK_Q32: AtomicU64 = AtomicU64::new(0);

/// `ticks` in ns with [`NS_PER_TICK_Q32`].
#[inline(always)]
fn fast_ns(ticks: u64) -> u64 {
    ((ticks as u128 * NS_PER_TICK_Q32.load(Ordering::Relaxed) as u128) >> 32) as u64
}

/// Note that `mp` just stole: the G it runs next counts as stolen.
pub(crate) fn stole(mp: &M) {
    STOLE[mp.id as usize].store(true, Ordering::Relaxed);
}

/// Put (ticks, goid) in `pt`'s top list if it beats the least busy entry.
fn keep_if_busy(pt: &PTrack, ticks: u64, goid: u64) {
    let (least, _) = pt
        .top
        .iter()
        .enumerate()
        .min_by_key(|(_, (t, _))| t.load(Ordering::Relaxed))
        .expect("TOP > 0");
    let slot = &pt.top[least];
    if ticks > slot.0.load(Ordering::Relaxed) {
        slot.0.store(ticks, Ordering::Relaxed);
        slot.1.store(goid, Ordering::Relaxed);
    }
}

/// The CPU time of `gp`, which is running now on this core, including
/// the stretch since it last started (0 for that stretch if it started
/// before tracking did).
///
/// Context: `gp` is the calling G (its `running_since` is this stretch's).
pub fn running_cputime_ns(gp: &G) -> u64 {
    let t = &gp.track;
    let since = t.running_since.load(Ordering::Relaxed);
    let now = crate::runtime::diag::trace::stamp_now();
    let stretch = if since == 0 {
        0
    } else {
        now.saturating_sub(since)
    };
    tsc::ticks_to_ns(t.cputicks.load(Ordering::Relaxed) + stretch)
}

/// Gs that started on a P other than the one they last started on, since
/// tracking began or was [`reset`]. A reading while Ms run may miss the
/// last few.
pub fn migrations() -> u64 {
    ptracks()
        .iter()
        .map(|pt| pt.migrations.load(Ordering::Relaxed))
        .sum()
}

/// Whether tracking was on for this run.
pub fn enabled() -> bool {
    !ptracks().is_empty()
}

/// The merged latency counts: over every cause, and per cause.
pub fn merged() -> (Counts, Vec<Counts>) {
    let mut per: Vec<Counts> = (0..CAUSES.len()).map(|_| Counts::new()).collect();
    for pt in ptracks() {
        for (c, h) in per.iter_mut().zip(&pt.by_cause) {
            h.add_to(c);
        }
    }
    let mut all = Counts::new();
    for c in &per {
        all.add(c);
    }
    (all, per)
}

/// `p50 A p90 B p99 C max D` of `c` in readable units.
pub fn percentiles(c: &Counts) -> alloc::string::String {
    let q = |pm| Ns(c.quantile(pm).unwrap_or(0));
    alloc::format!(
        "p50 {} p90 {} p99 {} max {}",
        q(500),
        q(900),
        q(990),
        Ns(c.max)
    )
}

/// A duration in ns, printed as ns (below 10 µs), µs or ms.
pub struct Ns(pub u64);

impl core::fmt::Display for Ns {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = self.0;
        if n < 10_000 {
            write!(f, "{n}ns")
        } else if n < 1_000_000 {
            write!(f, "{}.{}us", n / 1000, n % 1000 / 100)
        } else {
            write!(f, "{}.{:02}ms", n / 1_000_000, n % 1_000_000 / 10_000)
        }
    }
}

/// The five Gs that ran longest: live Gs' own counts and the exited Gs
/// each P kept, as (ns, goid, status name), busiest first.
pub fn top_gs() -> Vec<(u64, u64, &'static str)> {
    let mut all: Vec<(u64, u64, &'static str)> = Vec::new();
    crate::runtime::objects::allg::for_each(|gp| {
        let st = gp.status();
        if st != Gstatus::Gdead && gp.goid() != 0 {
            all.push((gp.track.cputime_ns(), gp.goid(), st.name()));
        }
    });
    for pt in ptracks() {
        for (t, g) in &pt.top {
            let (t, g) = (t.load(Ordering::Relaxed), g.load(Ordering::Relaxed));
            if g != 0 {
                all.push((tsc::ticks_to_ns(t), g, "exited"));
            }
        }
    }
    all.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    all.truncate(TOP);
    all
}

/// The summary's lines: latency per run and per cause, the busiest Gs.
pub fn report() {
    if !enabled() {
        return;
    }
    let (all, per) = merged();
    let unstamped: u64 = ptracks()
        .iter()
        .map(|pt| pt.unstamped.load(Ordering::Relaxed))
        .sum();
    kprintln!(
        "  sched latency (runnable -> running, {} samples; {unstamped} starts without a wait): {}",
        all.total(),
        percentiles(&all)
    );
    for (name, c) in CAUSES.iter().zip(&per) {
        if c.total() > 0 {
            kprintln!("    {name:<9} {:>8} samples: {}", c.total(), percentiles(c));
        }
    }
    let top = top_gs();
    let mut line = alloc::string::String::new();
    for (i, (ns, goid, st)) in top.iter().enumerate() {
        use core::fmt::Write;
        let _ = write!(
            line,
            "{}G{goid} {} ({st})",
            if i == 0 { "" } else { ", " },
            Ns(*ns)
        );
    }
    kprintln!("  top Gs by CPU time: {line}");
}
