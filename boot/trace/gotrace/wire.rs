//! The bytes of a Go execution trace, Go 1.22 flavour: the 16-byte header,
//! LEB128 varints, batches, the string table and the frequency batch.
//!
//! Design note: this file knows the format and nothing about scheduling.
//! Facts from Go's `internal/trace` (tracev2/events.go, batch.go,
//! generation.go, version/version.go): a trace is the header
//! `"go 1.22 trace\0\0\0"` followed by batches. A batch is
//! `EvEventBatch, gen, m, time, size` (varints) and `size` bytes of data, at
//! most 64 KiB. Every event in an M's batch is its type byte, the time delta
//! from the previous event of the batch (the first: from the batch time),
//! then its arguments, all unsigned varints. A 1.22 trace carries the clock
//! rate as a batch whose data is `EvFrequency, ticks-per-second` (1.25+
//! wraps it in a sync batch), and strings as a batch of `EvStrings` then
//! `EvString, id, len, bytes` entries. ID 0 of every table means "none".

use std::collections::HashMap;

/// The version chosen: the oldest the Go 1.27 parser reads in the current
/// (v2) format, and the simplest (no clock snapshot, no end-of-generation
/// marker).
pub const HEADER: &[u8; 16] = b"go 1.22 trace\0\0\0";

/// Largest batch payload the parser accepts.
pub const MAX_BATCH: usize = 64 << 10;

/// Headroom kept per batch for one more event (type + 5 varints).
const EVENT_MAX: usize = 1 + 6 * 10;

/// The generation number of our only generation (0 is the runtime's
/// "none").
pub const GEN: u64 = 1;

/// Go's `NoThread` (ThreadID(-1)) as a wire value.
pub const NO_THREAD: u64 = u64::MAX;

/// Event type bytes (`tracev2.EvXxx`, in the order of Go's `iota`).
pub mod ev {
    pub const EVENT_BATCH: u8 = 1;
    pub const STACKS: u8 = 2;
    pub const STACK: u8 = 3;
    pub const STRINGS: u8 = 4;
    pub const STRING: u8 = 5;
    pub const FREQUENCY: u8 = 8;
    pub const PROCS_CHANGE: u8 = 9;
    pub const PROC_START: u8 = 10;
    pub const PROC_STOP: u8 = 11;
    pub const PROC_STEAL: u8 = 12;
    pub const PROC_STATUS: u8 = 13;
    pub const GO_CREATE: u8 = 14;
    pub const GO_START: u8 = 16;
    pub const GO_DESTROY: u8 = 17;
    pub const GO_STOP: u8 = 19;
    pub const GO_BLOCK: u8 = 20;
    pub const GO_UNBLOCK: u8 = 21;
    pub const GO_SYSCALL_BEGIN: u8 = 22;
    pub const GO_SYSCALL_END: u8 = 23;
    pub const GO_SYSCALL_END_BLOCKED: u8 = 24;
    pub const GO_STATUS: u8 = 25;
    pub const STW_BEGIN: u8 = 26;
    pub const STW_END: u8 = 27;
}

/// `tracev2.GoStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GoStatus {
    Runnable = 1,
    Running = 2,
    Syscall = 3,
    Waiting = 4,
}

/// `tracev2.ProcStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcStatus {
    Running = 1,
    Idle = 2,
    Syscall = 3,
    SyscallAbandoned = 4,
}

/// Append `v` as an unsigned LEB128 varint (Go's `binary.PutUvarint`).
pub fn uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Append one batch: header then `data`.
pub fn batch(out: &mut Vec<u8>, m: u64, time: u64, data: &[u8]) {
    debug_assert!(data.len() <= MAX_BATCH);
    out.push(ev::EVENT_BATCH);
    uvarint(out, GEN);
    uvarint(out, m);
    uvarint(out, time);
    uvarint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// The frequency batch: timestamps are `hz` units per second.
pub fn frequency_batch(out: &mut Vec<u8>, time: u64, hz: u64) {
    let mut data = vec![ev::FREQUENCY];
    uvarint(&mut data, hz);
    batch(out, NO_THREAD, time, &data);
}

/// One M's events, cut into batches as they fill.
#[derive(Debug)]
pub struct Stream {
    m: u64,
    /// (batch time, data) in order.
    batches: Vec<(u64, Vec<u8>)>,
    /// Time of the last event written (timestamps never go backwards
    /// within an M: deltas are unsigned).
    last: u64,
}

impl Stream {
    pub fn new(m: u64) -> Stream {
        Stream {
            m,
            batches: Vec::new(),
            last: 0,
        }
    }

    /// Append an event of type `typ` at `time` (clamped to the previous
    /// event's time) with `args`.
    pub fn event(&mut self, time: u64, typ: u8, args: &[u64]) {
        debug_assert!(args.len() <= 5);
        let time = time.max(self.last);
        let full = self
            .batches
            .last()
            .is_none_or(|(_, d)| d.len() + EVENT_MAX > MAX_BATCH);
        if full {
            self.batches.push((time, Vec::with_capacity(4096)));
            self.last = time;
        }
        let data = &mut self.batches.last_mut().expect("a batch").1;
        data.push(typ);
        uvarint(data, time - self.last);
        for &a in args {
            uvarint(data, a);
        }
        self.last = time;
    }

    /// Whether no event was written.
    pub fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    /// Append the stream's batches to `out`.
    pub fn finish(&self, out: &mut Vec<u8>) {
        for (time, data) in &self.batches {
            batch(out, self.m, *time, data);
        }
    }
}

/// The string table (IDs from 1).
#[derive(Debug, Default)]
pub struct Strings {
    ids: HashMap<String, u64>,
    list: Vec<String>,
}

impl Strings {
    /// The ID of `s`, added if new. The empty string is ID 0.
    pub fn id(&mut self, s: &str) -> u64 {
        if s.is_empty() {
            return 0;
        }
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        self.list.push(s.to_string());
        let id = self.list.len() as u64;
        self.ids.insert(s.to_string(), id);
        id
    }

    /// Append the table as batches (none if empty).
    pub fn finish(&self, out: &mut Vec<u8>, time: u64) {
        let mut data = vec![ev::STRINGS];
        for (i, s) in self.list.iter().enumerate() {
            // Strings are ours and short; the parser's limit is 1 KiB.
            let s = &s.as_bytes()[..s.len().min(1024)];
            if data.len() + 1 + 20 + s.len() > MAX_BATCH {
                batch(out, NO_THREAD, time, &data);
                data = vec![ev::STRINGS];
            }
            data.push(ev::STRING);
            uvarint(&mut data, i as u64 + 1);
            uvarint(&mut data, s.len() as u64);
            data.extend_from_slice(s);
        }
        if data.len() > 1 {
            batch(out, NO_THREAD, time, &data);
        }
    }
}

/// One frame of a stack as Go's trace stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub pc: u64,
    pub func: String,
    pub file: String,
    pub line: u64,
}

/// Go's limit on frames per stack (`MaxFramesPerStack`).
pub const MAX_FRAMES: usize = 128;

/// Append the stack table as batches: `EvStacks`, then per stack
/// `EvStack, id, frames, (pc, func, file, line)...` (IDs from 1; names
/// interned in `strings`, which must be written after this is built).
pub fn stacks_batches(out: &mut Vec<u8>, time: u64, stacks: &[Vec<Frame>], strings: &mut Strings) {
    let mut data = vec![ev::STACKS];
    for (i, frames) in stacks.iter().enumerate() {
        let frames = &frames[..frames.len().min(MAX_FRAMES)];
        let mut one = vec![ev::STACK];
        uvarint(&mut one, i as u64 + 1);
        uvarint(&mut one, frames.len() as u64);
        for f in frames {
            uvarint(&mut one, f.pc);
            uvarint(&mut one, strings.id(&f.func));
            uvarint(&mut one, strings.id(&f.file));
            uvarint(&mut one, f.line);
        }
        if data.len() + one.len() > MAX_BATCH {
            batch(out, NO_THREAD, time, &data);
            data = vec![ev::STACKS];
        }
        data.extend_from_slice(&one);
    }
    if data.len() > 1 {
        batch(out, NO_THREAD, time, &data);
    }
}
