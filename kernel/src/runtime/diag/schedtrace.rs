//! `GODEBUG=schedtrace` / `scheddetail`, in Go's words and layout.
//!
//! ```text
//! SCHED 100ms: gomaxprocs=4 idleprocs=1 threads=4 spinningthreads=1 needspinning=0 idlethreads=1 runqueue=17 [ 3 0 12 5 ] schedticks=[ 10 4 5 6 ]
//! ```
//! With detail, a `gcwaiting=... ` tail and one line per P, M and G as Go's
//! `schedtrace(true)` prints them. As in Go, the numbers are read while the
//! scheduler keeps running: lines are a snapshot taken under `sched.lock`,
//! not a stopped world, so a P, its M and their G may disagree slightly.
//! One difference on purpose: Go also lists dead Gs (`status=6()`); we
//! leave them out, because a fault prints its state through this function
//! too, and there dead Gs would only bury the live ones.
//! With the boot option `tracking=on` each G line ends in ` cputime=Nns` (its time in
//! `_Grunning`), which Go's line does not have.
//! tests/schedtrace.rs compares the shape of every line with lines Go
//! 1.27.3 printed (tests/fixtures/go-schedtrace.txt). Past 64 Ps the two
//! per-P lists are summarised (`gmp_sched::plist`), where Go prints them
//! in full.

use core::fmt::Write;
use core::sync::atomic::Ordering;

use alloc::string::String;

use crate::arch::tsc;
use crate::runtime::objects::g::Gstatus;
use crate::runtime::objects::m;
use crate::runtime::objects::sched::{self, SCHED, allp, gomaxprocs};

/// Format the schedtrace line (and, with `detailed`, the P/M/G lines).
pub fn schedtrace(detailed: bool) -> String {
    let now_ms = tsc::nanotime() / 1_000_000;
    let mut out = String::new();
    let s = sched::lock();
    let _ = write!(
        out,
        "SCHED {now_ms}ms: gomaxprocs={} idleprocs={} threads={} spinningthreads={} needspinning={} idlethreads={} runqueue={}",
        gomaxprocs(),
        SCHED.npidle.load(Ordering::Relaxed),
        m::mcount(),
        SCHED.nmspinning.load(Ordering::Relaxed),
        SCHED.needspinning.load(Ordering::Relaxed),
        SCHED.nmidle.load(Ordering::Relaxed),
        s.runq.len()
    );
    if detailed {
        let _ = writeln!(
            out,
            " gcwaiting={} nmidlelocked=0 stopwait={} sysmonwait=false",
            SCHED.gcwaiting.load(Ordering::Relaxed),
            SCHED.stopwait.load(Ordering::Relaxed)
        );
        for pp in allp() {
            let mid = pp.m.load(Ordering::Relaxed);
            let _ = write!(
                out,
                "  P{}: status={} schedtick={} syscalltick={} m=",
                pp.id,
                pp.status() as u32,
                pp.schedtick.load(Ordering::Relaxed),
                pp.syscalltick.load(Ordering::Relaxed)
            );
            if mid.is_null() {
                let _ = write!(out, "nil");
            } else {
                // SAFETY: Ms are static.
                let _ = write!(out, "{}", unsafe { (*mid).cpu.id });
            }
            let _ = writeln!(
                out,
                " runqsize={} gfreecnt={} timerslen={}",
                pp.runq.ring_len(),
                pp.gfree_len(),
                pp.timers_len()
            );
        }
        for mp in m::all() {
            let _ = write!(out, "  M{}: p=", mp.id);
            match mp.p() {
                Some(pp) => {
                    let _ = write!(out, "{}", pp.id);
                }
                None => out.push_str("nil"),
            }
            out.push_str(" curg=");
            match mp.curg() {
                Some(g) => {
                    let _ = write!(out, "{}", g.goid());
                }
                None => out.push_str("nil"),
            }
            let _ = writeln!(
                out,
                " mallocing=0 throwing=0 preemptoff= locks={} dying=0 spinning={} blocked={} lockedg=nil",
                mp.locks.load(Ordering::Relaxed),
                mp.spinning.load(Ordering::Relaxed),
                mp.idle.load(Ordering::Relaxed)
            );
        }
        drop(s);
        // The boot option, not `tracking::enabled()`: a workload that turns
        // tracking on for itself (`hog`) keeps Go's line.
        let tracking = crate::runtime::objects::debug::options().tracking;
        crate::runtime::objects::allg::for_each(|g| {
            let st = g.status();
            if st == Gstatus::Gdead {
                return;
            }
            let _ = write!(
                out,
                "  G{}: status={}({}) m=",
                g.goid(),
                st as u32,
                g.waitreason()
            );
            let mp = g.m.load(Ordering::Relaxed);
            if mp.is_null() {
                out.push_str("nil");
            } else {
                // SAFETY: Ms are static.
                let _ = write!(out, "{}", unsafe { (*mp).cpu.id });
            }
            out.push_str(" lockedm=nil");
            if tracking {
                // The one field Go's line lacks (only with tracking=on):
                // the G's time in _Grunning so far.
                let _ = write!(out, " cputime={}ns", g.track.cputime_ns());
            }
            out.push('\n');
        });
        return out;
    }
    // Current Go (checked against 1.27.3) pads both lists inside their
    // brackets, `[ 7 15 0 5 ] schedticks=[ 8 169 18 73 ]`; tools that read
    // Go's lines then read ours. Past 64 Ps each list is summarised on the
    // same line instead (`plist`: 512 numbers twice a line is unreadable).
    let runq: alloc::vec::Vec<u64> = allp().iter().map(|pp| pp.runq.ring_len() as u64).collect();
    let ticks: alloc::vec::Vec<u64> = allp()
        .iter()
        .map(|pp| pp.schedtick.load(Ordering::Relaxed))
        .collect();
    out.push(' ');
    let _ = gmp_sched::plist::write_list(&mut out, &runq, 'P');
    out.push_str(" schedticks=");
    let _ = gmp_sched::plist::write_list(&mut out, &ticks, 'P');
    out.push('\n');
    out
}
