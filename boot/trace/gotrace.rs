//! The kernel's scheduler trace as a Go execution trace, for `go tool
//! trace` (Go 1.22 and later).
//!
//! Design note: Go's trace format is a stream of per-M batches of events
//! that a strict state machine replays (Go's `internal/trace/order.go`):
//! every G and P needs a status before it is used, GoStart/GoUnblock carry
//! per-G sequence numbers, a P carries one for ProcStart/ProcSteal/
//! GoSyscallBegin, and events that break the rules are rejected, failing
//! the whole trace. Our events say almost the same things, so the
//! converter is a mirror of that state machine ([`model`]) driven by a
//! translation of each kernel event ([`convert`]) in an order the machine
//! accepts ([`merge`]), written in the 1.22 wire format ([`wire`]). We
//! write the 1.22 format because it is the simplest Go 1.27 still reads:
//! one generation, no clock snapshot, no end-of-generation marker.
//!
//! ## Mapping
//!
//! | kernel event          | Go event(s)                                   |
//! |-----------------------|-----------------------------------------------|
//! | core `m`              | M (thread) `m`; one stream of batches per core|
//! | P `p`, goid `g`       | P `p`, goroutine `g`                          |
//! | GoCreate              | GoCreate (GoStatus Runnable if made without a P) |
//! | GoStart               | GoStart                                       |
//! | GoStop                | GoStop, reason "runtime.Gosched", "preempted" or "runtime.goyield" |
//! | GoBlock               | GoBlock, reason = the kernel's wait reason ("chan receive", "sleep", "sync.Mutex.Lock", ...) |
//! | GoUnblock             | GoUnblock                                     |
//! | GoEnd                 | GoDestroy                                     |
//! | GoSyscallBegin        | GoSyscallBegin (the P stays bound, in Syscall)|
//! | ProcStart + GoSyscallEnd, same P (fast path) | GoSyscallEnd           |
//! | Handoff (sysmon)      | ProcSteal from the syscalling M               |
//! | GoSyscallEnd after a Handoff | GoSyscallEndBlocked (+ GoStart if the core got a P) |
//! | ProcStart / ProcStop  | ProcStart / ProcStop                          |
//! | Enqueue, RunnextKick, Steal, Overflow, GlobalTake, MPark, MWake, TimerFire, NetpollReady | nothing (no Go counterpart; a netpoll ready is followed by its GoUnblock) |
//!
//! A G or P first seen mid-life (running before tracing started) gets a
//! GoStatus/ProcStatus first. Timestamps are TSC ticks since the trace
//! started (+1), with the TSC rate as the frequency, so Go shows real time.
//! Input that contradicts the state machine (lost events from a full
//! buffer, a core's clock read long before the act) is repaired — missing
//! events synthesized, impossible ones dropped — and counted in
//! [`Repairs`]; the output is always a trace Go accepts.
//!
//! Stacks: the kernel follows GoCreate, GoBlock, GoUnblock, GoStop and
//! GoSyscallBegin with an [`Event::Stack`] (return addresses walked by
//! frame pointers); each distinct stack becomes one entry of Go's stack
//! table, each frame named from the kernel ELF's debug info (the function
//! the address is in, after inlining, and the line of the call), and the Go event
//! carries its ID, so `go tool trace` shows Rust functions and lines.
//! GoCreate also carries the new G's start function as a one-frame stack
//! ([`start`]): the innermost function past the spawn machinery on the
//! creator's stack, the one whose `go` call made the G, so Go's goroutine
//! analysis groups Gs by the workload function that started them.
//!
//! Checking a file with Go's own parser (it replays the state machine and
//! exits 1 naming the first event it rejects):
//! `go tool trace -d=parsed FILE > /dev/null`. tests/gotrace/ does this
//! for synthetic schedules and for real kernel dumps.

mod convert;
mod merge;
mod model;
mod reasons;
mod start;
mod wire;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use gmp_sched::trace::{Event, Header};
pub use wire::Frame;

/// The Go version whose format is written ("go 1.22 trace").
pub const GO_VERSION: &str = "1.22";

/// What the converter had to fix. Never counts events with no Go
/// counterpart (see [`Converted::skipped`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Go events written that the input implied but did not contain.
    pub synthesized: u64,
    /// Input events left out because Go's state machine cannot take them.
    pub dropped: u64,
    /// Events converted out of TSC order because nothing else could go.
    pub forced: u64,
    /// The first few repairs, described.
    pub notes: Vec<String>,
}

impl Repairs {
    const MAX_NOTES: usize = 16;

    fn note(&mut self, what: impl FnOnce() -> String) {
        if self.notes.len() < Self::MAX_NOTES {
            self.notes.push(what());
        }
    }

    /// Whether anything was repaired.
    pub fn any(&self) -> bool {
        self.synthesized + self.dropped + self.forced > 0
    }
}

/// A converted trace and what it took.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The Go execution trace.
    pub bytes: Vec<u8>,
    pub repairs: Repairs,
    /// Input events with no Go counterpart (queue and M events).
    pub skipped: u64,
    /// Distinct goroutines in the trace.
    pub goroutines: u64,
}

/// Names the frames at a return address: the runner's symbolizer over the
/// kernel ELF. The functions inlined there, innermost first, the last being
/// the one the address is physically in: Go's parser keeps one frame per PC,
/// so the stack table gets only that last one, and the inner ones serve to
/// name a G's start function (`start.rs`).
pub type Symbolize<'a> = &'a dyn Fn(u64) -> Vec<Frame>;

/// Convert `events` (every core's, merged, sorted by TSC, with their
/// [`Event::Stack`]s) into a Go execution trace, naming stack frames with
/// `symbolize`, reporting the repairs on stderr.
pub fn write(header: &Header, events: &[Event], symbolize: Symbolize) -> Vec<u8> {
    let c = convert_with_stacks(header, events, symbolize);
    if c.repairs.any() {
        eprintln!(
            "gotrace: repaired the input: {} events synthesized, {} dropped, {} forced out of order",
            c.repairs.synthesized, c.repairs.dropped, c.repairs.forced
        );
        for n in &c.repairs.notes {
            eprintln!("gotrace:   {n}");
        }
    }
    c.bytes
}

/// Convert `events` (every core's, merged, sorted by TSC) into a Go
/// execution trace, returning the repairs. Stacks get raw addresses as
/// names.
pub fn convert(header: &Header, events: &[Event]) -> Converted {
    convert_with_stacks(header, events, &|pc| {
        vec![Frame {
            pc,
            func: format!("{pc:#x}"),
            file: String::new(),
            line: 0,
        }]
    })
}

/// Split off the [`Event::Stack`]s: the other events, and for the index
/// (in that list) of each event that has one, its return addresses. A stack
/// belongs to the previous event of its core.
fn split_stacks(events: &[Event]) -> (Vec<Event>, HashMap<usize, Vec<u64>>) {
    let mut plain = Vec::with_capacity(events.len());
    let mut stacks = HashMap::new();
    let mut last_of_m: HashMap<u32, usize> = HashMap::new();
    for e in events {
        if let Event::Stack { m, .. } = *e {
            if let Some(&i) = last_of_m.get(&m) {
                stacks.insert(i, e.stack_pcs().collect());
            }
        } else {
            last_of_m.insert(e.m(), plain.len());
            plain.push(*e);
        }
    }
    (plain, stacks)
}

/// [`convert`] with the stacks' frames named by `symbolize`.
pub fn convert_with_stacks(header: &Header, events: &[Event], symbolize: Symbolize) -> Converted {
    let (plain, stacks) = split_stacks(events);
    let events = &plain[..];
    let first = events
        .iter()
        .map(Event::ts)
        .min()
        .unwrap_or(header.start_tsc);
    let base = if header.start_tsc == 0 {
        first
    } else {
        header.start_tsc.min(first)
    };
    let hz = if header.tsc_hz == 0 {
        1_000_000_000
    } else {
        header.tsc_hz
    };
    // Name every address once (innermost frame first, see [`Symbolize`]).
    let mut names: HashMap<u64, Vec<Frame>> = HashMap::new();
    // Intern each distinct stack (IDs from 1, in first-use order); a
    // GoCreate's is followed by its G's start stack (`start.rs`).
    let mut ids: HashMap<Vec<u64>, u64> = HashMap::new();
    let mut table: Vec<Vec<u64>> = Vec::new();
    let mut stack_at = HashMap::new();
    let mut start_at = HashMap::new();
    let mut idxs: Vec<&usize> = stacks.keys().collect();
    idxs.sort();
    for i in idxs {
        let pcs = &stacks[i][..];
        stack_at.insert(*i, intern(&mut ids, &mut table, pcs));
        if !matches!(events[*i], Event::GoCreate { .. }) {
            continue;
        }
        let start = start::start_frame(pcs, |pc| {
            names.entry(pc).or_insert_with(|| symbolize(pc)).clone()
        });
        if let Some(f) = start {
            let pc = f.pc;
            names.entry(pc).or_insert_with(|| vec![f]);
            start_at.insert(*i, intern(&mut ids, &mut table, &[pc]));
        }
    }
    let mut conv = convert::Converter::new(events, base);
    conv.stack_at = stack_at;
    conv.start_at = start_at;
    merge::Merge::new(events, (hz / 10).max(1)).run(events, &mut conv);

    let mut bytes = wire::HEADER.to_vec();
    wire::frequency_batch(&mut bytes, 1, hz);
    // The table names each address by its last frame: the function it is
    // physically in (Go keeps one frame per PC).
    let frames: Vec<Vec<Frame>> = table
        .iter()
        .map(|pcs| {
            pcs.iter()
                .filter_map(|&pc| {
                    names
                        .entry(pc)
                        .or_insert_with(|| symbolize(pc))
                        .last()
                        .cloned()
                })
                .collect()
        })
        .collect();
    wire::stacks_batches(&mut bytes, 1, &frames, &mut conv.model.strings);
    conv.model.strings.finish(&mut bytes, 1);
    conv.model.finish(&mut bytes);
    Converted {
        bytes,
        repairs: conv.repairs,
        skipped: conv.skipped,
        goroutines: conv.model.goroutines,
    }
}

/// The ID of stack `pcs` in `table` (IDs from 1), added if new.
fn intern(ids: &mut HashMap<Vec<u64>, u64>, table: &mut Vec<Vec<u64>>, pcs: &[u64]) -> u64 {
    if let Some(&id) = ids.get(pcs) {
        return id;
    }
    table.push(pcs.to_vec());
    ids.insert(pcs.to_vec(), table.len() as u64);
    table.len() as u64
}
