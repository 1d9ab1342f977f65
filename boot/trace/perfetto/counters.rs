//! Counter tracks ("C" events): the lesson's picture as graphs over time.
//!
//! Design note: the counts come from replaying the events into the run
//! queue model the page uses ([`Replay`], `boot/trace/replay.rs`) and
//! reading it after every event; a counter gets a new sample only when its
//! value changed, at the time of the event that changed it. Each P's queue
//! counter is on the `Ps` process (`P0 run queue`, series `ring` and
//! `runnext`); the rest are on a third process, `Scheduler`: `global
//! queue` (`Gs`), `Ps` (`idle`), `Ms` (`parked`) and `Gs` (one series per
//! state). Perfetto gives each series a track of its own; the Trace Event
//! Format draws the series of one counter as a stacked chart, so there
//! `Gs` stacks up to the live Gs.
//!
//! Only exact counts are written: with events dropped (a full trace
//! buffer) nothing is, and when the replayed queues disagreed with the
//! events (a move the kernel does not record, see docs/TRACE.md) the queue
//! counters are left out. Why is said in the document's `otherData`.
//! Spinning Ms have no counter: the kernel records no event when an M
//! starts or stops spinning.

use gmp_sched::trace::{Event, Header};
use serde_json::{Map, Value, json};

use super::{Clock, PID_P};
use crate::trace::replay::{GState, RING, Replay};

/// The process of the scheduler-wide counters.
pub(super) const PID_SCHED: u32 = 3;

/// One counter: its process, its name, the names of its series.
struct Counter {
    pid: u32,
    name: String,
    series: &'static [&'static str],
    /// A run-queue counter (left out when the replay disagreed).
    queue: bool,
}

/// The counters of a run with `nprocs` Ps, in the order [`read`] writes
/// their values.
fn counters(nprocs: usize) -> Vec<Counter> {
    let mut out: Vec<Counter> = (0..nprocs)
        .map(|i| Counter {
            pid: PID_P,
            name: format!("P{i} run queue"),
            series: &["ring", "runnext"],
            queue: true,
        })
        .collect();
    let sched = |name: &str, series, queue| Counter {
        pid: PID_SCHED,
        name: name.into(),
        series,
        queue,
    };
    out.push(sched("global queue", &["Gs"], true));
    out.push(sched("Ps", &["idle"], false));
    out.push(sched("Ms", &["parked"], false));
    out.push(sched("Gs", &GSTATES, false));
    out
}

/// The `Gs` counter's series, in [`GState::ALL`]'s order.
const GSTATES: [&str; 4] = ["runnable", "running", "waiting", "syscall"];

/// Every counter's values now, in [`counters`]' order, into `v`.
fn read(r: &Replay, v: &mut Vec<u64>) {
    v.clear();
    for p in &r.ps {
        v.push(p.ring.len() as u64);
        v.push(u64::from(p.runnext.is_some()));
    }
    v.push(r.global.len() as u64);
    v.push(r.idle_ps() as u64);
    v.push(r.parked_ms() as u64);
    v.extend(GState::ALL.iter().map(|&s| r.gs_in(s) as u64));
}

fn sample(c: &Counter, values: &[u64], ts: f64) -> Value {
    let args: Map<String, Value> = c
        .series
        .iter()
        .zip(values)
        .map(|(&k, &v)| (k.to_string(), json!(v)))
        .collect();
    json!({"ph": "C", "pid": c.pid, "name": c.name, "ts": ts, "args": args})
}

/// Appends the counters of `events` (`dropped` were lost) to `out`;
/// returns why any were left out.
pub(super) fn push(
    h: &Header,
    events: &[Event],
    dropped: u64,
    clock: Clock,
    out: &mut Vec<Value>,
) -> Vec<String> {
    if dropped > 0 {
        return vec![format!(
            "every counter: {dropped} events were dropped (a full trace buffer), so no count is exact"
        )];
    }
    debug_assert!(GState::ALL.iter().map(|s| s.name()).eq(GSTATES));
    let mut replay = Replay::new(h);
    let all = counters(replay.ps.len());
    let (mut last, mut now) = (Vec::new(), Vec::new());
    read(&replay, &mut last);
    // Every counter starts at the start of the trace; then a sample
    // whenever an event changed it.
    let mut samples: Vec<(bool, Value)> = Vec::new();
    let changed = |t: f64, now: &[u64], last: Option<&[u64]>, samples: &mut Vec<_>| {
        let mut at = 0;
        for c in &all {
            let n = c.series.len();
            let v = &now[at..at + n];
            if last.is_none_or(|l| l[at..at + n] != *v) {
                samples.push((c.queue, sample(c, v, t)));
            }
            at += n;
        }
    };
    changed(clock.us(h.start_tsc), &last, None, &mut samples);
    for e in events {
        replay.apply(e);
        read(&replay, &mut now);
        if now != last {
            changed(clock.us(e.ts()), &now, Some(&last), &mut samples);
            std::mem::swap(&mut now, &mut last);
        }
    }
    debug_assert!(replay.ps.iter().all(|p| p.ring.len() <= RING));
    let mut notes = Vec::new();
    let keep_queues = replay.mismatch == 0;
    if !keep_queues {
        notes.push(format!(
            "the run queue counters: {} events moved Gs the replayed queues did not hold (a move the kernel does not record), so their lengths are not exact",
            replay.mismatch
        ));
    }
    out.push(
        json!({"ph": "M", "name": "process_name", "pid": PID_SCHED, "tid": 0,
                    "args": {"name": "Scheduler"}}),
    );
    out.extend(
        samples
            .into_iter()
            .filter(|(queue, _)| keep_queues || !queue)
            .map(|(_, v)| v),
    );
    notes
}

#[cfg(test)]
mod tests {
    use gmp_sched::trace::{ChunkHeader, Event, Queue, StopReason};
    use serde_json::Value;

    use super::super::sample::{header, with_ph};
    use super::super::write;
    use crate::trace::dump::Dump;

    /// M0 on P0 runs G1, which creates G2..=G301 (each into `runnext`,
    /// kicking the one before to the ring, which overflows once); M1 on P1
    /// steals 85 and runs the last (G214) into a blocking call, then parks;
    /// G1 is preempted to the global queue and M0 takes G2 from it.
    fn schedule() -> (Vec<Event>, Vec<Event>) {
        let (p0, p1) = (Some(0), Some(1));
        let mut t = 1_000;
        let mut tick = || {
            t += 10;
            t
        };
        let mut m0 = vec![
            Event::ProcStart {
                ts: tick(),
                m: 0,
                p: p0,
            },
            Event::GoCreate {
                ts: tick(),
                m: 0,
                p: p0,
                goid: 1,
                parent: 0,
            },
            Event::Enqueue {
                ts: tick(),
                m: 0,
                p: p0,
                goid: 1,
                queue: Queue::Runnext,
            },
            Event::GoStart {
                ts: tick(),
                m: 0,
                p: p0,
                goid: 1,
            },
        ];
        let mut ring = 0;
        for g in 2..=301u64 {
            m0.push(Event::GoCreate {
                ts: tick(),
                m: 0,
                p: p0,
                goid: g,
                parent: 1,
            });
            m0.push(Event::Enqueue {
                ts: tick(),
                m: 0,
                p: p0,
                goid: g,
                queue: Queue::Runnext,
            });
            if g > 2 {
                m0.push(Event::RunnextKick {
                    ts: tick(),
                    m: 0,
                    p: p0,
                    goid: g - 1,
                });
                ring += 1;
                if ring > 256 {
                    m0.push(Event::Overflow {
                        ts: tick(),
                        m: 0,
                        p: p0,
                        count: 129,
                    });
                    ring = 128;
                }
            }
        }
        // The 257th kick (G258) spilled G2..=G129 and G258: P0's ring holds
        // G130..=G257 and G259..=G300, runnext G301.
        let mut m1 = vec![
            Event::ProcStart {
                ts: tick(),
                m: 1,
                p: p1,
            },
            Event::Steal {
                ts: tick(),
                m: 1,
                p: p1,
                victim: 0,
                count: 85,
                runnext: false,
            },
            Event::GoStart {
                ts: tick(),
                m: 1,
                p: p1,
                goid: 214,
            },
            Event::GoSyscallBegin {
                ts: tick(),
                m: 1,
                p: p1,
                goid: 214,
            },
        ];
        m0.push(Event::GoStop {
            ts: tick(),
            m: 0,
            p: p0,
            goid: 1,
            reason: StopReason::Preempted,
        });
        m0.push(Event::Enqueue {
            ts: tick(),
            m: 0,
            p: p0,
            goid: 1,
            queue: Queue::Global,
        });
        m0.push(Event::GlobalTake {
            ts: tick(),
            m: 0,
            p: p0,
            count: 1,
        });
        m0.push(Event::GoStart {
            ts: tick(),
            m: 0,
            p: p0,
            goid: 2,
        });
        m0.push(Event::GoBlock {
            ts: tick(),
            m: 0,
            p: p0,
            goid: 2,
            reason: 1,
        });
        m1.push(Event::MPark { ts: tick(), m: 1 });
        (m0, m1)
    }

    fn dump(dropped: u64) -> Dump {
        let (m0, m1) = schedule();
        let chunk = |m: u32, ev: Vec<Event>| {
            let ch = ChunkHeader {
                m,
                events: ev.len() as u64,
                dropped,
                base_tsc: 1_000,
                len: 0,
            };
            (ch, ev)
        };
        Dump {
            header: header(),
            chunks: vec![chunk(0, m0), chunk(1, m1)],
        }
    }

    fn doc(d: &Dump) -> Value {
        serde_json::from_slice(&write(d).0).unwrap()
    }

    /// The samples of counter `name`: (µs, series -> value).
    fn samples(doc: &Value, name: &str) -> Vec<(f64, serde_json::Map<String, Value>)> {
        with_ph(doc, "C")
            .into_iter()
            .filter(|e| e["name"] == name)
            .map(|e| {
                (
                    e["ts"].as_f64().unwrap(),
                    e["args"].as_object().unwrap().clone(),
                )
            })
            .collect()
    }

    fn last(doc: &Value, name: &str, series: &str) -> u64 {
        let s = samples(doc, name);
        s.last().unwrap().1[series].as_u64().unwrap()
    }

    fn max(doc: &Value, name: &str, series: &str) -> u64 {
        samples(doc, name)
            .iter()
            .map(|(_, a)| a[series].as_u64().unwrap())
            .max()
            .unwrap()
    }

    #[test]
    fn every_counter_has_its_track_and_exact_values() {
        let d = doc(&dump(0));
        assert_eq!(d["otherData"]["counters left out"], serde_json::json!([]));
        for name in [
            "P0 run queue",
            "P1 run queue",
            "global queue",
            "Ps",
            "Ms",
            "Gs",
        ] {
            assert!(!samples(&d, name).is_empty(), "no counter {name}");
        }
        // The ring filled up to 256, never past it, and spilled 129.
        assert_eq!(max(&d, "P0 run queue", "ring"), 256);
        assert_eq!(max(&d, "global queue", "Gs"), 130);
        // 170 in P0's ring, 85 stolen (the last one runs on P1).
        assert_eq!(last(&d, "P0 run queue", "ring"), 170 - 85);
        assert_eq!(last(&d, "P1 run queue", "ring"), 84);
        assert_eq!(last(&d, "P0 run queue", "runnext"), 1);
        // G1 back in the global queue, G2 taken from it.
        assert_eq!(last(&d, "global queue", "Gs"), 129);
        assert_eq!(last(&d, "Ms", "parked"), 1);
        // Before the first ProcStart both Ps are idle; then none is.
        let idle: Vec<u64> = samples(&d, "Ps")
            .iter()
            .map(|(_, a)| a["idle"].as_u64().unwrap())
            .collect();
        assert_eq!(idle, vec![2, 1, 0]);
        let gs = samples(&d, "Gs").last().unwrap().1.clone();
        let n = |k: &str| gs[k].as_u64().unwrap();
        // All 301 but G2 (waiting) and G214 (in the call): runnable.
        assert_eq!(
            (n("runnable"), n("running"), n("waiting"), n("syscall")),
            (299, 0, 1, 1)
        );
        // Every sample of the Gs counter adds up to the Gs created by then
        // (none ends here).
        let (m0, m1) = schedule();
        let created: Vec<f64> = m0
            .iter()
            .chain(&m1)
            .filter(|e| matches!(e, Event::GoCreate { .. }))
            .map(|e| (e.ts() - 1_000) as f64 / 1_000.0)
            .collect();
        for (t, a) in samples(&d, "Gs") {
            let sum: u64 = a.values().map(|v| v.as_u64().unwrap()).sum();
            let live = created.iter().filter(|&&c| c <= t).count() as u64;
            assert_eq!(sum, live, "at {t} µs: {a:?}");
        }
    }

    #[test]
    fn dropped_events_leave_every_counter_out() {
        let d = doc(&dump(3));
        assert!(with_ph(&d, "C").is_empty());
        let why = d["otherData"]["counters left out"][0].as_str().unwrap();
        assert!(why.contains("6 events were dropped"), "{why}");
    }

    #[test]
    fn a_replay_that_disagrees_leaves_the_queue_counters_out() {
        let mut d = dump(0);
        // A take of more Gs than the global queue holds.
        d.chunks[0].1.push(Event::GlobalTake {
            ts: 1_000_000,
            m: 0,
            p: Some(0),
            count: 500,
        });
        let d = doc(&d);
        let names: std::collections::BTreeSet<&str> = with_ph(&d, "C")
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Gs", "Ms", "Ps"].into_iter().collect());
        let why = d["otherData"]["counters left out"][0].as_str().unwrap();
        assert!(why.starts_with("the run queue counters"), "{why}");
    }
}
