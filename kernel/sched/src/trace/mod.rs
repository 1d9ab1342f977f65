//! The scheduler trace: what the kernel records and the runner converts.
//!
//! The kernel records events into one buffer per core (no locks: each core
//! writes only its own, with interrupts off for the few bytes of one event)
//! and, at exit, dumps every buffer through the second serial port. The
//! runner decodes the dump and writes a Go execution trace, Chrome/Perfetto
//! JSON and an animated HTML page. This module is the one definition of the
//! format both sides use: [`Event`], the byte encoding ([`encode`],
//! [`Decoder`]) and the dump's framing ([`Header`], [`ChunkHeader`]).
//!
//! Encoding: an event is a kind byte followed by unsigned LEB128 varints —
//! first the TSC delta from the previous event of the same core (so most
//! timestamps take 1–3 bytes), then the kind's fields in the order of the
//! [`Event`] variant. Ps are encoded as `p + 1` (0 = no P), goids as is (0 =
//! no G, i.e. g0 or an interrupt).
//!
//! Dump framing (all little-endian): a [`Header`], then for each core a
//! [`ChunkHeader`] followed by `len` bytes of encoded events, then the
//! 8-byte trailer `b"GMPTEND\0"`.

mod codec;

pub use codec::{DecodeError, Decoder, encode, encoded_len_max};

crate::named_enum! {
    /// Why a G stopped running without blocking.
    pub enum StopReason: u8 {
        /// `gosched`: to the global queue.
        Yield = 0 => "yield to the global queue",
        /// Preempted by sysmon: to the global queue.
        Preempted = 1 => "preempted",
        /// `goyield`: to the tail of the local ring.
        YieldLocal = 2 => "yield to the local ring",
    }
}

crate::named_enum! {
    /// Why the world was stopped (Go's `stwReason`; the names are Go's where
    /// one fits).
    pub enum StwReason: u8 {
        /// `gomaxprocs(n)` (Go: "GOMAXPROCS").
        Gomaxprocs = 0 => "GOMAXPROCS",
        /// The torture workload's invariant checker.
        TortureCheck = 1 => "torture check",
        /// A consistent snapshot for schedtrace's detail lines.
        SchedtraceDetail = 2 => "schedtrace detail",
        /// A test's own stop (`test-stw`: what a stop costs).
        Test = 3 => "test",
        /// The end of the run: the summary is read from a stopped world, which
        /// is never restarted (the machine exits after it).
        EndOfRun = 4 => "end of run",
        /// The console's `policy NAME`: a new scheduling policy takes
        /// effect with no M scheduling.
        Policy = 5 => "scheduling policy",
        /// The console's `dump`: every G's stack read while none runs
        /// (Go: "goroutine profile").
        GoroutineProfile = 6 => "goroutine profile",
    }
}

impl StwReason {
    /// The reason with code `v`, if any.
    pub fn from_u8(v: u8) -> Option<StwReason> {
        StwReason::from_repr(v)
    }
}

crate::named_enum! {
    /// Which queue a G was put on.
    pub enum Queue: u8 {
        /// The P's `runnext` slot.
        Runnext = 0 => "runnext",
        /// The tail of the P's local ring.
        Ring = 1 => "local ring",
        /// The tail of the global queue.
        Global = 2 => "global queue",
    }
}

/// One scheduler event. `ts` is the TSC; `m` the core that recorded it;
/// `p` the P that core held, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// `go f()`: `goid` created by `parent` (0: created by the runtime).
    GoCreate {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
        parent: u64,
    },
    /// `execute`: `goid` starts running.
    GoStart {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// `goid` stops running but stays runnable.
    GoStop {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
        reason: StopReason,
    },
    /// `gopark`: `goid` blocks; `reason` is the kernel's wait-reason code.
    GoBlock {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
        reason: u8,
    },
    /// `ready`: `goid` made runnable by `by` (0: by a timer or the runtime).
    GoUnblock {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
        by: u64,
    },
    /// `goexit`: `goid` finished.
    GoEnd {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// `entersyscall`.
    GoSyscallBegin {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// `exitsyscall`: back, holding `p` (None: no P; the G was queued and
    /// the M parks).
    GoSyscallEnd {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// `acquirep`: core `m` now holds `p`.
    ProcStart { ts: u64, m: u32, p: Option<u32> },
    /// `releasep`: core `m` gives up `p`.
    ProcStop { ts: u64, m: u32, p: Option<u32> },
    /// `runqput`/`globrunqput`: `goid` joins `queue` (of `p` for local ones).
    Enqueue {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
        queue: Queue,
    },
    /// Putting a G in `runnext` kicked the previous one (`goid`) to the tail
    /// of the ring.
    RunnextKick {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// `runqsteal`: `p` took `count` Gs from `victim` (its `runnext` if
    /// `runnext`); the last one runs next on `p`.
    Steal {
        ts: u64,
        m: u32,
        p: Option<u32>,
        victim: u32,
        count: u32,
        runnext: bool,
    },
    /// `runqputslow`: `count` Gs (half the ring plus the new one) moved from
    /// `p`'s ring to the global queue.
    Overflow {
        ts: u64,
        m: u32,
        p: Option<u32>,
        count: u32,
    },
    /// `globrunqget`: `p` took `count` Gs from the global queue (one to run,
    /// the rest to its ring).
    GlobalTake {
        ts: u64,
        m: u32,
        p: Option<u32>,
        count: u32,
    },
    /// `stopm`: core `m` parks (halts).
    MPark { ts: u64, m: u32 },
    /// A parked core `m` wakes, holding `p`.
    MWake { ts: u64, m: u32, p: Option<u32> },
    /// A timer fired on `p` and readied `goid`.
    TimerFire {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
    /// sysmon (on core `m`) took `p` from a blocking call and handed it on.
    Handoff { ts: u64, m: u32, p: Option<u32> },
    /// The kernel call stack of the previous event recorded by core `m`
    /// (GoCreate, GoBlock, GoUnblock, GoStop, GoSyscallBegin), innermost
    /// first: `depth` return addresses (a blocked or stopped G's own stack,
    /// from where it switched out), each as an offset from
    /// `layout::KERNEL_BASE` (the kernel image is under 64 MiB).
    Stack {
        ts: u64,
        m: u32,
        depth: u8,
        pcs: [u32; STACK_MAX],
    },
    /// A stop-the-world begins (on the stopper's core).
    StwBegin {
        ts: u64,
        m: u32,
        p: Option<u32>,
        reason: StwReason,
    },
    /// The world restarts.
    StwEnd { ts: u64, m: u32, p: Option<u32> },
    /// GOMAXPROCS is now `procs`: Ps `0..procs` exist, the others are gone.
    ProcsChange {
        ts: u64,
        m: u32,
        p: Option<u32>,
        procs: u32,
    },
    /// The netpoller (on core `m`, holding `p` or none: sysmon) readied
    /// `goid`, whose input arrived (Go's trace says the G was unblocked by
    /// the network poller).
    NetpollReady {
        ts: u64,
        m: u32,
        p: Option<u32>,
        goid: u64,
    },
}

/// The most return addresses an [`Event::Stack`] holds.
pub const STACK_MAX: usize = 16;

impl Event {
    /// The stack's return addresses as kernel addresses (empty for any
    /// other event).
    pub fn stack_pcs(&self) -> impl Iterator<Item = u64> + '_ {
        let pcs: &[u32] = match self {
            Event::Stack { depth, pcs, .. } => &pcs[..(*depth as usize).min(STACK_MAX)],
            _ => &[],
        };
        pcs.iter()
            .map(|&o| crate::layout::KERNEL_BASE.wrapping_add(o as u64))
    }
}

/// `match` over every event kind, binding the field every kind has.
macro_rules! common_field {
    ($e:expr, $field:ident) => {
        match *$e {
            Event::GoCreate { $field, .. }
            | Event::GoStart { $field, .. }
            | Event::GoStop { $field, .. }
            | Event::GoBlock { $field, .. }
            | Event::GoUnblock { $field, .. }
            | Event::GoEnd { $field, .. }
            | Event::GoSyscallBegin { $field, .. }
            | Event::GoSyscallEnd { $field, .. }
            | Event::ProcStart { $field, .. }
            | Event::ProcStop { $field, .. }
            | Event::Enqueue { $field, .. }
            | Event::RunnextKick { $field, .. }
            | Event::Steal { $field, .. }
            | Event::Overflow { $field, .. }
            | Event::GlobalTake { $field, .. }
            | Event::MPark { $field, .. }
            | Event::MWake { $field, .. }
            | Event::TimerFire { $field, .. }
            | Event::Handoff { $field, .. }
            | Event::Stack { $field, .. }
            | Event::StwBegin { $field, .. }
            | Event::StwEnd { $field, .. }
            | Event::ProcsChange { $field, .. }
            | Event::NetpollReady { $field, .. } => $field,
        }
    };
}

impl Event {
    /// The event's timestamp.
    pub fn ts(&self) -> u64 {
        common_field!(self, ts)
    }

    /// The core that recorded the event.
    pub fn m(&self) -> u32 {
        common_field!(self, m)
    }
}

/// Magic at the start of a dump.
pub const MAGIC: [u8; 8] = *b"GMPTRACE";
/// Format version; bumped on any incompatible change.
pub const VERSION: u32 = 1;
/// Trailer after the last chunk.
pub const TRAILER: [u8; 8] = *b"GMPTEND\0";

/// The dump's header (little-endian, [`Header::SIZE`] bytes after the magic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// [`VERSION`].
    pub version: u32,
    /// Number of cores (= chunks that follow).
    pub ncpu: u32,
    /// GOMAXPROCS.
    pub nprocs: u32,
    /// TSC ticks per second.
    pub tsc_hz: u64,
    /// TSC when tracing started.
    pub start_tsc: u64,
    /// TSC when the dump was taken.
    pub end_tsc: u64,
}

impl Header {
    /// Encoded size, without the magic.
    pub const SIZE: usize = 4 + 4 + 4 + 8 + 8 + 8;

    /// Encode (magic included).
    pub fn to_bytes(&self) -> [u8; 8 + Self::SIZE] {
        let mut b = [0u8; 8 + Self::SIZE];
        b[..8].copy_from_slice(&MAGIC);
        b[8..12].copy_from_slice(&self.version.to_le_bytes());
        b[12..16].copy_from_slice(&self.ncpu.to_le_bytes());
        b[16..20].copy_from_slice(&self.nprocs.to_le_bytes());
        b[20..28].copy_from_slice(&self.tsc_hz.to_le_bytes());
        b[28..36].copy_from_slice(&self.start_tsc.to_le_bytes());
        b[36..44].copy_from_slice(&self.end_tsc.to_le_bytes());
        b
    }

    /// Decode (magic included); `None` if the magic or version is wrong.
    pub fn from_bytes(b: &[u8]) -> Option<Header> {
        if b.len() < 8 + Self::SIZE || b[..8] != MAGIC {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        let h = Header {
            version: u32_at(8),
            ncpu: u32_at(12),
            nprocs: u32_at(16),
            tsc_hz: u64_at(20),
            start_tsc: u64_at(28),
            end_tsc: u64_at(36),
        };
        (h.version == VERSION).then_some(h)
    }
}

/// Per-core chunk header (little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkHeader {
    /// The core (M id) whose buffer follows.
    pub m: u32,
    /// Events recorded.
    pub events: u64,
    /// Events dropped because the buffer was full (never silently).
    pub dropped: u64,
    /// TSC of the chunk's first event (its deltas start from here).
    pub base_tsc: u64,
    /// Bytes of encoded events that follow.
    pub len: u64,
}

impl ChunkHeader {
    /// Encoded size.
    pub const SIZE: usize = 4 + 8 + 8 + 8 + 8;

    /// Encode.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[..4].copy_from_slice(&self.m.to_le_bytes());
        b[4..12].copy_from_slice(&self.events.to_le_bytes());
        b[12..20].copy_from_slice(&self.dropped.to_le_bytes());
        b[20..28].copy_from_slice(&self.base_tsc.to_le_bytes());
        b[28..36].copy_from_slice(&self.len.to_le_bytes());
        b
    }

    /// Decode.
    pub fn from_bytes(b: &[u8]) -> Option<ChunkHeader> {
        if b.len() < Self::SIZE {
            return None;
        }
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        Some(ChunkHeader {
            m: u32::from_le_bytes(b[..4].try_into().unwrap()),
            events: u64_at(4),
            dropped: u64_at(12),
            base_tsc: u64_at(20),
            len: u64_at(28),
        })
    }
}
