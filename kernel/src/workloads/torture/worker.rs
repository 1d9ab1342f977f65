//! What the round's Gs do: workers draw random operations; consumers drain
//! the channels; the waker readies parked Gs from another core.
//!
//! Design note: every worker has its own generator seeded from the run's
//! seed, the round and its token, so a run with the same `seed=` repeats
//! the same operation sequences (the interleaving still varies). Every
//! operation is one the scheduler must get right under contention: spawn,
//! yield, sleep, channel send/receive/select, mutex, park/ready, blocking
//! call, early exit, and now and then a spin long enough to be preempted.

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use gmp_sched::options::Op;
use gmp_sched::rand::CheapRand;

use super::failure::failed;
use super::round::{Round, Token};
use super::stats::{STATS, bump};
use super::stutter;
use crate::prelude::*;
use crate::runtime::inspect::machine;

/// Deepest nesting of spawned children.
const MAX_DEPTH: u32 = 3;

/// A generator for G `t` of round `r`.
pub fn rng_for(r: &Round, t: Token, salt: u64) -> CheapRand {
    let mut seeder = CheapRand::new(r.seed ^ r.number.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let base = seeder.next_u64();
    CheapRand::new(base ^ (token_index(t) as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ salt)
}

fn token_index(t: Token) -> usize {
    t.0
}

fn between(rng: &mut CheapRand, lo: u64, hi: u64) -> u64 {
    lo + u64::from(rng.below((hi - lo) as u32))
}

/// The operation a draw from 0..100 stands for: the mix's weights.
fn op_for(draw: u32) -> Op {
    match draw {
        0..=7 => Op::Spawn,
        8..=17 => Op::Yield,
        18..=25 => Op::Sleep,
        26..=41 => Op::Send,
        42..=49 => Op::Select,
        50..=57 => Op::Lock,
        58..=65 => Op::Park,
        66..=72 => Op::Ready,
        73..=79 => Op::Syscall,
        80..=81 => Op::Exit,
        _ => Op::Spin,
    }
}

/// A worker: `ops` random operations, then exit. A drawn operation that
/// `mix=` leaves out is skipped.
pub fn worker(r: &Arc<Round>, t: Token, depth: u32, ops: u32) {
    let mut rng = rng_for(r, t, 1);
    for _ in 0..ops {
        if failed() {
            return;
        }
        if r.mix.has(Op::Stutter) {
            stutter::maybe_wait(&mut rng);
        }
        let draw = rng.below(100);
        let op = op_for(draw);
        if !r.mix.has(op) {
            continue;
        }
        match op {
            Op::Spawn => spawn_children(r, &mut rng, depth),
            Op::Yield => {
                bump(&STATS.yields);
                gosched();
            }
            Op::Sleep => {
                bump(&STATS.sleeps);
                sleep(between(&mut rng, 10_000, 1_000_000));
            }
            Op::Send => send_one(r, &mut rng),
            Op::Select => select_op(r, &mut rng),
            Op::Lock => lock_op(r, &mut rng),
            Op::Park => {
                if r.lot.park(rng.below(64) as usize) {
                    bump(&STATS.parks);
                }
            }
            Op::Ready => {
                if r.lot.ready_one(rng.below(64) as usize) {
                    bump(&STATS.readies);
                }
            }
            Op::Syscall => {
                bump(&STATS.syscalls);
                blocking_call(between(&mut rng, 5_000, 300_000));
            }
            Op::Exit => return,
            // Now and then long enough to be preempted.
            Op::Spin if draw == 82 => spin_as_myself(r, 15_000_000),
            _ => spin_as_myself(r, between(&mut rng, 1_000, 50_000)),
        }
    }
}

/// Spin for `ns` with interrupts on, asking `getg` who we are all along:
/// an asynchronous preemption may stop this G at any instruction and
/// resume it on another core, and the answer must still be this G. (The
/// 8-core failure of 2026-12-02 was a `getg` that, preempted between its
/// two loads, answered with the old core's G; see `runtime::proc::getg`.)
fn spin_as_myself(r: &Round, ns: u64) {
    let me = crate::runtime::inspect::g::getg().map(|g| g as *const _);
    let end = nanotime().saturating_add(ns);
    while nanotime() < end {
        for _ in 0..64 {
            let now = crate::runtime::inspect::g::getg().map(|g| g as *const _);
            if core::hint::black_box(now) != me {
                super::failure::fail(alloc::format!(
                    "round {}: getg answered another G (or none) while this G spun: G identity lost across a preemption",
                    r.number
                ));
                return;
            }
        }
    }
}

fn spawn_children(r: &Arc<Round>, rng: &mut CheapRand, depth: u32) {
    if depth >= MAX_DEPTH {
        return;
    }
    if depth == 0 && rng.below(12) == 0 {
        // A burst big enough to overflow a local run queue (256 slots) into
        // the global queue, unless thieves drain it first.
        let n = between(rng, 260, 400) as u32;
        for _ in 0..n {
            if !r.spawn(false, |r, t| {
                let mut rng = rng_for(r, t, 2);
                if rng.below(4) == 0 {
                    gosched();
                }
            }) {
                return;
            }
        }
        return;
    }
    for _ in 0..between(rng, 1, 4) {
        let ops = between(rng, 3, 25) as u32;
        if !r.spawn(false, move |r, t| worker(r, t, depth + 1, ops)) {
            return;
        }
    }
}

fn send_one(r: &Round, rng: &mut CheapRand) {
    let Some(seq) = r.next_seq() else { return };
    let c = rng.below(r.chans.len() as u32) as usize;
    if rng.below(4) == 0 {
        if let Err(v) = r.chans[c].try_send(seq) {
            r.chans[c].send(v);
        }
    } else {
        r.chans[c].send(seq);
    }
}

/// `select` over two sends, or a send and a receive, sometimes with a
/// default case (then the message is sent by a plain send instead).
fn select_op(r: &Round, rng: &mut CheapRand) {
    bump(&STATS.selects);
    let Some(seq) = r.next_seq() else { return };
    let n = r.chans.len() as u32;
    let a = rng.below(n) as usize;
    let b = (a + 1 + rng.below(n - 1) as usize) % n as usize;
    let block = rng.below(3) != 0;
    if rng.below(2) == 0 {
        let Some(seq2) = r.next_seq() else {
            r.chans[a].send(seq);
            return;
        };
        let mut sa = SendCase::new(&r.chans[a], seq);
        let mut sb = SendCase::new(&r.chans[b], seq2);
        match select(&mut [&mut sa, &mut sb], block) {
            Some(0) => r.chans[b].send(sb.into_value().expect("unsent value")),
            Some(_) => r.chans[a].send(sa.into_value().expect("unsent value")),
            None => {
                r.chans[a].send(sa.into_value().expect("unsent value"));
                r.chans[b].send(sb.into_value().expect("unsent value"));
            }
        }
    } else {
        let mut sa = SendCase::new(&r.chans[a], seq);
        let mut rb = RecvCase::new(&r.chans[b]);
        match select(&mut [&mut sa, &mut rb], block) {
            Some(0) => {}
            Some(_) => {
                if let Some(v) = rb.take() {
                    r.received(v);
                }
                r.chans[a].send(sa.into_value().expect("unsent value"));
            }
            None => r.chans[a].send(sa.into_value().expect("unsent value")),
        }
    }
}

fn lock_op(r: &Round, rng: &mut CheapRand) {
    bump(&STATS.locks);
    let mut g = r.mutex.lock();
    *g += 1;
    r.lock_ops.fetch_add(1, Ordering::Relaxed);
    match rng.below(8) {
        0 => gosched(), // hold the lock across a switch
        1 => machine::spin_ns(between(rng, 1_000, 20_000)),
        _ => {}
    }
    drop(g);
}

/// A consumer of channel `c`: receives until it is closed and drained,
/// sometimes through a `select` with another channel.
pub fn consumer(r: &Arc<Round>, t: Token, c: usize) {
    let mut rng = rng_for(r, t, 3);
    let n = r.chans.len();
    loop {
        if rng.below(4) == 0 {
            let other = (c + 1 + rng.below(n as u32 - 1) as usize) % n;
            let mut ra = RecvCase::new(&r.chans[c]);
            let mut rb = RecvCase::new(&r.chans[other]);
            match select(&mut [&mut ra, &mut rb], true) {
                Some(0) => match ra.take() {
                    Some(v) => r.received(v),
                    None => return,
                },
                _ => {
                    if let Some(v) = rb.take() {
                        r.received(v);
                    } else {
                        // The other channel is closed; finish on our own.
                        while let Some(v) = r.chans[c].recv() {
                            r.received(v);
                        }
                        return;
                    }
                }
            }
        } else {
            match r.chans[c].recv() {
                Some(v) => r.received(v),
                None => return,
            }
        }
    }
}

/// The waker: readies parked Gs until every worker is done.
pub fn waker(r: &Arc<Round>, t: Token) {
    let mut rng = rng_for(r, t, 4);
    loop {
        let done = r.workers_done.load(Ordering::Acquire);
        let n = r.lot.ready_all();
        STATS.readies.fetch_add(n as u64, Ordering::Relaxed);
        if done || failed() {
            return;
        }
        sleep(between(&mut rng, 20_000, 300_000));
    }
}
