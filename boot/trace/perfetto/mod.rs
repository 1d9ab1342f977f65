//! The trace as Chrome's Trace Event Format JSON, for ui.perfetto.dev (or
//! chrome://tracing).
//!
//! Design note: two "processes": `Ps`, one track per P, where every G run
//! is a slice (GoStart to GoStop/GoBlock/GoEnd/GoSyscallBegin) and queue
//! events are instants; and `Ms`, one track per core, with slices for the P
//! it holds, its parked spans and its blocking calls. Complete ("X")
//! events carry their duration, so no begin/end pairs have to balance.
//! Flow arrows ("s" then "f" with one id) bind to slices, so a steal gets a
//! short marker slice on both the victim's and the thief's track, and a
//! wakeup starts at a marker on the waker's track and ends at the woken G's
//! next run slice. Times are microseconds since tracing started.

use std::collections::BTreeMap;

use gmp_sched::trace::{Event, Header, Queue, StopReason};
use serde_json::{Value, json};

use super::dump::Dump;
use super::wait_reason;

const PID_P: u32 = 1;
const PID_M: u32 = 2;
/// Length of a marker slice that anchors a flow arrow, in µs.
const MARK_US: f64 = 0.001;

/// The JSON file for `dump`.
pub fn write(dump: &Dump) -> Vec<u8> {
    let doc = build(&dump.header, &dump.events());
    serde_json::to_vec(&doc).expect("a serde_json Value always serialises")
}

/// A G running on a core.
struct Run {
    m: u32,
    goid: u64,
    p: Option<u32>,
    start: f64,
}

/// Builds the document from events ordered by time.
pub fn build(h: &Header, events: &[Event]) -> Value {
    let us = |ts: u64| {
        let v = ts.saturating_sub(h.start_tsc) as f64 * 1e6 / h.tsc_hz.max(1) as f64;
        (v * 1000.0).round() / 1000.0
    };
    let end = us(h.end_tsc.max(events.last().map_or(0, Event::ts)));
    let mut out: Vec<Value> = Vec::new();
    let meta = |pid: u32, tid: u32, name: String, out: &mut Vec<Value>| {
        out.push(
            json!({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                        "args": {"name": name}}),
        );
        out.push(
            json!({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                        "args": {"sort_index": tid}}),
        );
    };
    out.push(
        json!({"ph": "M", "name": "process_name", "pid": PID_P, "tid": 0,
                    "args": {"name": format!("Ps (GOMAXPROCS={})", h.nprocs)}}),
    );
    out.push(
        json!({"ph": "M", "name": "process_name", "pid": PID_M, "tid": 0,
                    "args": {"name": format!("Ms ({} cores)", h.ncpu)}}),
    );
    for p in 0..h.nprocs {
        meta(PID_P, p, format!("P{p}"), &mut out);
    }
    for m in 0..h.ncpu {
        meta(PID_M, m, format!("M{m}"), &mut out);
    }

    let slice = |pid: u32, tid: u32, name: String, ts: f64, until: f64, args: Value| {
        json!({"ph": "X", "pid": pid, "tid": tid, "name": name, "ts": ts,
               "dur": ((until - ts).max(0.0) * 1000.0).round() / 1000.0, "args": args})
    };
    let instant = |pid: u32, tid: u32, name: String, ts: f64, args: Value| json!({"ph": "i", "s": "t", "pid": pid, "tid": tid, "name": name, "ts": ts, "args": args});
    let flow = |ph: &str, pid: u32, tid: u32, id: u64, name: &str, ts: f64| {
        let mut v = json!({"ph": ph, "pid": pid, "tid": tid, "id": id, "name": name,
                           "cat": name, "ts": ts});
        if ph == "f" {
            v["bp"] = json!("e");
        }
        v
    };

    let mut running: BTreeMap<u32, Run> = BTreeMap::new();
    let mut held: BTreeMap<u32, (u32, f64)> = BTreeMap::new();
    let mut parked: BTreeMap<u32, f64> = BTreeMap::new();
    let mut syscall: BTreeMap<u32, (u64, f64)> = BTreeMap::new();
    // goid -> flow id of a wakeup waiting for the G's next start.
    let mut woken: BTreeMap<u64, u64> = BTreeMap::new();
    let mut next_id = 1u64;

    for e in events {
        let t = us(e.ts());
        let m = e.m();
        match *e {
            Event::GoCreate {
                p, goid, parent, ..
            } => {
                if let Some(p) = p {
                    out.push(instant(
                        PID_P,
                        p,
                        format!("create G{goid}"),
                        t,
                        json!({"goid": goid, "parent": parent}),
                    ));
                }
            }
            Event::GoStart { p, goid, .. } => {
                if let Some(r) = running.remove(&m) {
                    // A start without an end: close the previous run here.
                    close(&mut out, &slice, r, t, "replaced");
                }
                running.insert(
                    m,
                    Run {
                        m,
                        goid,
                        p,
                        start: t,
                    },
                );
                if let (Some(id), Some(p)) = (woken.remove(&goid), p) {
                    out.push(flow("f", PID_P, p, id, "wakeup", t));
                }
            }
            Event::GoStop { goid, reason, .. } => {
                let why = match reason {
                    StopReason::Yield => "yield to the global queue",
                    StopReason::Preempted => "preempted",
                    StopReason::YieldLocal => "yield to the local ring",
                };
                end_run(&mut out, &slice, &mut running, m, goid, t, why);
            }
            Event::GoBlock { goid, reason, .. } => {
                let why = format!("blocked: {}", wait_reason(reason));
                end_run(&mut out, &slice, &mut running, m, goid, t, &why);
            }
            Event::GoEnd { goid, .. } => {
                end_run(&mut out, &slice, &mut running, m, goid, t, "finished");
            }
            Event::GoSyscallBegin { goid, .. } => {
                end_run(&mut out, &slice, &mut running, m, goid, t, "blocking call");
                syscall.insert(m, (goid, t));
            }
            Event::GoSyscallEnd { p, goid, .. } => {
                if let Some((g, since)) = syscall.remove(&m) {
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
                    running.insert(
                        m,
                        Run {
                            m,
                            goid,
                            p,
                            start: t,
                        },
                    );
                }
            }
            Event::GoUnblock { p, goid, by, .. } => {
                let (pid, tid) = p.map_or((PID_M, m), |p| (PID_P, p));
                let name = format!("unblock G{goid}");
                out.push(slice(
                    pid,
                    tid,
                    name,
                    t,
                    t + MARK_US,
                    json!({"goid": goid, "by": by}),
                ));
                out.push(flow("s", pid, tid, next_id, "wakeup", t));
                woken.insert(goid, next_id);
                next_id += 1;
            }
            Event::Enqueue { p, goid, queue, .. } => {
                let q = match queue {
                    Queue::Runnext => "runnext",
                    Queue::Ring => "local ring",
                    Queue::Global => "global queue",
                };
                let (pid, tid) = p.map_or((PID_M, m), |p| (PID_P, p));
                out.push(instant(
                    pid,
                    tid,
                    format!("G{goid} to {q}"),
                    t,
                    json!({"goid": goid, "queue": q}),
                ));
            }
            Event::RunnextKick { p, goid, .. } => {
                if let Some(p) = p {
                    out.push(instant(
                        PID_P,
                        p,
                        format!("G{goid} kicked from runnext to the ring"),
                        t,
                        json!({"goid": goid}),
                    ));
                }
            }
            Event::Steal {
                p,
                victim,
                count,
                runnext,
                ..
            } => {
                let Some(p) = p else { continue };
                let args =
                    json!({"thief": p, "victim": victim, "count": count, "runnext": runnext});
                let what = if runnext { "runnext" } else { "ring" };
                out.push(slice(
                    PID_P,
                    victim,
                    format!("stolen: {count} G from {what} by P{p}"),
                    t,
                    t + MARK_US,
                    args.clone(),
                ));
                out.push(slice(
                    PID_P,
                    p,
                    format!("steal {count} G from P{victim}"),
                    t,
                    t + MARK_US,
                    args,
                ));
                out.push(flow("s", PID_P, victim, next_id, "steal", t));
                out.push(flow("f", PID_P, p, next_id, "steal", t));
                next_id += 1;
            }
            Event::Overflow { p, count, .. } => {
                if let Some(p) = p {
                    out.push(instant(
                        PID_P,
                        p,
                        format!("overflow: {count} G to the global queue"),
                        t,
                        json!({"count": count}),
                    ));
                }
            }
            Event::GlobalTake { p, count, .. } => {
                if let Some(p) = p {
                    out.push(instant(
                        PID_P,
                        p,
                        format!("take {count} G from the global queue"),
                        t,
                        json!({"count": count}),
                    ));
                }
            }
            Event::TimerFire { p, goid, .. } => {
                let (pid, tid) = p.map_or((PID_M, m), |p| (PID_P, p));
                out.push(instant(
                    pid,
                    tid,
                    format!("timer readies G{goid}"),
                    t,
                    json!({"goid": goid}),
                ));
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
                if let Some(since) = parked.remove(&m) {
                    out.push(slice(PID_M, m, "parked".into(), since, t, json!({})));
                }
                if let Some(p) = p {
                    held.insert(m, (p, t));
                }
            }
            Event::ProcStop { p, .. } => {
                if let Some((hp, since)) = held.remove(&m) {
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
                parked.insert(m, t);
            }
            Event::MWake { p, .. } => {
                out.push(instant(PID_M, m, "wake".into(), t, json!({"p": p})));
                if let Some(since) = parked.remove(&m) {
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
        }
    }
    // Whatever is still open ends with the trace.
    for r in running.into_values() {
        close(&mut out, &slice, r, end, "still running at the dump");
    }
    for (m, (p, since)) in held {
        out.push(slice(
            PID_M,
            m,
            format!("holds P{p}"),
            since,
            end,
            json!({}),
        ));
    }
    for (m, since) in parked {
        out.push(slice(PID_M, m, "parked".into(), since, end, json!({})));
    }
    json!({"traceEvents": out, "displayTimeUnit": "ns",
           "otherData": {"source": "gmp-metal --trace", "tsc_hz": h.tsc_hz,
                         "ncpu": h.ncpu, "nprocs": h.nprocs}})
}

type SliceFn<'a> = dyn Fn(u32, u32, String, f64, f64, Value) -> Value + 'a;

/// Ends `m`'s current run (if it is `goid`) at `t`.
fn end_run(
    out: &mut Vec<Value>,
    slice: &SliceFn<'_>,
    running: &mut BTreeMap<u32, Run>,
    m: u32,
    goid: u64,
    t: f64,
    why: &str,
) {
    if running.get(&m).is_some_and(|r| r.goid == goid)
        && let Some(r) = running.remove(&m)
    {
        close(out, slice, r, t, why);
    }
}

/// The slice of one run: on its P's track, or its M's without a P.
fn close(out: &mut Vec<Value>, slice: &SliceFn<'_>, r: Run, t: f64, why: &str) {
    let (pid, tid) = r.p.map_or((PID_M, r.m), |p| (PID_P, p));
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
    use super::*;
    use gmp_sched::trace::VERSION;

    fn header() -> Header {
        Header {
            version: VERSION,
            ncpu: 2,
            nprocs: 2,
            tsc_hz: 1_000_000_000, // 1 tick = 1 ns
            start_tsc: 1_000,
            end_tsc: 100_000,
        }
    }

    fn events() -> Vec<Event> {
        let (p0, p1) = (Some(0), Some(1));
        vec![
            Event::ProcStart {
                ts: 1_000,
                m: 0,
                p: p0,
            },
            Event::ProcStart {
                ts: 1_000,
                m: 1,
                p: p1,
            },
            Event::GoStart {
                ts: 2_000,
                m: 0,
                p: p0,
                goid: 1,
            },
            Event::GoCreate {
                ts: 3_000,
                m: 0,
                p: p0,
                goid: 2,
                parent: 1,
            },
            Event::Enqueue {
                ts: 3_000,
                m: 0,
                p: p0,
                goid: 2,
                queue: Queue::Runnext,
            },
            Event::Steal {
                ts: 4_000,
                m: 1,
                p: p1,
                victim: 0,
                count: 1,
                runnext: true,
            },
            Event::GoStart {
                ts: 4_500,
                m: 1,
                p: p1,
                goid: 2,
            },
            Event::GoBlock {
                ts: 5_000,
                m: 1,
                p: p1,
                goid: 2,
                reason: 1,
            },
            Event::MPark { ts: 5_500, m: 1 },
            Event::GoUnblock {
                ts: 6_000,
                m: 0,
                p: p0,
                goid: 2,
                by: 1,
            },
            Event::Overflow {
                ts: 6_100,
                m: 0,
                p: p0,
                count: 129,
            },
            Event::GoStop {
                ts: 7_000,
                m: 0,
                p: p0,
                goid: 1,
                reason: StopReason::Preempted,
            },
            Event::ProcStop {
                ts: 5_400,
                m: 1,
                p: p1,
            },
            Event::ProcStart {
                ts: 7_400,
                m: 1,
                p: p1,
            },
            Event::MWake {
                ts: 7_500,
                m: 1,
                p: p1,
            },
            Event::GoStart {
                ts: 8_000,
                m: 1,
                p: p1,
                goid: 2,
            },
            Event::GoEnd {
                ts: 9_000,
                m: 1,
                p: p1,
                goid: 2,
            },
        ]
    }

    fn with_ph<'a>(doc: &'a Value, ph: &str) -> Vec<&'a Value> {
        doc["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["ph"] == ph)
            .collect()
    }

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
    fn steals_and_wakeups_are_flows_between_tracks() {
        let doc = build(&header(), &events());
        let starts = with_ph(&doc, "s");
        let ends = with_ph(&doc, "f");
        assert_eq!(starts.len(), 2);
        assert_eq!(ends.len(), 2);
        let steal_s = starts.iter().find(|e| e["name"] == "steal").unwrap();
        let steal_f = ends.iter().find(|e| e["name"] == "steal").unwrap();
        assert_eq!(steal_s["id"], steal_f["id"]);
        assert_eq!(
            (steal_s["tid"].as_u64(), steal_f["tid"].as_u64()),
            (Some(0), Some(1))
        );
        let wake_s = starts.iter().find(|e| e["name"] == "wakeup").unwrap();
        let wake_f = ends.iter().find(|e| e["name"] == "wakeup").unwrap();
        assert_eq!(wake_s["id"], wake_f["id"]);
        assert_ne!(wake_s["id"], steal_s["id"]);
        // From the waker's P at the unblock to the woken G's next start.
        assert_eq!(
            (wake_s["tid"].as_u64(), wake_s["ts"].as_f64()),
            (Some(0), Some(5.0))
        );
        assert_eq!(
            (wake_f["tid"].as_u64(), wake_f["ts"].as_f64()),
            (Some(1), Some(7.0))
        );
        // Every flow end lies inside a slice of its track (Perfetto binds it there).
        for f in starts.iter().chain(&ends) {
            let inside = with_ph(&doc, "X").iter().any(|x| {
                x["pid"] == f["pid"]
                    && x["tid"] == f["tid"]
                    && x["ts"].as_f64() <= f["ts"].as_f64()
                    && f["ts"].as_f64().unwrap()
                        <= x["ts"].as_f64().unwrap() + x["dur"].as_f64().unwrap()
            });
            assert!(inside, "flow {f} is not on a slice");
        }
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
            (parked["pid"].as_u64(), parked["tid"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(
            (parked["ts"].as_f64(), parked["dur"].as_f64()),
            (Some(4.5), Some(1.9))
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
