//! The slices and instants of the P and M tracks.
//!
//! Design note: a slice needs its start and its end, which are two events,
//! so each open span (a G running on a core, a P held, a core parked, a
//! blocking call) is kept per core until the event that ends it; what is
//! still open when the events run out ends with the trace ([`Tracks::finish`]).
//! Everything else an event says is an instant on the track of the P its
//! core held (the core's own track without one).

use std::collections::BTreeMap;

use gmp_sched::trace::Event;
use serde_json::{Value, json};

use super::{PID_M, PID_P, instant, slice, track};
use crate::trace::wait_reason;

/// A G running on a core.
struct Run {
    m: u32,
    goid: u64,
    p: Option<u32>,
    start: f64,
}

/// The spans still open, per core.
#[derive(Default)]
pub(super) struct Tracks {
    running: BTreeMap<u32, Run>,
    held: BTreeMap<u32, (u32, f64)>,
    parked: BTreeMap<u32, f64>,
    syscall: BTreeMap<u32, (u64, f64)>,
}

impl Tracks {
    /// Adds what `e` (at `t` µs) opens, closes or marks.
    pub(super) fn event(&mut self, e: &Event, t: f64, out: &mut Vec<Value>) {
        let m = e.m();
        match *e {
            Event::GoCreate {
                p, goid, parent, ..
            } => {
                on_p(
                    out,
                    p,
                    format!("create G{goid}"),
                    t,
                    json!({"goid": goid, "parent": parent}),
                );
            }
            Event::GoStart { p, goid, .. } => {
                if let Some(r) = self.running.remove(&m) {
                    // A start without an end: close the previous run here.
                    close(out, r, t, "replaced");
                }
                self.start_run(m, goid, p, t);
            }
            Event::GoStop { goid, reason, .. } => {
                self.end_run(out, m, goid, t, reason.as_str());
            }
            Event::GoBlock { goid, reason, .. } => {
                let why = format!("blocked: {}", wait_reason(reason));
                self.end_run(out, m, goid, t, &why);
            }
            Event::GoEnd { goid, .. } => {
                self.end_run(out, m, goid, t, "finished");
            }
            Event::GoSyscallBegin { goid, .. } => {
                self.end_run(out, m, goid, t, "blocking call");
                self.syscall.insert(m, (goid, t));
            }
            Event::GoSyscallEnd { p, goid, .. } => {
                if let Some((g, since)) = self.syscall.remove(&m) {
                    out.push(slice(
                        PID_M,
                        m,
                        format!("blocking call G{g}"),
                        since,
                        t,
                        json!({"goid": g, "back with": p.map(|p| format!("P{p}"))}),
                    ));
                }
                if p.is_some() {
                    // exitsyscall with a P: the G carries on without a new
                    // GoStart, so its run resumes here.
                    self.start_run(m, goid, p, t);
                }
            }
            Event::Enqueue { p, goid, queue, .. } => {
                let q = queue.as_str();
                on_track(
                    out,
                    p,
                    m,
                    format!("G{goid} to {q}"),
                    t,
                    json!({"goid": goid, "queue": q}),
                );
            }
            Event::RunnextKick { p, goid, .. } => {
                on_p(
                    out,
                    p,
                    format!("G{goid} kicked from runnext to the ring"),
                    t,
                    json!({"goid": goid}),
                );
            }
            Event::Overflow { p, count, .. } => {
                on_p(
                    out,
                    p,
                    format!("overflow: {count} G to the global queue"),
                    t,
                    json!({"count": count}),
                );
            }
            Event::GlobalTake { p, count, .. } => {
                on_p(
                    out,
                    p,
                    format!("take {count} G from the global queue"),
                    t,
                    json!({"count": count}),
                );
            }
            Event::TimerFire { p, goid, .. } => {
                on_track(
                    out,
                    p,
                    m,
                    format!("timer readies G{goid}"),
                    t,
                    json!({"goid": goid}),
                );
            }
            // Stacks belong to the Go trace (`Dump::events` leaves them out).
            Event::Stack { .. } => {}
            Event::StwBegin { reason, .. } => out.push(instant(
                PID_M,
                m,
                format!("stop the world ({})", reason.as_str()),
                t,
                json!({"reason": reason.as_str()}),
            )),
            Event::StwEnd { .. } => {
                out.push(instant(PID_M, m, "start the world".into(), t, json!({})))
            }
            Event::ProcsChange { procs, .. } => out.push(instant(
                PID_M,
                m,
                format!("GOMAXPROCS {procs}"),
                t,
                json!({"procs": procs}),
            )),
            Event::NetpollReady { p, goid, .. } => {
                on_track(
                    out,
                    p,
                    m,
                    format!("netpoll readies G{goid} (input arrived)"),
                    t,
                    json!({"goid": goid}),
                );
            }
            Event::Handoff { p, .. } => {
                out.push(instant(
                    PID_M,
                    m,
                    format!("sysmon hands off P{}", p.unwrap_or(0)),
                    t,
                    json!({"p": p}),
                ));
            }
            Event::ProcStart { p, .. } => {
                // A parked core takes its P before it records its wake:
                // the parked span ends here, so the slices nest.
                if let Some(since) = self.parked.remove(&m) {
                    out.push(slice(PID_M, m, "parked".into(), since, t, json!({})));
                }
                if let Some(p) = p {
                    self.held.insert(m, (p, t));
                }
            }
            Event::ProcStop { p, .. } => {
                if let Some((hp, since)) = self.held.remove(&m) {
                    out.push(slice(
                        PID_M,
                        m,
                        format!("holds P{hp}"),
                        since,
                        t,
                        json!({"p": p}),
                    ));
                }
            }
            Event::MPark { .. } => {
                out.push(instant(PID_M, m, "park".into(), t, json!({})));
                self.parked.insert(m, t);
            }
            Event::MWake { p, .. } => {
                out.push(instant(PID_M, m, "wake".into(), t, json!({"p": p})));
                if let Some(since) = self.parked.remove(&m) {
                    out.push(slice(
                        PID_M,
                        m,
                        "parked".into(),
                        since,
                        t,
                        json!({"woke with": p.map(|p| format!("P{p}"))}),
                    ));
                }
            }
            // Their marker slices belong to the arrows (flows.rs).
            Event::GoUnblock { .. } | Event::Steal { .. } => {}
        }
    }

    /// Ends every span still open at `end` µs, the end of the trace.
    pub(super) fn finish(self, end: f64, out: &mut Vec<Value>) {
        for r in self.running.into_values() {
            close(out, r, end, "still running at the dump");
        }
        for (m, (p, since)) in self.held {
            out.push(slice(
                PID_M,
                m,
                format!("holds P{p}"),
                since,
                end,
                json!({}),
            ));
        }
        for (m, since) in self.parked {
            out.push(slice(PID_M, m, "parked".into(), since, end, json!({})));
        }
    }

    /// `goid` starts (or resumes) running on core `m`, holding `p`, at `t`.
    fn start_run(&mut self, m: u32, goid: u64, p: Option<u32>, t: f64) {
        let run = Run {
            m,
            goid,
            p,
            start: t,
        };
        self.running.insert(m, run);
    }

    /// Ends `m`'s current run (if it is `goid`) at `t`.
    fn end_run(&mut self, out: &mut Vec<Value>, m: u32, goid: u64, t: f64, why: &str) {
        if self.running.get(&m).is_some_and(|r| r.goid == goid)
            && let Some(r) = self.running.remove(&m)
        {
            close(out, r, t, why);
        }
    }
}

/// An instant on P `p`'s track: what it marks happens to that P's queues,
/// so an event recorded without a P has no track to go on.
fn on_p(out: &mut Vec<Value>, p: Option<u32>, name: String, t: f64, args: Value) {
    if let Some(p) = p {
        out.push(instant(PID_P, p, name, t, args));
    }
}

/// An instant on the track of the P that core `m` holds, or on the core's
/// own track without one.
fn on_track(out: &mut Vec<Value>, p: Option<u32>, m: u32, name: String, t: f64, args: Value) {
    let (pid, tid) = track(p, m);
    out.push(instant(pid, tid, name, t, args));
}

/// The slice of one run: on its P's track, or its M's without a P.
fn close(out: &mut Vec<Value>, r: Run, t: f64, why: &str) {
    let (pid, tid) = track(r.p, r.m);
    out.push(slice(
        pid,
        tid,
        format!("G{}", r.goid),
        r.start,
        t,
        json!({"goid": r.goid, "end": why}),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::sample::{events, header, numbers, with_ph};
    use serde_json::Value;

    #[test]
    fn g_runs_are_slices_on_their_p_in_microseconds() {
        let doc = build(&header(), &events());
        let runs: Vec<(String, u64, f64, f64)> = with_ph(&doc, "X")
            .into_iter()
            .filter(|e| e["name"].as_str().unwrap().starts_with('G'))
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["tid"].as_u64().unwrap(),
                    e["ts"].as_f64().unwrap(),
                    e["dur"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            runs,
            vec![
                ("G2".to_string(), 1, 3.5, 0.5),
                ("G1".to_string(), 0, 1.0, 5.0),
                ("G2".to_string(), 1, 7.0, 1.0),
            ]
        );
        let names: Vec<&str> = with_ph(&doc, "M")
            .iter()
            .filter(|e| e["name"] == "thread_name")
            .map(|e| e["args"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["P0", "P1", "M0", "M1"]);
    }

    #[test]
    fn instants_and_m_tracks() {
        let doc = build(&header(), &events());
        let instants: Vec<&str> = with_ph(&doc, "i")
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert!(
            instants.contains(&"overflow: 129 G to the global queue"),
            "{instants:?}"
        );
        assert!(instants.contains(&"G2 to runnext"), "{instants:?}");
        assert!(instants.contains(&"park"), "{instants:?}");
        let parked = with_ph(&doc, "X")
            .into_iter()
            .find(|e| e["name"] == "parked")
            .unwrap();
        assert_eq!(
            numbers(parked, ["pid", "tid", "ts", "dur"]),
            [2.0, 1.0, 4.5, 1.9]
        );
        assert!(instants.contains(&"wake"), "{instants:?}");
        let held: Vec<(u64, f64, f64)> = with_ph(&doc, "X")
            .into_iter()
            .filter(|e| e["name"].as_str().unwrap().starts_with("holds P"))
            .map(|e| {
                let tid = e["tid"].as_u64().unwrap();
                (tid, e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap())
            })
            .collect();
        // M1 held P1 until it parked, and again from 6.4 µs to the end of
        // the trace (99 µs after the start); M0 all along.
        assert_eq!(held, vec![(1, 0.0, 4.4), (0, 0.0, 99.0), (1, 6.4, 92.6)]);
        // Slices on one M track never overlap without nesting.
        let m_slices: Vec<&Value> = with_ph(&doc, "X")
            .into_iter()
            .filter(|e| e["pid"] == 2)
            .collect();
        for a in &m_slices {
            for b in m_slices.iter().filter(|b| b["tid"] == a["tid"]) {
                let (a0, b0) = (a["ts"].as_f64().unwrap(), b["ts"].as_f64().unwrap());
                let a1 = a0 + a["dur"].as_f64().unwrap();
                let b1 = b0 + b["dur"].as_f64().unwrap();
                let partial = a0 < b0 && b0 < a1 && a1 < b1;
                assert!(!partial, "{a} and {b} overlap without nesting");
            }
        }
        // The whole document is valid JSON text.
        let text = serde_json::to_string(&doc).unwrap();
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
    }
}
