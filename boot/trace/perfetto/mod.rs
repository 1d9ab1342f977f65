//! The trace as Chrome's Trace Event Format JSON, for ui.perfetto.dev (or
//! chrome://tracing).
//!
//! Design note: two "processes": `Ps`, one track per P, where every G run
//! is a slice (GoStart to GoStop/GoBlock/GoEnd/GoSyscallBegin) and queue
//! events are instants; and `Ms`, one track per core, with slices for the P
//! it holds, its parked spans and its blocking calls ([`tracks`]). Complete
//! ("X") events carry their duration, so no begin/end pairs have to
//! balance. Flow arrows ("s" then "f" with one id) bind to slices, so a
//! steal gets a short marker slice on both the victim's and the thief's
//! track, and a wakeup starts at a marker on the waker's track and ends at
//! the woken G's next run slice ([`flows`]). Both parts see every event in
//! time order, tracks first, and push into one list, so an event's slices
//! come before its arrows. Counter tracks of the queue lengths, idle Ps,
//! parked Ms and Gs per state follow ([`counters`]). Times are
//! microseconds since tracing started.

mod counters;
mod flows;
mod tracks;

#[cfg(test)]
mod sample;

use gmp_sched::trace::{Event, Header};
use serde_json::{Value, json};

use super::dump::Dump;

const PID_P: u32 = 1;
const PID_M: u32 = 2;
/// Length of a marker slice that anchors a flow arrow, in µs.
const MARK_US: f64 = 0.001;

/// The JSON file for `dump`, and why counters were left out of it (none
/// when every counter is in).
pub fn write(dump: &Dump) -> (Vec<u8>, Vec<String>) {
    let doc = document(&dump.header, &dump.events(), dump.dropped());
    let left_out = doc["otherData"]["counters left out"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let bytes = serde_json::to_vec(&doc).expect("a serde_json Value always serialises");
    (bytes, left_out)
}

/// TSC ticks to the document's microseconds (rounded to the nanosecond).
#[derive(Clone, Copy)]
struct Clock {
    start_tsc: u64,
    tsc_hz: u64,
}

impl Clock {
    fn us(self, ts: u64) -> f64 {
        let v = ts.saturating_sub(self.start_tsc) as f64 * 1e6 / self.tsc_hz.max(1) as f64;
        (v * 1000.0).round() / 1000.0
    }
}

/// Builds the document from a complete recording's events, ordered by time.
pub fn build(h: &Header, events: &[Event]) -> Value {
    document(h, events, 0)
}

/// The document for `events`, of which the recording lost `dropped`.
fn document(h: &Header, events: &[Event], dropped: u64) -> Value {
    let clock = Clock {
        start_tsc: h.start_tsc,
        tsc_hz: h.tsc_hz,
    };
    let end = clock.us(h.end_tsc.max(events.last().map_or(0, Event::ts)));
    let mut out: Vec<Value> = Vec::new();
    metadata(h, &mut out);
    let mut tracks = tracks::Tracks::default();
    let mut flows = flows::Flows::default();
    for e in events {
        let t = clock.us(e.ts());
        tracks.event(e, t, &mut out);
        flows.event(e, t, &mut out);
    }
    // Whatever is still open ends with the trace.
    tracks.finish(end, &mut out);
    let left_out = counters::push(h, events, dropped, clock, &mut out);
    json!({"traceEvents": out, "displayTimeUnit": "ns",
           "otherData": {"source": "gmp-metal --trace", "tsc_hz": h.tsc_hz,
                         "ncpu": h.ncpu, "nprocs": h.nprocs,
                         "counters left out": left_out}})
}

/// The names and order of the two processes and their tracks.
fn metadata(h: &Header, out: &mut Vec<Value>) {
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
        meta(PID_P, p, format!("P{p}"), out);
    }
    for m in 0..h.ncpu {
        meta(PID_M, m, format!("M{m}"), out);
    }
}

/// A complete ("X") slice from `ts` to `until`.
fn slice(pid: u32, tid: u32, name: String, ts: f64, until: f64, args: Value) -> Value {
    json!({"ph": "X", "pid": pid, "tid": tid, "name": name, "ts": ts,
           "dur": ((until - ts).max(0.0) * 1000.0).round() / 1000.0, "args": args})
}

/// An instant ("i") on one track.
fn instant(pid: u32, tid: u32, name: String, ts: f64, args: Value) -> Value {
    json!({"ph": "i", "s": "t", "pid": pid, "tid": tid, "name": name, "ts": ts, "args": args})
}

/// The track of an event recorded on core `m` holding `p`: its P's, or the
/// core's own without a P.
fn track(p: Option<u32>, m: u32) -> (u32, u32) {
    p.map_or((PID_M, m), |p| (PID_P, p))
}
