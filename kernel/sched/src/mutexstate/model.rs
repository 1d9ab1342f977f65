//! A deterministic model of N goroutines sharing one `sync.Mutex`, driven
//! by this module's pure steps. One model step is one atomic operation of
//! the real thing (a load, a CAS, a `fetch_add`/`fetch_sub`, or one
//! semaphore operation under its lock), so every interleaving a multicore
//! machine can produce at that granularity is reachable by some schedule.
//! Every step checks the invariants; the run ends when every goroutine has
//! done its lock/unlock rounds, or fails on deadlock (a lost wakeup) or a
//! step budget (livelock).

use super::*;
use crate::sema::Sema;
use alloc::vec::Vec;

/// Where a goroutine is in Lock/Unlock; one variant per atomic step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pc {
    /// About to `Lock`: the fast-path CAS.
    Start,
    /// `old = m.state` at lockSlow's entry or after a failed CAS.
    Load,
    /// `step(old)` and its CAS (if any).
    Decide,
    /// doSpin, then `old = m.state`.
    SpinLoad,
    /// semacquire.
    SemAcquire { lifo: bool },
    /// Parked on the semaphore: not runnable.
    Parked { lifo: bool },
    /// Readied by a release; takes its unit (or its ticket).
    Readied { ticket: bool, lifo: bool },
    /// `old = m.state` after the semaphore; `woke(old)`.
    WokeLoad,
    /// `fetch_add(delta)` of a starvation hand-off.
    HandoffAdd { delta: u32 },
    /// Holds the mutex; the next step is Unlock's `fetch_sub`.
    Critical,
    /// unlockSlow's CAS.
    UnlockCas { old: u32, new: u32 },
    /// `old = m.state` after a failed unlock CAS; `unlock_retry(old)`.
    UnlockLoad,
    /// semrelease.
    Release { handoff: bool },
    /// All rounds done.
    Done,
}

/// How a goroutine got the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Fast,
    Cas,
    Handoff,
}

#[derive(Clone, Copy, Debug)]
pub struct G {
    pub pc: Pc,
    pub slow: LockSlow,
    pub old: u32,
    pub rounds_left: u32,
    /// Readied with a hand-off ticket and not yet holding the lock.
    pub expect_handoff: bool,
}

/// What the runs covered, so tests can insist every path was taken.
#[derive(Clone, Copy, Debug, Default)]
pub struct Coverage {
    pub fast: u64,
    pub cas_acquire: u64,
    pub handoffs: u64,
    pub starvation_entered: u64,
    pub starvation_left: u64,
    pub spins: u64,
    pub woken_set_by_spinner: u64,
    pub lifo_requeues: u64,
    pub lost_unit_races: u64,
    pub cas_failures: u64,
}

pub struct Model {
    pub state: u32,
    pub sema: Sema<usize>,
    pub gs: Vec<G>,
    pub now: u64,
    pub env: SpinEnv,
    /// Lock acquisitions in order: (goroutine, how).
    pub acquisitions: Vec<(usize, Via)>,
    pub cov: Coverage,
    pub steps: u64,
}

impl Model {
    pub fn new(n: usize, rounds: u32, env: SpinEnv) -> Self {
        let g = G {
            pc: Pc::Start,
            slow: LockSlow::new(),
            old: 0,
            rounds_left: rounds,
            expect_handoff: false,
        };
        Model {
            state: 0,
            sema: Sema::new(),
            gs: alloc::vec![g; n],
            now: 0,
            env,
            acquisitions: Vec::new(),
            cov: Coverage::default(),
            steps: 0,
        }
    }

    pub fn runnable(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.gs.len()).filter(|&i| !matches!(self.gs[i].pc, Pc::Parked { .. } | Pc::Done))
    }

    pub fn all_done(&self) -> bool {
        self.gs.iter().all(|g| g.pc == Pc::Done)
    }

    fn cas(&mut self, old: u32, new: u32) -> bool {
        if self.state == old {
            self.state = new;
            true
        } else {
            self.cov.cas_failures += 1;
            false
        }
    }

    fn acquired(&mut self, i: usize, via: Via) {
        let holders = self.gs.iter().filter(|g| g.pc == Pc::Critical).count();
        assert_eq!(
            holders, 0,
            "mutual exclusion: g{i} acquired ({via:?}) while held"
        );
        assert!(
            self.state & MUTEX_LOCKED != 0,
            "g{i} holds the mutex but LOCKED is clear"
        );
        let g = &mut self.gs[i];
        assert!(
            !g.expect_handoff || via == Via::Handoff,
            "g{i} was handed the lock but acquired it by {via:?}"
        );
        g.expect_handoff = false;
        g.pc = Pc::Critical;
        match via {
            Via::Fast => self.cov.fast += 1,
            Via::Cas => self.cov.cas_acquire += 1,
            Via::Handoff => self.cov.handoffs += 1,
        }
        self.acquisitions.push((i, via));
    }

    fn finish_round(&mut self, i: usize) {
        let g = &mut self.gs[i];
        g.rounds_left -= 1;
        g.slow = LockSlow::new();
        g.pc = if g.rounds_left == 0 {
            Pc::Done
        } else {
            Pc::Start
        };
    }

    /// Runs one atomic step of goroutine `i`, then advances time by `dt`.
    pub fn step(&mut self, i: usize, dt: u64) {
        let before = self.state;
        let g = self.gs[i];
        match g.pc {
            Pc::Start => {
                if self.cas(LOCK_FAST.0, LOCK_FAST.1) {
                    self.acquired(i, Via::Fast);
                } else {
                    self.gs[i].pc = Pc::Load;
                }
            }
            Pc::Load | Pc::SpinLoad => {
                self.gs[i].old = self.state;
                self.gs[i].pc = Pc::Decide;
            }
            Pc::Decide => self.decide(i),
            Pc::SemAcquire { lifo } => {
                self.gs[i].pc = if self.sema.acquire(i, lifo) {
                    Pc::WokeLoad
                } else {
                    Pc::Parked { lifo }
                };
            }
            Pc::Parked { .. } => panic!("model: a parked goroutine was scheduled"),
            Pc::Readied { ticket, lifo } => {
                if self.sema.woken(ticket) {
                    self.gs[i].pc = Pc::WokeLoad;
                } else {
                    self.cov.lost_unit_races += 1;
                    self.gs[i].pc = Pc::SemAcquire { lifo };
                }
            }
            Pc::WokeLoad => {
                let old = self.state;
                self.gs[i].old = old;
                match self.gs[i].slow.woke(old, self.now) {
                    AfterWake::Acquired { delta } => self.gs[i].pc = Pc::HandoffAdd { delta },
                    AfterWake::Retry => {
                        assert!(!g.expect_handoff, "g{i} was handed the lock but must retry");
                        self.gs[i].pc = Pc::Decide;
                    }
                }
            }
            Pc::HandoffAdd { delta } => {
                self.state = self.state.wrapping_add(delta);
                if before & MUTEX_STARVING != 0 && self.state & MUTEX_STARVING == 0 {
                    self.cov.starvation_left += 1;
                }
                self.acquired(i, Via::Handoff);
            }
            Pc::Critical => {
                self.state = self.state.wrapping_sub(MUTEX_LOCKED);
                let new = self.state;
                let next = if new == 0 {
                    UnlockStep::Done
                } else {
                    unlock_slow(new)
                };
                match next {
                    UnlockStep::Done => self.finish_round(i),
                    UnlockStep::Wake { new: n } => {
                        self.gs[i].pc = Pc::UnlockCas { old: new, new: n }
                    }
                    UnlockStep::Handoff => self.gs[i].pc = Pc::Release { handoff: true },
                }
            }
            Pc::UnlockCas { old, new } => {
                self.gs[i].pc = if self.cas(old, new) {
                    Pc::Release { handoff: false }
                } else {
                    Pc::UnlockLoad
                };
            }
            Pc::UnlockLoad => match unlock_retry(self.state) {
                UnlockStep::Done => self.finish_round(i),
                UnlockStep::Wake { new } => {
                    self.gs[i].pc = Pc::UnlockCas {
                        old: self.state,
                        new,
                    }
                }
                UnlockStep::Handoff => panic!("unlock_retry asked for a hand-off"),
            },
            Pc::Release { handoff } => {
                if let Some(w) = self.sema.release(handoff) {
                    let lifo = match self.gs[w.waiter].pc {
                        Pc::Parked { lifo } => lifo,
                        pc => panic!("released g{} which was at {pc:?}", w.waiter),
                    };
                    let woken = &mut self.gs[w.waiter];
                    woken.pc = Pc::Readied {
                        ticket: w.ticket,
                        lifo,
                    };
                    woken.expect_handoff = w.ticket;
                }
                self.finish_round(i);
            }
            Pc::Done => panic!("model: a finished goroutine was scheduled"),
        }
        if before & MUTEX_STARVING == 0 && self.state & MUTEX_STARVING != 0 {
            self.cov.starvation_entered += 1;
        }
        self.now += dt;
        self.steps += 1;
        self.check();
    }

    fn decide(&mut self, i: usize) {
        let old = self.gs[i].old;
        let env = self.env;
        match self.gs[i].slow.step(old, |it| can_spin(it, &env)) {
            LockStep::Spin { set_woken } => {
                let ok = set_woken.is_some_and(|new| self.cas(old, new));
                self.cov.spins += 1;
                self.cov.woken_set_by_spinner += u64::from(ok);
                self.gs[i].slow.spun(ok);
                self.gs[i].pc = Pc::SpinLoad;
            }
            LockStep::Cas { new } => {
                if !self.cas(old, new) {
                    self.gs[i].pc = Pc::Load;
                    return;
                }
                match self.gs[i].slow.cas_succeeded(old, self.now) {
                    AfterCas::Acquired => self.acquired(i, Via::Cas),
                    AfterCas::Sleep { lifo } => {
                        self.cov.lifo_requeues += u64::from(lifo);
                        self.gs[i].pc = Pc::SemAcquire { lifo };
                    }
                }
            }
        }
    }

    /// Invariants that hold after every step.
    fn check(&self) {
        let holders = self.gs.iter().filter(|g| g.pc == Pc::Critical).count();
        assert!(holders <= 1, "mutual exclusion broken: {holders} holders");
        let in_lock_slow = self
            .gs
            .iter()
            .filter(|g| {
                !matches!(
                    g.pc,
                    Pc::Start
                        | Pc::Critical
                        | Pc::UnlockCas { .. }
                        | Pc::UnlockLoad
                        | Pc::Release { .. }
                        | Pc::Done
                )
            })
            .count();
        assert!(
            waiters(self.state) as usize <= in_lock_slow,
            "waiter count {} exceeds the {in_lock_slow} goroutines in lockSlow (underflow?)",
            waiters(self.state)
        );
        if self.state & MUTEX_STARVING != 0 {
            // Starvation mode always has someone to hand the lock to.
            assert!(waiters(self.state) > 0, "starving mutex without waiters");
        }
        for (i, g) in self.gs.iter().enumerate() {
            let queued = self.sema.waiters().any(|&w| w == i);
            assert_eq!(
                queued,
                matches!(g.pc, Pc::Parked { .. }),
                "g{i} at {:?}: parked and queued disagree",
                g.pc
            );
        }
    }

    /// Runs to completion with `pick(runnable count) -> (index, dt)`.
    /// Panics on deadlock or when `budget` steps are exceeded.
    pub fn run(&mut self, budget: u64, mut pick: impl FnMut(usize) -> (usize, u64)) {
        let mut ready = Vec::new();
        while !self.all_done() {
            ready.clear();
            ready.extend(self.runnable());
            assert!(
                !ready.is_empty(),
                "lost wakeup: every unfinished goroutine is parked (state {:#x}, sema count {})",
                self.state,
                self.sema.count()
            );
            assert!(
                self.steps < budget,
                "livelock: {budget} steps without finishing"
            );
            let (k, dt) = pick(ready.len());
            self.step(ready[k % ready.len()], dt);
        }
        assert_eq!(self.state, 0, "mutex not left unlocked and clean");
        assert_eq!(self.sema.count(), 0, "a semaphore unit was left over");
        assert_eq!(self.sema.nwait(), 0);
    }
}
