//! The arrows: a steal from the victim P to the thief, a wakeup from the
//! event that readied a G to the G's next run.
//!
//! Design note: Perfetto binds a flow's ends to the slices that enclose
//! them, and a steal or an unblock is an instant, so each gets a marker
//! slice [`MARK_US`] long on its track for the arrow to start (or, for the
//! thief, end) on. A wakeup's end is not known until the woken G starts
//! again, so its flow id waits per G until that GoStart; a G that never
//! runs again leaves an arrow start without an end.

use std::collections::BTreeMap;

use gmp_sched::trace::Event;
use serde_json::{Value, json};

use super::{MARK_US, PID_P, slice, track};

/// Flow ids handed out, and the wakeups still waiting for their G's start.
pub(super) struct Flows {
    /// goid -> flow id of a wakeup waiting for the G's next start.
    woken: BTreeMap<u64, u64>,
    next_id: u64,
}

impl Default for Flows {
    fn default() -> Flows {
        Flows {
            woken: BTreeMap::new(),
            next_id: 1,
        }
    }
}

impl Flows {
    /// Adds the arrow ends (and their markers) that `e` (at `t` µs) makes.
    pub(super) fn event(&mut self, e: &Event, t: f64, out: &mut Vec<Value>) {
        match *e {
            Event::GoStart { p, goid, .. } => {
                if let (Some(id), Some(p)) = (self.woken.remove(&goid), p) {
                    out.push(flow("f", PID_P, p, id, "wakeup", t));
                }
            }
            Event::GoUnblock { p, goid, by, .. } => {
                let (pid, tid) = track(p, e.m());
                let name = format!("unblock G{goid}");
                out.push(slice(
                    pid,
                    tid,
                    name,
                    t,
                    t + MARK_US,
                    json!({"goid": goid, "by": by}),
                ));
                out.push(flow("s", pid, tid, self.next_id, "wakeup", t));
                self.woken.insert(goid, self.next_id);
                self.next_id += 1;
            }
            Event::Steal {
                p,
                victim,
                count,
                runnext,
                ..
            } => {
                let Some(p) = p else { return };
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
                out.push(flow("s", PID_P, victim, self.next_id, "steal", t));
                out.push(flow("f", PID_P, p, self.next_id, "steal", t));
                self.next_id += 1;
            }
            _ => {}
        }
    }
}

/// One end of flow `id`: its start ("s") or, bound to the enclosing
/// slice, its end ("f").
fn flow(ph: &str, pid: u32, tid: u32, id: u64, name: &str, ts: f64) -> Value {
    let mut v = json!({"ph": ph, "pid": pid, "tid": tid, "id": id, "name": name,
                       "cat": name, "ts": ts});
    if ph == "f" {
        v["bp"] = json!("e");
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::sample::{events, header, numbers, with_ph};

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
        assert_eq!(numbers(wake_s, ["tid", "ts"]), [0.0, 5.0]);
        assert_eq!(numbers(wake_f, ["tid", "ts"]), [1.0, 7.0]);
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
}
