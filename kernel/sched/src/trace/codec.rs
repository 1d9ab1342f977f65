//! Byte encoding of [`Event`]s: a kind byte, then LEB128 varints.

use core::fmt;

use super::{Event, Queue, StopReason};

const GO_CREATE: u8 = 1;
const GO_START: u8 = 2;
const GO_STOP: u8 = 3;
const GO_BLOCK: u8 = 4;
const GO_UNBLOCK: u8 = 5;
const GO_END: u8 = 6;
const GO_SYSCALL_BEGIN: u8 = 7;
const GO_SYSCALL_END: u8 = 8;
const PROC_START: u8 = 9;
const PROC_STOP: u8 = 10;
const ENQUEUE: u8 = 11;
const RUNNEXT_KICK: u8 = 12;
const STEAL: u8 = 13;
const OVERFLOW: u8 = 14;
const GLOBAL_TAKE: u8 = 15;
const M_PARK: u8 = 16;
const M_WAKE: u8 = 17;
const TIMER_FIRE: u8 = 18;
const HANDOFF: u8 = 19;

/// The largest encoding of any event: a kind byte and at most six 10-byte
/// varints.
pub const fn encoded_len_max() -> usize {
    1 + 6 * 10
}

struct Out<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Out<'_> {
    fn byte(&mut self, b: u8) {
        self.buf[self.at] = b;
        self.at += 1;
    }
    fn var(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.byte(b);
                return;
            }
            self.byte(b | 0x80);
        }
    }
    fn p(&mut self, p: Option<u32>) {
        self.var(p.map_or(0, |p| p as u64 + 1));
    }
}

/// Encode `e` into `buf` with its timestamp relative to `prev_ts` (the
/// previous event of the same core). Returns the bytes written, or `None`
/// (writing nothing) if `buf` is shorter than [`encoded_len_max`].
pub fn encode(e: &Event, prev_ts: u64, buf: &mut [u8]) -> Option<usize> {
    if buf.len() < encoded_len_max() {
        return None;
    }
    let mut o = Out { buf, at: 0 };
    let delta = e.ts().wrapping_sub(prev_ts);
    match *e {
        Event::GoCreate {
            p, goid, parent, ..
        } => {
            o.byte(GO_CREATE);
            o.var(delta);
            o.p(p);
            o.var(goid);
            o.var(parent);
        }
        Event::GoStart { p, goid, .. } => {
            o.byte(GO_START);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::GoStop {
            p, goid, reason, ..
        } => {
            o.byte(GO_STOP);
            o.var(delta);
            o.p(p);
            o.var(goid);
            o.var(reason as u64);
        }
        Event::GoBlock {
            p, goid, reason, ..
        } => {
            o.byte(GO_BLOCK);
            o.var(delta);
            o.p(p);
            o.var(goid);
            o.var(reason as u64);
        }
        Event::GoUnblock { p, goid, by, .. } => {
            o.byte(GO_UNBLOCK);
            o.var(delta);
            o.p(p);
            o.var(goid);
            o.var(by);
        }
        Event::GoEnd { p, goid, .. } => {
            o.byte(GO_END);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::GoSyscallBegin { p, goid, .. } => {
            o.byte(GO_SYSCALL_BEGIN);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::GoSyscallEnd { p, goid, .. } => {
            o.byte(GO_SYSCALL_END);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::ProcStart { p, .. } => {
            o.byte(PROC_START);
            o.var(delta);
            o.p(p);
        }
        Event::ProcStop { p, .. } => {
            o.byte(PROC_STOP);
            o.var(delta);
            o.p(p);
        }
        Event::Enqueue { p, goid, queue, .. } => {
            o.byte(ENQUEUE);
            o.var(delta);
            o.p(p);
            o.var(goid);
            o.var(queue as u64);
        }
        Event::RunnextKick { p, goid, .. } => {
            o.byte(RUNNEXT_KICK);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::Steal {
            p,
            victim,
            count,
            runnext,
            ..
        } => {
            o.byte(STEAL);
            o.var(delta);
            o.p(p);
            o.var(victim as u64);
            o.var(count as u64);
            o.var(runnext as u64);
        }
        Event::Overflow { p, count, .. } => {
            o.byte(OVERFLOW);
            o.var(delta);
            o.p(p);
            o.var(count as u64);
        }
        Event::GlobalTake { p, count, .. } => {
            o.byte(GLOBAL_TAKE);
            o.var(delta);
            o.p(p);
            o.var(count as u64);
        }
        Event::MPark { .. } => {
            o.byte(M_PARK);
            o.var(delta);
        }
        Event::MWake { p, .. } => {
            o.byte(M_WAKE);
            o.var(delta);
            o.p(p);
        }
        Event::TimerFire { p, goid, .. } => {
            o.byte(TIMER_FIRE);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
        Event::Handoff { p, .. } => {
            o.byte(HANDOFF);
            o.var(delta);
            o.p(p);
        }
    }
    Some(o.at)
}

/// Why a chunk could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The bytes end inside an event.
    Truncated { offset: usize },
    /// An unknown kind byte.
    UnknownKind { offset: usize, kind: u8 },
    /// A field out of range (a varint over 64 bits, a bad enum value).
    BadField { offset: usize },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated { offset } => {
                write!(f, "trace chunk truncated at byte {offset}")
            }
            DecodeError::UnknownKind { offset, kind } => {
                write!(f, "unknown trace event kind {kind} at byte {offset}")
            }
            DecodeError::BadField { offset } => write!(f, "bad trace event field at byte {offset}"),
        }
    }
}

/// Decodes one core's chunk: an iterator of events.
pub struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    ts: u64,
    m: u32,
    failed: bool,
}

impl<'a> Decoder<'a> {
    /// Decode `bytes`, recorded by core `m`, whose deltas start at `base_tsc`.
    pub fn new(bytes: &'a [u8], m: u32, base_tsc: u64) -> Self {
        Decoder {
            bytes,
            at: 0,
            ts: base_tsc,
            m,
            failed: false,
        }
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or(DecodeError::Truncated { offset: self.at })?;
        self.at += 1;
        Ok(b)
    }

    fn var(&mut self) -> Result<u64, DecodeError> {
        let start = self.at;
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift == 63 && b > 1 || shift > 63 {
                return Err(DecodeError::BadField { offset: start });
            }
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
        }
    }

    fn p(&mut self) -> Result<Option<u32>, DecodeError> {
        let at = self.at;
        let v = self.var()?;
        match v {
            0 => Ok(None),
            v if v <= u32::MAX as u64 => Ok(Some((v - 1) as u32)),
            _ => Err(DecodeError::BadField { offset: at }),
        }
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        let at = self.at;
        u32::try_from(self.var()?).map_err(|_| DecodeError::BadField { offset: at })
    }

    fn next_event(&mut self) -> Result<Event, DecodeError> {
        let offset = self.at;
        let kind = self.byte()?;
        let delta = self.var()?;
        let ts = self.ts.wrapping_add(delta);
        let m = self.m;
        let e = match kind {
            GO_CREATE => Event::GoCreate {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
                parent: self.var()?,
            },
            GO_START => Event::GoStart {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            GO_STOP => {
                let (p, goid) = (self.p()?, self.var()?);
                let at = self.at;
                let reason = match self.var()? {
                    0 => StopReason::Yield,
                    1 => StopReason::Preempted,
                    2 => StopReason::YieldLocal,
                    _ => return Err(DecodeError::BadField { offset: at }),
                };
                Event::GoStop {
                    ts,
                    m,
                    p,
                    goid,
                    reason,
                }
            }
            GO_BLOCK => {
                let (p, goid) = (self.p()?, self.var()?);
                let at = self.at;
                let reason =
                    u8::try_from(self.var()?).map_err(|_| DecodeError::BadField { offset: at })?;
                Event::GoBlock {
                    ts,
                    m,
                    p,
                    goid,
                    reason,
                }
            }
            GO_UNBLOCK => Event::GoUnblock {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
                by: self.var()?,
            },
            GO_END => Event::GoEnd {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            GO_SYSCALL_BEGIN => Event::GoSyscallBegin {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            GO_SYSCALL_END => Event::GoSyscallEnd {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            PROC_START => Event::ProcStart {
                ts,
                m,
                p: self.p()?,
            },
            PROC_STOP => Event::ProcStop {
                ts,
                m,
                p: self.p()?,
            },
            ENQUEUE => {
                let (p, goid) = (self.p()?, self.var()?);
                let at = self.at;
                let queue = match self.var()? {
                    0 => Queue::Runnext,
                    1 => Queue::Ring,
                    2 => Queue::Global,
                    _ => return Err(DecodeError::BadField { offset: at }),
                };
                Event::Enqueue {
                    ts,
                    m,
                    p,
                    goid,
                    queue,
                }
            }
            RUNNEXT_KICK => Event::RunnextKick {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            STEAL => {
                let p = self.p()?;
                let victim = self.u32()?;
                let count = self.u32()?;
                let at = self.at;
                let runnext = match self.var()? {
                    0 => false,
                    1 => true,
                    _ => return Err(DecodeError::BadField { offset: at }),
                };
                Event::Steal {
                    ts,
                    m,
                    p,
                    victim,
                    count,
                    runnext,
                }
            }
            OVERFLOW => Event::Overflow {
                ts,
                m,
                p: self.p()?,
                count: self.u32()?,
            },
            GLOBAL_TAKE => Event::GlobalTake {
                ts,
                m,
                p: self.p()?,
                count: self.u32()?,
            },
            M_PARK => Event::MPark { ts, m },
            M_WAKE => Event::MWake {
                ts,
                m,
                p: self.p()?,
            },
            TIMER_FIRE => Event::TimerFire {
                ts,
                m,
                p: self.p()?,
                goid: self.var()?,
            },
            HANDOFF => Event::Handoff {
                ts,
                m,
                p: self.p()?,
            },
            kind => return Err(DecodeError::UnknownKind { offset, kind }),
        };
        self.ts = ts;
        Ok(e)
    }
}

impl Iterator for Decoder<'_> {
    type Item = Result<Event, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at >= self.bytes.len() {
            return None;
        }
        let r = self.next_event();
        self.failed = r.is_err();
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use alloc::vec::Vec;

    fn all_kinds(ts: u64) -> Vec<Event> {
        let m = 3;
        let p = Some(2);
        alloc::vec![
            Event::GoCreate {
                ts,
                m,
                p,
                goid: 7,
                parent: 1
            },
            Event::GoStart {
                ts: ts + 1,
                m,
                p,
                goid: 7
            },
            Event::GoStop {
                ts: ts + 2,
                m,
                p,
                goid: 7,
                reason: StopReason::Preempted
            },
            Event::GoBlock {
                ts: ts + 3,
                m,
                p,
                goid: 7,
                reason: 4
            },
            Event::GoUnblock {
                ts: ts + 400,
                m,
                p: None,
                goid: 7,
                by: 0
            },
            Event::GoEnd {
                ts: ts + 70_000,
                m,
                p,
                goid: u64::MAX
            },
            Event::GoSyscallBegin {
                ts: ts + 70_001,
                m,
                p,
                goid: 9
            },
            Event::GoSyscallEnd {
                ts: ts + 80_000,
                m,
                p: None,
                goid: 9
            },
            Event::ProcStart {
                ts: ts + 80_001,
                m,
                p: Some(u32::MAX - 1)
            },
            Event::ProcStop {
                ts: ts + 80_002,
                m,
                p: Some(0)
            },
            Event::Enqueue {
                ts: ts + 80_003,
                m,
                p,
                goid: 11,
                queue: Queue::Global
            },
            Event::RunnextKick {
                ts: ts + 80_004,
                m,
                p,
                goid: 12
            },
            Event::Steal {
                ts: ts + 80_005,
                m,
                p,
                victim: 1,
                count: 128,
                runnext: true
            },
            Event::Overflow {
                ts: ts + 80_006,
                m,
                p,
                count: 129
            },
            Event::GlobalTake {
                ts: ts + 80_007,
                m,
                p,
                count: 33
            },
            Event::MPark { ts: ts + 80_008, m },
            Event::MWake {
                ts: ts + 9_000_000_000,
                m,
                p
            },
            Event::TimerFire {
                ts: ts + 9_000_000_001,
                m,
                p,
                goid: 5
            },
            Event::Handoff {
                ts: ts + 9_000_000_002,
                m,
                p
            },
        ]
    }

    #[test]
    fn every_kind_round_trips() {
        let base = 1_000;
        let events = all_kinds(base);
        let mut buf = alloc::vec![0u8; 4096];
        let mut at = 0;
        let mut prev = base;
        for e in &events {
            at += encode(e, prev, &mut buf[at..]).unwrap();
            prev = e.ts();
        }
        let got: Vec<Event> = Decoder::new(&buf[..at], 3, base)
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(got, events);
    }

    #[test]
    fn short_buffer_writes_nothing() {
        let mut buf = [0xaau8; 8];
        assert_eq!(encode(&all_kinds(0)[0], 0, &mut buf), None);
        assert!(buf.iter().all(|&b| b == 0xaa));
    }

    #[test]
    fn truncation_and_garbage_are_errors_not_panics() {
        let e = Event::Steal {
            ts: 5,
            m: 0,
            p: Some(1),
            victim: 2,
            count: 3,
            runnext: false,
        };
        let mut buf = [0u8; 64];
        let n = encode(&e, 0, &mut buf).unwrap();
        for cut in 1..n {
            let mut d = Decoder::new(&buf[..cut], 0, 0);
            assert!(
                matches!(d.next(), Some(Err(DecodeError::Truncated { .. }))),
                "cut at {cut}"
            );
            assert!(d.next().is_none(), "decoding stops after an error");
        }
        let mut d = Decoder::new(&[200, 0], 0, 0);
        assert_eq!(
            d.next(),
            Some(Err(DecodeError::UnknownKind {
                offset: 0,
                kind: 200
            }))
        );
        let overlong = [
            super::GO_START,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0xff,
            0x7f,
        ];
        assert!(matches!(
            Decoder::new(&overlong, 0, 0).next(),
            Some(Err(DecodeError::BadField { .. }))
        ));
    }

    #[test]
    fn headers_round_trip() {
        let h = Header {
            version: VERSION,
            ncpu: 4,
            nprocs: 2,
            tsc_hz: 2_000_000_000,
            start_tsc: 9,
            end_tsc: 99,
        };
        assert_eq!(Header::from_bytes(&h.to_bytes()), Some(h));
        let mut bad = h.to_bytes();
        bad[0] = b'X';
        assert_eq!(Header::from_bytes(&bad), None);
        let c = ChunkHeader {
            m: 3,
            events: 10,
            dropped: 2,
            base_tsc: 5,
            len: 77,
        };
        assert_eq!(ChunkHeader::from_bytes(&c.to_bytes()), Some(c));
    }
}
