//! One round of torture: its Gs, channels, mutex, parking lot and ledgers.
//!
//! Design note: the run is a sequence of rounds so that each round can be
//! *closed* and proven: every G the round created started once and
//! finished once (three ledgers indexed by token), every message sent on
//! its channels was received exactly once (a ledger indexed by sequence
//! number), and the mutex-protected counter equals the number of critical
//! sections. Tokens and sequence numbers are handed out by counters, up to
//! a fixed capacity per round; past it, spawns and sends are skipped.

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use gmp_sched::options::Mix;

use super::failure::fail;
use super::parklot::ParkLot;
use super::stats::{STATS, bump};
use crate::prelude::*;
use crate::workloads::common::ledger::Ledger;

/// Most Gs one round may create.
pub const MAX_TOKENS: usize = 16 * 1024;
/// Most messages one round may send.
pub const MAX_MSGS: usize = 64 * 1024;
/// Buffer sizes of the round's channels (0 = unbuffered).
pub const CHAN_CAPS: [usize; 4] = [0, 1, 8, 64];

/// Marks a helper's goid in `Round::goids`.
const HELPER_BIT: u64 = 1 << 63;

/// What the round's Gs share.
pub struct Round {
    pub number: u64,
    pub seed: u64,
    /// The operations the run draws (`mix=`).
    pub mix: Mix,
    next_token: AtomicUsize,
    created: Ledger,
    started: Ledger,
    finished: Ledger,
    /// The goid of each token's G, stored when it starts (0: not started),
    /// with [`HELPER_BIT`] set for a helper, so a stall report can say
    /// where an unfinished G is.
    goids: Vec<AtomicU64>,
    next_seq: AtomicUsize,
    received: Ledger,
    pub chans: Vec<Chan<u64>>,
    pub mutex: Mutex<u64>,
    pub lock_ops: AtomicU64,
    pub lot: ParkLot,
    /// Workers and their descendants.
    pub workers: WaitGroup,
    /// Channel consumers and the waker.
    pub helpers: WaitGroup,
    /// Set once every worker finished: the waker may stop.
    pub workers_done: AtomicBool,
}

/// A token: the ledger index of one G of the round.
#[derive(Clone, Copy)]
pub struct Token(pub usize);

impl Round {
    /// A fresh round.
    pub fn new(number: u64, seed: u64, mix: Mix) -> Arc<Round> {
        Arc::new(Round {
            number,
            seed,
            mix,
            next_token: AtomicUsize::new(0),
            created: Ledger::new(MAX_TOKENS),
            started: Ledger::new(MAX_TOKENS),
            finished: Ledger::new(MAX_TOKENS),
            goids: (0..MAX_TOKENS).map(|_| AtomicU64::new(0)).collect(),
            next_seq: AtomicUsize::new(0),
            received: Ledger::new(MAX_MSGS),
            chans: CHAN_CAPS.iter().map(|&c| Chan::new(c)).collect(),
            mutex: Mutex::new(0),
            lock_ops: AtomicU64::new(0),
            lot: ParkLot::new(),
            workers: WaitGroup::new(),
            helpers: WaitGroup::new(),
            workers_done: AtomicBool::new(false),
        })
    }

    /// Spawn `f` as a G of this round counted in `wg` (`workers` or
    /// `helpers`); false (nothing spawned) when the tokens ran out.
    pub fn spawn(
        self: &Arc<Round>,
        helper: bool,
        f: impl FnOnce(&Arc<Round>, Token) + Send + 'static,
    ) -> bool {
        let t = self.next_token.fetch_add(1, Ordering::Relaxed);
        if t >= MAX_TOKENS {
            return false;
        }
        if !self.created.try_mark(t) {
            fail(format!("round {}: G token {t} created twice", self.number));
        }
        let wg = if helper { &self.helpers } else { &self.workers };
        wg.add(1);
        bump(&STATS.spawns);
        let r = self.clone();
        go(move || {
            if !r.started.try_mark(t) {
                fail(format!(
                    "round {}: G token {t} started twice (a G ran twice)",
                    r.number
                ));
            }
            if let Some(gp) = crate::runtime::inspect::g::getg() {
                let bit = if helper { HELPER_BIT } else { 0 };
                r.goids[t].store(gp.goid() | bit, Ordering::Relaxed);
            }
            f(&r, Token(t));
            if !r.finished.try_mark(t) {
                fail(format!(
                    "round {}: G token {t} finished twice (a G ran twice)",
                    r.number
                ));
            }
            bump(&STATS.gs);
            if helper {
                r.helpers.done();
            } else {
                r.workers.done();
            }
        });
        true
    }

    /// A sequence number for a new message, or `None` past the capacity.
    pub fn next_seq(&self) -> Option<u64> {
        let s = self.next_seq.fetch_add(1, Ordering::Relaxed);
        (s < MAX_MSGS).then_some(s as u64)
    }

    /// Record the receipt of message `seq`.
    pub fn received(&self, seq: u64) {
        bump(&STATS.msgs);
        if !self.received.try_mark(seq as usize) {
            fail(format!(
                "round {}: message {seq} received twice",
                self.number
            ));
        }
    }

    /// The ledger proofs, once every G of the round is done.
    pub fn verify(&self) -> Result<(), String> {
        let tokens = self.next_token.load(Ordering::Relaxed).min(MAX_TOKENS);
        let n = self.number;
        self.created
            .verify_prefix(tokens, &format!("round {n}: Gs created"))?;
        self.started.verify_prefix(
            tokens,
            &format!("round {n}: Gs started (lost or doubled Gs)"),
        )?;
        self.finished.verify_prefix(
            tokens,
            &format!("round {n}: Gs finished (lost or doubled Gs)"),
        )?;
        let msgs = self.next_seq.load(Ordering::Relaxed).min(MAX_MSGS);
        self.received
            .verify_prefix(msgs, &format!("round {n}: messages received"))?;
        let counter = *self.mutex.lock();
        let ops = self.lock_ops.load(Ordering::Relaxed);
        if counter != ops {
            return Err(format!(
                "round {n}: mutex counter is {counter} after {ops} critical sections"
            ));
        }
        if self.lot.in_use() != 0 {
            return Err(format!(
                "round {n}: {} Gs still in the parking lot",
                self.lot.in_use()
            ));
        }
        Ok(())
    }

    /// Gs of the round that have not finished, and tokens handed out.
    pub fn progress(&self) -> (usize, usize) {
        let tokens = self.next_token.load(Ordering::Relaxed).min(MAX_TOKENS);
        (self.finished.recorded(), tokens)
    }

    /// The Gs that started and have not finished, as (goid, helper), the
    /// first `max`: workers first (a round waits for its workers; the
    /// helpers wait for the workers too, so they are unfinished anyway).
    pub fn unfinished(&self, max: usize) -> Vec<(u64, bool)> {
        let tokens = self.next_token.load(Ordering::Relaxed).min(MAX_TOKENS);
        let mut gs: Vec<(u64, bool)> = (0..tokens)
            .filter(|&t| self.started.recorded_at(t) != 0 && self.finished.recorded_at(t) == 0)
            .map(|t| self.goids[t].load(Ordering::Relaxed))
            .filter(|&word| word & !HELPER_BIT != 0)
            .map(|word| (word & !HELPER_BIT, word & HELPER_BIT != 0))
            .collect();
        gs.sort_by_key(|&(_, helper)| helper);
        gs.truncate(max);
        gs
    }

    /// Which tokens were created but not started (lost before running),
    /// the first few, for a failure report.
    pub fn lost(&self) -> String {
        let tokens = self.next_token.load(Ordering::Relaxed).min(MAX_TOKENS);
        let never: Vec<usize> = (0..tokens)
            .filter(|&t| self.started.recorded_at(t) == 0)
            .take(8)
            .collect();
        let unfinished = (0..tokens)
            .filter(|&t| self.finished.recorded_at(t) == 0)
            .count();
        format!(
            "round {}: {unfinished} of {tokens} Gs never finished; never started: {never:?}",
            self.number
        )
    }
}
