//! What the torture prints when a round stalls: where the Gs are.
//!
//! Design note: a stall — a round whose Gs stop finishing — is how a lost
//! wake-up shows itself (a G parked for good, or a runnable G on a queue
//! that no M looks at), but a starved machine looks the same from inside:
//! 16 vCPUs on a fraction of two host cores can leave a core unscheduled for
//! seconds while guest time runs on. The ledgers only say *that* Gs never
//! finished. This report says *where* they are, once, before the failure
//! ends the run:
//!
//! - the scheduler as Go's `scheddetail` shows it, its P and M lines: Ps
//!   with Gs queued and an M running (a slow machine) read differently
//!   from queued Gs on a P no M holds while Ms sleep (a lost `wakep`);
//! - how many live Gs are in each state, and the waiting ones by reason;
//! - the round's started-but-unfinished Gs, each with its status and, in
//!   the dev kernel, its last hand-offs (`runtime::ghistory`): a G parked
//!   in the parking lot that nobody readied names the line that parked it.
//!
//! Everything is read without stopping the world (a stopped world needs
//! every P to answer, which a broken scheduler may not), so a G may move
//! while it is listed.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering};

use super::failure::fail;
use super::round::Round;
use crate::prelude::*;
use crate::runtime::inspect::allg;
use crate::runtime::inspect::g::Gstatus;
use crate::runtime::inspect::introspect;

/// Unfinished Gs listed with their histories.
const MAX_LISTED: usize = 8;

/// The report is printed once per run (the stats G's backstop may find the
/// same stall after the main G did).
static REPORTED: AtomicBool = AtomicBool::new(false);

/// Record the stall of `r` as the run's failure (`extra` is appended to
/// the ledger's account of the lost Gs), printing where the Gs are first.
pub fn stalled(r: &Round, extra: &str) {
    if !REPORTED.swap(true, Ordering::AcqRel) {
        for line in report(r).lines() {
            kprintln!("torture: stall: {line}");
        }
    }
    fail(format!("{}{extra}", r.lost()));
}

/// The report (see the module docs).
fn report(r: &Round) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "round {} made no progress; where its Gs are (read without stopping the world):",
        r.number
    );
    // Go's scheddetail: the SCHED line and the P and M lines. The G lines
    // (thousands in a torture round) are summed up below instead.
    for line in introspect::schedtrace_now(true).lines() {
        if !line.starts_with("  G") {
            let _ = writeln!(out, "{line}");
        }
    }
    // `ps`'s listing (live Gs, with Go's status names and wait reasons).
    let mut states: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for g in introspect::goroutines() {
        *states.entry(g.status).or_default() += 1;
        if !g.waitreason.is_empty() {
            *reasons.entry(g.waitreason).or_default() += 1;
        }
    }
    let _ = write!(out, "live Gs:");
    for (state, n) in &states {
        let _ = write!(out, " {state}={n}");
    }
    let _ = write!(out, "; waiting by reason:");
    for (reason, n) in &reasons {
        let _ = write!(out, " {reason:?}={n}");
    }
    out.push('\n');
    let unfinished = r.unfinished(MAX_LISTED);
    if unfinished.is_empty() {
        let _ = writeln!(out, "no G of the round that started is unfinished");
    }
    for (goid, helper) in unfinished {
        let role = if helper { "helper" } else { "worker" };
        let mut found = false;
        allg::for_each(|g| {
            if found || g.goid() != goid {
                return;
            }
            found = true;
            let st = g.status();
            let _ = write!(out, "G{goid} ({role}, started, unfinished): {}", st.name());
            if st == Gstatus::Gwaiting {
                let _ = write!(out, " ({})", g.waitreason());
            }
            let _ = writeln!(out, "\n{}", g.history());
        });
        if !found {
            let _ = writeln!(
                out,
                "G{goid} ({role}, started, unfinished): not found among the live Gs"
            );
        }
    }
    out
}
