//! The trace as one self-contained HTML page that animates the scheduler.
//!
//! Design note: the page (view.html, view.css, view.js, included at build
//! time) needs no network and no server: open the file. The events travel
//! inside it as a JSON array of small number tuples `[t_ns, kind, m, p, a,
//! b]` (kind numbers as in the kernel's codec, p = -1 for none), which the
//! script replays into a model of the queues. Only numbers go into the
//! page, so nothing in the data can close the `<script>` element. A huge
//! trace is cut to its first [`MAX_EVENTS`] events, and the page says so.

use std::fmt::Write;

use gmp_sched::trace::{Event, Header};

use super::dump::Dump;

const PAGE: &str = include_str!("view.html");
const CSS: &str = include_str!("view.css");
const JS: &str = include_str!("view.js");

/// The most events put in the page (a browser replays them all on a seek
/// backwards, and a tuple is about 25 bytes).
pub const MAX_EVENTS: usize = 400_000;

/// The page for `dump`.
pub fn write(dump: &Dump) -> Vec<u8> {
    page(&dump.header, &dump.events()).into_bytes()
}

/// The page for events ordered by time.
pub fn page(h: &Header, events: &[Event]) -> String {
    let shown = &events[..events.len().min(MAX_EVENTS)];
    let mut title = format!("{} Ps, {} cores, {} events", h.nprocs, h.ncpu, events.len());
    if shown.len() < events.len() {
        let _ = write!(title, " (the first {} shown)", shown.len());
    }
    PAGE.replace("/*TITLE*/", &title)
        .replace("/*CSS*/", CSS)
        .replace("/*DATA*/", &data(h, shown))
        .replace("/*JS*/", JS)
}

/// `{"ncpu":..,"nprocs":..,"maxprocs":..,"ev":[[...],...]}`; `maxprocs`
/// is the most Ps the run ever had (GOMAXPROCS can change while it runs).
fn data(h: &Header, events: &[Event]) -> String {
    let maxprocs = events
        .iter()
        .filter_map(|e| match *e {
            Event::ProcsChange { procs, .. } => Some(procs),
            _ => None,
        })
        .fold(h.nprocs, u32::max);
    let mut s = format!(
        "{{\"ncpu\":{},\"nprocs\":{},\"maxprocs\":{maxprocs},\"ev\":[",
        h.ncpu, h.nprocs
    );
    for (i, e) in events.iter().enumerate() {
        let (k, p, a, b) = tuple(e);
        let ns = (e.ts().saturating_sub(h.start_tsc) as f64 * 1e9 / h.tsc_hz.max(1) as f64).round();
        let p = p.map_or(-1, i64::from);
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(s, "{sep}[{ns},{k},{},{p},{a},{b}]", e.m());
    }
    s.push_str("]}");
    s
}

/// (kind, p, a, b) of one event; kinds, stop reasons and queues by their
/// codes in the kernel's codec.
fn tuple(e: &Event) -> (u8, Option<u32>, u64, u64) {
    match *e {
        Event::GoCreate {
            p, goid, parent, ..
        } => (1, p, goid, parent),
        Event::GoStart { p, goid, .. } => (2, p, goid, 0),
        Event::GoStop {
            p, goid, reason, ..
        } => (3, p, goid, (reason as u8).into()),
        Event::GoBlock {
            p, goid, reason, ..
        } => (4, p, goid, reason.into()),
        Event::GoUnblock { p, goid, by, .. } => (5, p, goid, by),
        Event::GoEnd { p, goid, .. } => (6, p, goid, 0),
        Event::GoSyscallBegin { p, goid, .. } => (7, p, goid, 0),
        Event::GoSyscallEnd { p, goid, .. } => (8, p, goid, 0),
        Event::ProcStart { p, .. } => (9, p, 0, 0),
        Event::ProcStop { p, .. } => (10, p, 0, 0),
        Event::Enqueue { p, goid, queue, .. } => (11, p, goid, (queue as u8).into()),
        Event::RunnextKick { p, goid, .. } => (12, p, goid, 0),
        Event::Steal {
            p,
            victim,
            count,
            runnext,
            ..
        } => (
            13,
            p,
            victim.into(),
            u64::from(count) << 1 | u64::from(runnext),
        ),
        Event::Overflow { p, count, .. } => (14, p, count.into(), 0),
        Event::GlobalTake { p, count, .. } => (15, p, count.into(), 0),
        Event::MPark { .. } => (16, None, 0, 0),
        Event::MWake { p, .. } => (17, p, 0, 0),
        Event::TimerFire { p, goid, .. } => (18, p, goid, 0),
        Event::Handoff { p, .. } => (19, p, 0, 0),
        // `Dump::events` leaves stacks out; the page has nothing to draw.
        Event::Stack { .. } => (23, None, 0, 0),
        Event::StwBegin { p, reason, .. } => (20, p, reason as u64, 0),
        Event::StwEnd { p, .. } => (21, p, 0, 0),
        Event::ProcsChange { p, procs, .. } => (22, p, procs.into(), 0),
        Event::NetpollReady { p, goid, .. } => (24, p, goid, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gmp_sched::trace::VERSION;

    fn header() -> Header {
        Header {
            version: VERSION,
            ncpu: 3,
            nprocs: 2,
            tsc_hz: 2_000_000_000,
            start_tsc: 1_000,
            end_tsc: 9_000,
        }
    }

    #[test]
    fn the_page_is_self_contained_and_carries_every_event() {
        let ev = vec![
            Event::GoCreate {
                ts: 3_000,
                m: 2,
                p: Some(1),
                goid: 7,
                parent: 1,
            },
            Event::Steal {
                ts: 5_000,
                m: 0,
                p: Some(0),
                victim: 1,
                count: 3,
                runnext: true,
            },
            Event::MPark { ts: 7_000, m: 1 },
        ];
        let html = page(&header(), &ev);
        for hole in ["/*TITLE*/", "/*CSS*/", "/*DATA*/", "/*JS*/"] {
            assert!(!html.contains(hole), "{hole} left in the page");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("<title>gmp-metal trace: 2 Ps, 3 cores, 3 events</title>"));
        // 1 tick = 0.5 ns; a steal's b packs count and runnext.
        let data = "window.TRACE = {\"ncpu\":3,\"nprocs\":2,\"maxprocs\":2,\"ev\":\
                    [[1000,1,2,1,7,1],[2000,13,0,0,1,7],[3000,16,1,-1,0,0]]};";
        assert!(html.contains(data), "no {data}");
        // The data is JSON a browser (and serde) reads back.
        let at = html.find("window.TRACE = ").unwrap() + "window.TRACE = ".len();
        let end = at + html[at..].find(";</script>").unwrap();
        let v: serde_json::Value = serde_json::from_str(&html[at..end]).unwrap();
        assert_eq!(v["ev"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn maxprocs_is_the_most_ps_the_run_ever_had() {
        let ev = vec![
            Event::ProcsChange {
                ts: 2_000,
                m: 0,
                p: Some(0),
                procs: 3,
            },
            Event::ProcsChange {
                ts: 3_000,
                m: 0,
                p: Some(0),
                procs: 1,
            },
        ];
        let html = page(&header(), &ev);
        assert!(html.contains("\"nprocs\":2,\"maxprocs\":3,"), "{html:.300}");
        assert!(html.contains("[500,22,0,0,3,0],[1000,22,0,0,1,0]"));
    }

    #[test]
    fn a_huge_trace_is_cut_and_says_so() {
        let ev: Vec<Event> = (0..MAX_EVENTS as u64 + 5)
            .map(|i| Event::MPark {
                ts: 1_000 + i,
                m: 0,
            })
            .collect();
        let html = page(&header(), &ev);
        assert!(html.contains(&format!(
            "{} events (the first {MAX_EVENTS} shown)",
            MAX_EVENTS + 5
        )));
    }
}
