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
        Event::Stack { depth, pcs, .. } => {
            let depth = (depth as usize).min(STACK_MAX);
            o.byte(STACK);
            o.var(delta);
            o.var(depth as u64);
            for &pc in &pcs[..depth] {
                o.var(pc as u64);
            }
        }
        Event::StwBegin { p, reason, .. } => {
            o.byte(STW_BEGIN);
            o.var(delta);
            o.p(p);
            o.var(reason as u64);
        }
        Event::StwEnd { p, .. } => {
            o.byte(STW_END);
            o.var(delta);
            o.p(p);
        }
        Event::ProcsChange { p, procs, .. } => {
            o.byte(PROCS_CHANGE);
            o.var(delta);
            o.p(p);
            o.var(u64::from(procs));
        }
        Event::NetpollReady { p, goid, .. } => {
            o.byte(NETPOLL_READY);
            o.var(delta);
            o.p(p);
            o.var(goid);
        }
    }
    Some(o.at)
}

mod decode;
#[cfg(test)]
mod tests;

pub use decode::{DecodeError, Decoder};
