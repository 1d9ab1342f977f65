//! Byte encoding of [`Event`]s: a kind byte, then LEB128 varints.

use super::{Event, Queue, STACK_MAX, StopReason, StwReason};

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
const STW_BEGIN: u8 = 20;
const STW_END: u8 = 21;
const PROCS_CHANGE: u8 = 22;
const STACK: u8 = 23;
const NETPOLL_READY: u8 = 24;

/// The largest encoding of any event: a stack (a kind byte, the delta, the
/// depth, and [`STACK_MAX`] offsets under 2^32, five bytes each), more than
/// a kind byte and six 10-byte varints.
pub const fn encoded_len_max() -> usize {
    1 + 10 + 1 + STACK_MAX * 5
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
    /// A G's event with one enum code: `GoStop`, `GoBlock`, `Enqueue`.
    fn p_goid_code(&mut self, p: Option<u32>, goid: u64, code: u8) {
        self.p(p);
        self.var(goid);
        self.var(code as u64);
    }
}

/// The kind byte of `e`.
fn kind(e: &Event) -> u8 {
    match e {
        Event::GoCreate { .. } => GO_CREATE,
        Event::GoStart { .. } => GO_START,
        Event::GoStop { .. } => GO_STOP,
        Event::GoBlock { .. } => GO_BLOCK,
        Event::GoUnblock { .. } => GO_UNBLOCK,
        Event::GoEnd { .. } => GO_END,
        Event::GoSyscallBegin { .. } => GO_SYSCALL_BEGIN,
        Event::GoSyscallEnd { .. } => GO_SYSCALL_END,
        Event::ProcStart { .. } => PROC_START,
        Event::ProcStop { .. } => PROC_STOP,
        Event::Enqueue { .. } => ENQUEUE,
        Event::RunnextKick { .. } => RUNNEXT_KICK,
        Event::Steal { .. } => STEAL,
        Event::Overflow { .. } => OVERFLOW,
        Event::GlobalTake { .. } => GLOBAL_TAKE,
        Event::MPark { .. } => M_PARK,
        Event::MWake { .. } => M_WAKE,
        Event::TimerFire { .. } => TIMER_FIRE,
        Event::Handoff { .. } => HANDOFF,
        Event::StwBegin { .. } => STW_BEGIN,
        Event::StwEnd { .. } => STW_END,
        Event::ProcsChange { .. } => PROCS_CHANGE,
        Event::Stack { .. } => STACK,
        Event::NetpollReady { .. } => NETPOLL_READY,
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
    o.byte(kind(e));
    o.var(e.ts().wrapping_sub(prev_ts));
    // The fields after the kind and the delta, in the variant's order;
    // events with the same fields share an arm.
    match *e {
        Event::MPark { .. } => {}
        Event::ProcStart { p, .. }
        | Event::ProcStop { p, .. }
        | Event::MWake { p, .. }
        | Event::Handoff { p, .. }
        | Event::StwEnd { p, .. } => o.p(p),
        Event::GoStart { p, goid, .. }
        | Event::GoEnd { p, goid, .. }
        | Event::GoSyscallBegin { p, goid, .. }
        | Event::GoSyscallEnd { p, goid, .. }
        | Event::RunnextKick { p, goid, .. }
        | Event::TimerFire { p, goid, .. }
        | Event::NetpollReady { p, goid, .. } => {
            o.p(p);
            o.var(goid);
        }
        Event::GoCreate {
            p,
            goid,
            parent: g2,
            ..
        }
        | Event::GoUnblock {
            p, goid, by: g2, ..
        } => {
            o.p(p);
            o.var(goid);
            o.var(g2);
        }
        Event::GoStop {
            p, goid, reason, ..
        } => o.p_goid_code(p, goid, reason as u8),
        Event::GoBlock {
            p, goid, reason, ..
        } => o.p_goid_code(p, goid, reason),
        Event::Enqueue { p, goid, queue, .. } => o.p_goid_code(p, goid, queue as u8),
        Event::Overflow { p, count, .. }
        | Event::GlobalTake { p, count, .. }
        | Event::ProcsChange {
            p, procs: count, ..
        } => {
            o.p(p);
            o.var(u64::from(count));
        }
        Event::StwBegin { p, reason, .. } => {
            o.p(p);
            o.var(reason as u64);
        }
        Event::Steal {
            p,
            victim,
            count,
            runnext,
            ..
        } => {
            o.p(p);
            o.var(victim as u64);
            o.var(count as u64);
            o.var(runnext as u64);
        }
        Event::Stack { depth, pcs, .. } => {
            let depth = (depth as usize).min(STACK_MAX);
            o.var(depth as u64);
            for &pc in &pcs[..depth] {
                o.var(pc as u64);
            }
        }
    }
    Some(o.at)
}

mod decode;
#[cfg(test)]
mod tests;

pub use decode::{DecodeError, Decoder};
