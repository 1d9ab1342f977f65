//! Merging the cores' event streams in an order Go's state machine accepts.
//!
//! Design note: the input is every core's events sorted by TSC, but a TSC
//! is read a little before or after the action it stamps, so across cores
//! the order can be wrong by the length of a preemption of a virtual CPU.
//! Go's parser has the same problem with its own clocks and solves it with
//! a frontier: the next event of each M, tried in timestamp order, the
//! first that the state machine accepts going first (order.go, reader.go).
//! We do the same on the kernel's events: each core's queue keeps its own
//! order (a core's TSC is monotonic and its events are causal), and an
//! event that depends on another core's later event waits
//! ([`Step::Wait`]). If every head waits — or one has waited while the
//! others moved more than [`Merge::window`] ticks past it, which only
//! happens when the input lacks an event (a full buffer drops events) — the
//! oldest head is forced through and repaired.

use std::collections::{BTreeMap, VecDeque};

use gmp_sched::trace::Event;

use super::convert::{Converter, Step};

/// The merge over per-core queues.
pub struct Merge {
    queues: BTreeMap<u32, VecDeque<usize>>,
    /// How far (in TSC ticks) other cores may run ahead of a waiting event.
    pub window: u64,
}

impl Merge {
    /// Queue `events` (sorted by TSC) per core.
    pub fn new(events: &[Event], window: u64) -> Merge {
        let mut queues: BTreeMap<u32, VecDeque<usize>> = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            queues.entry(e.m()).or_default().push_back(i);
        }
        Merge { queues, window }
    }

    /// Feed every event to `conv`.
    pub fn run(&mut self, events: &[Event], conv: &mut Converter) {
        let mut heads: Vec<(u64, u32, usize)> = Vec::with_capacity(self.queues.len());
        loop {
            heads.clear();
            heads.extend(
                self.queues
                    .iter()
                    .filter_map(|(&m, q)| q.front().map(|&i| (events[i].ts(), m, i))),
            );
            if heads.is_empty() {
                return;
            }
            heads.sort_unstable();
            let oldest = heads[0].0;
            let mut chosen = None;
            for &(ts, m, i) in &heads {
                if ts > oldest.saturating_add(self.window) {
                    break;
                }
                if conv.step(i, &events[i], false) == Step::Done {
                    chosen = Some(m);
                    break;
                }
            }
            let m = chosen.unwrap_or_else(|| {
                let (_, m, i) = heads[0];
                conv.repairs.forced += 1;
                conv.step(i, &events[i], true);
                m
            });
            self.queues.get_mut(&m).expect("queue").pop_front();
        }
    }
}
