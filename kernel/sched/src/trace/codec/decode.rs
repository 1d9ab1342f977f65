//! Decoding a core's chunk of encoded events back into [`Event`]s.

use super::*;
use super::{Event, Queue, STACK_MAX, StopReason, StwReason};
use core::fmt;

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

    fn u8(&mut self) -> Result<u8, DecodeError> {
        let at = self.at;
        u8::try_from(self.var()?).map_err(|_| DecodeError::BadField { offset: at })
    }

    /// The code of one of an enum's values (its `from_repr`).
    fn code<T>(&mut self, from_repr: fn(u8) -> Option<T>) -> Result<T, DecodeError> {
        let at = self.at;
        from_repr(self.u8()?).ok_or(DecodeError::BadField { offset: at })
    }

    fn next_event(&mut self) -> Result<Event, DecodeError> {
        let offset = self.at;
        let kind = self.byte()?;
        let delta = self.var()?;
        let ts = self.ts.wrapping_add(delta);
        let m = self.m;
        // Events with the same fields share an arm, which reads them in the
        // variant's order (as `encode` wrote them).
        let e = match kind {
            M_PARK => Event::MPark { ts, m },
            PROC_START | PROC_STOP | M_WAKE | HANDOFF | STW_END => {
                let p = self.p()?;
                match kind {
                    PROC_START => Event::ProcStart { ts, m, p },
                    PROC_STOP => Event::ProcStop { ts, m, p },
                    M_WAKE => Event::MWake { ts, m, p },
                    HANDOFF => Event::Handoff { ts, m, p },
                    _ => Event::StwEnd { ts, m, p },
                }
            }
            GO_START | GO_END | GO_SYSCALL_BEGIN | GO_SYSCALL_END | RUNNEXT_KICK | TIMER_FIRE
            | NETPOLL_READY => {
                let (p, goid) = (self.p()?, self.var()?);
                match kind {
                    GO_START => Event::GoStart { ts, m, p, goid },
                    GO_END => Event::GoEnd { ts, m, p, goid },
                    GO_SYSCALL_BEGIN => Event::GoSyscallBegin { ts, m, p, goid },
                    GO_SYSCALL_END => Event::GoSyscallEnd { ts, m, p, goid },
                    RUNNEXT_KICK => Event::RunnextKick { ts, m, p, goid },
                    TIMER_FIRE => Event::TimerFire { ts, m, p, goid },
                    _ => Event::NetpollReady { ts, m, p, goid },
                }
            }
            GO_CREATE | GO_UNBLOCK | GO_STOP | GO_BLOCK | ENQUEUE => {
                let (p, goid) = (self.p()?, self.var()?);
                match kind {
                    GO_CREATE => Event::GoCreate {
                        ts,
                        m,
                        p,
                        goid,
                        parent: self.var()?,
                    },
                    GO_UNBLOCK => Event::GoUnblock {
                        ts,
                        m,
                        p,
                        goid,
                        by: self.var()?,
                    },
                    GO_STOP => Event::GoStop {
                        ts,
                        m,
                        p,
                        goid,
                        reason: self.code(StopReason::from_repr)?,
                    },
                    GO_BLOCK => Event::GoBlock {
                        ts,
                        m,
                        p,
                        goid,
                        reason: self.u8()?,
                    },
                    _ => Event::Enqueue {
                        ts,
                        m,
                        p,
                        goid,
                        queue: self.code(Queue::from_repr)?,
                    },
                }
            }
            OVERFLOW | GLOBAL_TAKE => {
                let (p, count) = (self.p()?, self.u32()?);
                match kind {
                    OVERFLOW => Event::Overflow { ts, m, p, count },
                    _ => Event::GlobalTake { ts, m, p, count },
                }
            }
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
            STACK => {
                let at = self.at;
                let depth = self.var()?;
                if depth > STACK_MAX as u64 {
                    return Err(DecodeError::BadField { offset: at });
                }
                let mut pcs = [0u32; STACK_MAX];
                for pc in pcs.iter_mut().take(depth as usize) {
                    *pc = self.u32()?;
                }
                Event::Stack {
                    ts,
                    m,
                    depth: depth as u8,
                    pcs,
                }
            }
            STW_BEGIN => Event::StwBegin {
                ts,
                m,
                p: self.p()?,
                reason: self.code(StwReason::from_repr)?,
            },
            PROCS_CHANGE => Event::ProcsChange {
                ts,
                m,
                p: self.p()?,
                procs: u32::try_from(self.var()?).map_err(|_| DecodeError::BadField { offset })?,
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
