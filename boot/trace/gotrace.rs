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
//! Checking a file with Go's own parser (it replays the state machine and
//! exits 1 naming the first event it rejects):
//! `go tool trace -d=parsed FILE > /dev/null`. tests/gotrace/ does this
//! for synthetic schedules and for real kernel dumps.

mod convert;
mod merge;
mod model;
mod reasons;
mod wire;

#[cfg(test)]
mod tests;

use gmp_sched::trace::{Event, Header};

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

/// Convert `events` (every core's, merged, sorted by TSC) into a Go
/// execution trace, reporting the repairs on stderr.
pub fn write(header: &Header, events: &[Event]) -> Vec<u8> {
    let c = convert(header, events);
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
/// execution trace, returning the repairs.
pub fn convert(header: &Header, events: &[Event]) -> Converted {
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
    let mut conv = convert::Converter::new(events, base);
    merge::Merge::new(events, (hz / 10).max(1)).run(events, &mut conv);

    let mut bytes = wire::HEADER.to_vec();
    wire::frequency_batch(&mut bytes, 1, hz);
    conv.model.strings.finish(&mut bytes, 1);
    conv.model.finish(&mut bytes);
    Converted {
        bytes,
        repairs: conv.repairs,
        skipped: conv.skipped,
        goroutines: conv.model.goroutines,
    }
}
