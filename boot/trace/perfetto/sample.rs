//! A small schedule on two cores and two Ps that the tests of every part of
//! the document read: a create into `runnext`, a steal of it, a block and a
//! wakeup across Ps, an overflow, a preemption, a park and a wake.

use gmp_sched::trace::{Event, Header, Queue, StopReason, VERSION};
use serde_json::Value;

/// Two cores and two Ps; 1 TSC tick is 1 ns, tracing started at tick 1000.
pub fn header() -> Header {
    Header {
        version: VERSION,
        ncpu: 2,
        nprocs: 2,
        tsc_hz: 1_000_000_000, // 1 tick = 1 ns
        start_tsc: 1_000,
        end_tsc: 100_000,
    }
}

/// The events, in the order the tests hand them over (M1's ProcStop is
/// late in the list, as a core's clock may be).
pub fn events() -> Vec<Event> {
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

/// The document's events of phase `ph`, in order.
pub fn with_ph<'a>(doc: &'a Value, ph: &str) -> Vec<&'a Value> {
    doc["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == ph)
        .collect()
}

/// The numbers in `e`'s fields `keys`; NaN where one is missing or not a
/// number, so that comparing it fails.
pub fn numbers<const N: usize>(e: &Value, keys: [&str; N]) -> [f64; N] {
    keys.map(|k| e[k].as_f64().unwrap_or(f64::NAN))
}
