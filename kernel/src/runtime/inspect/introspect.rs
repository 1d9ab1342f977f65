//! Looking at and steering a running scheduler, for the console workload:
//! the Gs (`ps`), the schedtrace lines, the preemption mode, the trace,
//! the netpoller's counters and how many more Gs memory has room for.
//!
//! Design note: each answer is a snapshot read without stopping the world
//! (as Go's `scheddetail` reads its Ms, Ps and Gs); a G may change state
//! while it is being listed.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::Ordering;

use gmp_sched::options::Preempt;

use crate::arch::console;
use crate::runtime::diag::schedtrace;
use crate::runtime::diag::trace;
use crate::runtime::objects::allg;
use crate::runtime::objects::g::{G, Gstatus, WaitReason};
use crate::runtime::objects::m::{self, M};
use crate::runtime::scheduler::netpoll::{self, STATS};
use crate::runtime::scheduler::preempt;

/// One G as `ps` lists it.
#[derive(Clone, Debug)]
pub struct GInfo {
    pub goid: u64,
    /// Go's status name (`runnable`, `running`, `waiting`, ...).
    pub status: &'static str,
    /// Why it waits (empty unless waiting).
    pub waitreason: String,
    /// The M running it and that M's P (running Gs only).
    pub m: Option<u32>,
    pub p: Option<u32>,
    /// The G whose `go` created it (0: the runtime).
    pub parent: u64,
}

/// Live Gs: not dead (Go's `runtime.NumGoroutine`); a snapshot.
pub fn num_goroutine() -> usize {
    let mut n = 0;
    allg::for_each(|g| {
        if !matches!(g.status(), Gstatus::Gdead | Gstatus::Gidle) {
            n += 1;
        }
    });
    n
}

/// Gs waiting for `reason` right now; a snapshot (what counting the
/// `goroutine N [reason]:` blocks of a Go dump tells).
pub fn num_waiting(reason: WaitReason) -> usize {
    let mut n = 0;
    allg::for_each(|g| {
        if g.status() == Gstatus::Gwaiting && g.waitreason() == reason {
            n += 1;
        }
    });
    n
}

/// Every G that is not dead, by goid.
pub fn goroutines() -> Vec<GInfo> {
    let mut out = Vec::new();
    allg::for_each(|g: &'static G| {
        let st = g.status();
        if st == Gstatus::Gdead || st == Gstatus::Gidle {
            return;
        }
        let mp = g.m.load(Ordering::Acquire);
        // SAFETY: Ms live forever; a non-null `m` is one of them.
        let mp: Option<&M> = unsafe { mp.as_ref() };
        out.push(GInfo {
            goid: g.goid(),
            status: st.name(),
            waitreason: if st == Gstatus::Gwaiting {
                alloc::format!("{}", g.waitreason())
            } else {
                String::new()
            },
            m: mp.map(|mp| mp.id),
            p: mp.and_then(|mp| mp.p()).map(|pp| pp.id),
            parent: g.parent_goid.load(Ordering::Relaxed),
        });
    });
    out.sort_by_key(|g| g.goid);
    out
}

/// The console's `dump`: every G in the layout of Go's traceback
/// (`runtime.Stack(buf, true)`), read from a stopped world so that no
/// listed G runs while its stack is walked (`diag::goroutines`); at most
/// `limit` Gs. The frames of the calling G start at its caller, which is
/// why this is never inlined. Returns how many Gs there were.
#[inline(never)]
pub fn goroutine_dump(limit: usize) -> usize {
    use crate::runtime::diag::goroutines::{Which, dump};
    use crate::runtime::scheduler::stw;
    let here = crate::arch::backtrace::current_rbp();
    let w = stw::stop_the_world(gmp_sched::trace::StwReason::GoroutineProfile);
    let n = dump(Which::All, limit, here, &mut |a| console::_print(a));
    stw::start_the_world(w);
    n.unwrap_or(0)
}

/// Go's schedtrace line; with `detail`, its P, M and G lines too.
pub fn schedtrace_now(detail: bool) -> String {
    schedtrace::schedtrace(detail)
}

/// Change the preemption mode: `async`, `coop` or `off`.
pub fn set_preempt(name: &str) -> Result<Preempt, String> {
    let mode = Preempt::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Preempt::ALL.iter().map(|m| m.as_str()).collect();
        alloc::format!(
            "unknown preemption mode `{name}` (one of: {})",
            names.join(", ")
        )
    })?;
    preempt::set_mode(mode);
    Ok(mode)
}

/// Make `name` the scheduling policy in force (docs/POLICIES.md): the
/// world is stopped, the policy swapped with interrupts off, the world
/// restarted, so no M is in the middle of a decision when it changes. The
/// boot options' historical switches (`runnext=off`, ...) stay on top.
/// Returns the policy that was in force.
pub fn set_policy(name: &str) -> Result<&'static str, String> {
    use crate::runtime::objects::policy;
    use crate::runtime::scheduler::stw;
    if gmp_sched::policy::find(name).is_none() {
        // Refuse before stopping anything.
        return Err(policy::unknown(name));
    }
    let old = policy::name();
    let w = stw::stop_the_world(gmp_sched::trace::StwReason::Policy);
    let were = crate::arch::cpu::interrupts_disable_save();
    let r = policy::set(name, crate::runtime::objects::debug::options());
    crate::arch::cpu::interrupts_restore(were);
    stw::start_the_world(w);
    r.map(|()| old)
}

/// The name of the scheduling policy in force.
pub fn policy_name() -> &'static str {
    crate::runtime::objects::policy::name()
}

/// Pause or resume the trace (see `trace::set_recording`).
pub fn trace_recording(on: bool) -> Result<(), &'static str> {
    trace::set_recording(on)
}

/// About how many more Gs memory has room for: each new G needs at least
/// one 4 KiB stack frame plus its page-table share and the G itself; half
/// of the free frames are left for everything else.
pub fn spawn_room() -> u64 {
    let per_g = 4096 + 512 + core::mem::size_of::<G>() as u64;
    crate::mem::frame::available() * 4096 / 2 / per_g
}

/// The netpoller's counters, one line each (the console's `netpoll` and
/// the end-of-run summary).
pub fn netpoll_report() -> String {
    let mut s = String::new();
    let rx = console::rx_stats();
    let mut total = 0;
    let irqs: Vec<String> = m::all()
        .iter()
        .filter_map(|mp| {
            let n = netpoll::IRQS[mp.id as usize].load(Ordering::Relaxed);
            total += n;
            (n > 0).then(|| alloc::format!("M{} {n}", mp.id))
        })
        .collect();
    let _ = writeln!(
        s,
        "  netpoll: {} polls, {} Gs readied ({} parks aborted by input racing them); COM1 interrupts {} ({}); input {} bytes, {} FIFO overruns, {} line errors; {} spurious and {} unexpected interrupts",
        STATS.polls.load(Ordering::Relaxed),
        STATS.readied.load(Ordering::Relaxed),
        STATS.aborted_parks.load(Ordering::Relaxed),
        total,
        if irqs.is_empty() {
            String::from("none")
        } else {
            irqs.join(", ")
        },
        rx.bytes,
        rx.overruns,
        rx.line_errors,
        crate::arch::idt::spurious_count(),
        crate::arch::idt::unexpected_counts()
            .map(|(_, c)| c)
            .sum::<u64>(),
    );
    for (i, name) in netpoll::Finder::NAMES.iter().enumerate() {
        let n = STATS.lat_n[i].load(Ordering::Relaxed);
        if n == 0 {
            continue;
        }
        let _ = writeln!(
            s,
            "  netpoll latency, interrupt to the G running, found by {name}: {n} times, mean {}, min {}, max {}",
            Us(STATS.lat_sum[i].load(Ordering::Relaxed) / n),
            Us(STATS.lat_min[i].load(Ordering::Relaxed)),
            Us(STATS.lat_max[i].load(Ordering::Relaxed)),
        );
    }
    s
}

/// Nanoseconds shown as microseconds with one decimal.
struct Us(u64);

impl core::fmt::Display for Us {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}.{} us", self.0 / 1000, self.0 % 1000 / 100)
    }
}
