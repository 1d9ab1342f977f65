//! The scheduler's state replayed from its events: every P's `runnext`
//! slot and local ring, the global queue, which Ps are idle, which Ms are
//! parked, and the state of every live G.
//!
//! Design note: this is the model the page replays in `view.js` (`apply`),
//! with its rules: a G leaves whatever queue holds it when it starts; an
//! enqueue puts it in `runnext` (kicking the old one to the ring's tail),
//! the ring or the global queue; an overflow moves half the ring plus the
//! new G to the global queue; a global take and a steal move their batch;
//! and an event that moves more Gs than the model holds counts as a
//! mismatch (the page's `data-mismatch`). The page draws; this counts, so
//! it refines three moments where drawing and counting differ:
//! - the G that a global take or a steal returns runs next and never sits
//!   in the ring (`globrunqget` and `runqsteal` hand it to `execute`): the
//!   model keeps it "in hand" until its GoStart, whereas the page shows it
//!   in the ring for those few events;
//! - a G put on a full ring never fits (the kernel spills it with half the
//!   ring in `runqputslow`): the model holds it as "spilling" until the
//!   Overflow that follows, whereas the page lets the ring show 257;
//! - a G starts from where the kernel takes it (in hand, else `runnext`,
//!   else the ring's head), even when the model holds that G elsewhere:
//!   cores record a move to the global queue before they take its lock, so
//!   the queue's order can differ from the events' and the model may have
//!   taken another G from it. The two Gs swap places in the model (see
//!   `start`); the page takes the G from where it has it.
//!
//! One move has no event: `startm` finding no idle M for a P that sysmon
//! handed off with Gs queued sends them to the global queue. The model
//! notices it later, as a take of Gs it does not hold (a mismatch).
//!
//! A ring never holds more than [`RING`] Gs here. Everything the
//! counters read (see `perfetto/counters.rs` and docs/TRACE.md) is what
//! the events say, changed at the event that records the change.

use std::collections::{HashMap, VecDeque};

use gmp_sched::trace::{Event, Header, Queue};

/// Slots in a P's local ring (the kernel's and Go's `runq`).
pub const RING: usize = 256;

/// Where the model keeps a queued G.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loc {
    Runnext(u32),
    Ring(u32),
    /// Put on a full ring: leaves with the Overflow that follows.
    Spilling(u32),
    /// Returned by a global take or a steal: runs next on this P.
    Hand(u32),
    Global,
}

/// A live G's state, as Go's trace names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GState {
    Runnable,
    Running,
    Waiting,
    Syscall,
}

impl GState {
    /// Every state, in the order of the counters.
    pub const ALL: [GState; 4] = [
        GState::Runnable,
        GState::Running,
        GState::Waiting,
        GState::Syscall,
    ];

    /// Go's name of the state.
    pub fn name(self) -> &'static str {
        match self {
            GState::Runnable => "runnable",
            GState::Running => "running",
            GState::Waiting => "waiting",
            GState::Syscall => "syscall",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A P's state: held by an M, in a blocking call (held by none), or idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PState {
    Idle,
    Running,
    Syscall,
}

/// One P's queues and state.
#[derive(Clone, Debug)]
pub struct P {
    pub state: PState,
    pub runnext: Option<u64>,
    pub ring: VecDeque<u64>,
    spilling: VecDeque<u64>,
    hand: Option<u64>,
}

/// The replayed state.
#[derive(Clone, Debug)]
pub struct Replay {
    /// Every P that can exist (one per core); the first `procs` are in use.
    pub ps: Vec<P>,
    /// GOMAXPROCS now (changed by `ProcsChange`).
    pub procs: usize,
    pub global: VecDeque<u64>,
    /// Live Gs (created and not ended) and their states.
    gs: HashMap<u64, GState>,
    /// Per core: parked in `stopm`.
    pub parked: Vec<bool>,
    /// Gs created and ended (ended Gs leave [`Replay::gs`]).
    pub created: u64,
    pub ended: u64,
    /// Events that moved more Gs than the model held (as the page counts).
    pub mismatch: u64,
    at: HashMap<u64, Loc>,
    /// Live Gs per state, in [`GState::ALL`]'s order, kept with `gs`.
    by_state: [usize; 4],
}

impl Replay {
    /// The state when tracing starts: every P idle (the kernel starts
    /// tracing before it makes its Ps), no G, no M parked.
    pub fn new(h: &Header) -> Replay {
        let p = P {
            state: PState::Idle,
            runnext: None,
            ring: VecDeque::new(),
            spilling: VecDeque::new(),
            hand: None,
        };
        Replay {
            ps: vec![p; h.nprocs.max(h.ncpu) as usize],
            procs: h.nprocs as usize,
            global: VecDeque::new(),
            gs: HashMap::new(),
            parked: vec![false; h.ncpu as usize],
            created: 0,
            ended: 0,
            mismatch: 0,
            at: HashMap::new(),
            by_state: [0; 4],
        }
    }

    /// Ps that are idle.
    pub fn idle_ps(&self) -> usize {
        self.ps[..self.procs.min(self.ps.len())]
            .iter()
            .filter(|p| p.state == PState::Idle)
            .count()
    }

    /// Ms parked.
    pub fn parked_ms(&self) -> usize {
        self.parked.iter().filter(|&&b| b).count()
    }

    /// Gs alive: created (or first seen) and not ended.
    pub fn live(&self) -> usize {
        self.gs.len()
    }

    /// Live Gs in `state`.
    pub fn gs_in(&self, state: GState) -> usize {
        self.by_state[state.index()]
    }

    /// `goid` is now in `state` (`None`: it ended).
    fn set_g(&mut self, goid: u64, state: Option<GState>) {
        let old = match state {
            Some(s) => self.gs.insert(goid, s),
            None => self.gs.remove(&goid),
        };
        if let Some(old) = old {
            self.by_state[old.index()] -= 1;
        }
        if let Some(s) = state {
            self.by_state[s.index()] += 1;
        }
    }

    /// Applies one event (events in time order).
    pub fn apply(&mut self, e: &Event) {
        match *e {
            Event::GoCreate { goid, .. } => {
                self.created += 1;
                self.set_g(goid, Some(GState::Runnable));
            }
            Event::GoStart { p, goid, .. } => {
                self.start(p, goid);
                self.set_g(goid, Some(GState::Running));
            }
            Event::GoStop { goid, .. } | Event::GoUnblock { goid, .. } => {
                self.set_g(goid, Some(GState::Runnable));
            }
            Event::GoBlock { goid, .. } => {
                self.set_g(goid, Some(GState::Waiting));
            }
            Event::GoEnd { goid, .. } => {
                self.ended += 1;
                self.set_g(goid, None);
            }
            Event::GoSyscallBegin { p, goid, .. } => {
                self.set_g(goid, Some(GState::Syscall));
                self.set_p(p, PState::Syscall);
            }
            Event::GoSyscallEnd { p, goid, .. } => {
                // Back with a P it runs on; without one it was queued.
                let st = if p.is_some() {
                    GState::Running
                } else {
                    GState::Runnable
                };
                self.set_g(goid, Some(st));
            }
            Event::ProcStart { p, .. } => self.set_p(p, PState::Running),
            Event::Stack { .. } => {}
            Event::ProcStop { p, .. } | Event::Handoff { p, .. } => self.set_p(p, PState::Idle),
            Event::Enqueue { p, goid, queue, .. } => self.enqueue(p, goid, queue),
            Event::RunnextKick { p, goid, .. } => {
                let Some(p) = self.valid(p) else { return };
                // The enqueue already moved the old runnext to the ring.
                let here = self.at.get(&goid).copied();
                if here != Some(Loc::Ring(p)) && here != Some(Loc::Spilling(p)) {
                    self.mismatch += 1;
                    self.unqueue(goid);
                    self.push_ring(p, goid);
                }
            }
            Event::Overflow { p, count, .. } => {
                if let Some(p) = self.valid(p) {
                    self.overflow(p, count as usize);
                }
            }
            Event::GlobalTake { p, count, .. } => {
                let Some(p) = self.valid(p) else { return };
                let n = count as usize;
                if self.global.len() < n {
                    self.mismatch += 1;
                }
                let got: Vec<u64> = self.global.drain(..n.min(self.global.len())).collect();
                self.take(p, got);
            }
            Event::Steal {
                p,
                victim,
                count,
                runnext,
                ..
            } => {
                if let Some(p) = self.valid(p) {
                    self.steal(p, victim, count as usize, runnext);
                }
            }
            Event::MPark { m, .. } => self.set_parked(m, true),
            Event::MWake { m, .. } => self.set_parked(m, false),
            Event::TimerFire { .. }
            | Event::StwBegin { .. }
            | Event::StwEnd { .. }
            | Event::NetpollReady { .. } => {}
            Event::ProcsChange { procs, .. } => self.procs_change(procs as usize),
        }
    }

    /// GOMAXPROCS becomes `procs`: each destroyed P's `runnext`, then its
    /// ring from the head, goes to the head of the global queue (the
    /// kernel's `procresize`, P by P in id order).
    fn procs_change(&mut self, procs: usize) {
        let procs = procs.min(self.ps.len());
        for i in procs..self.procs.min(self.ps.len()) {
            let pp = &mut self.ps[i];
            let mut batch: Vec<u64> = pp.runnext.take().into_iter().collect();
            batch.extend(pp.ring.drain(..));
            batch.extend(pp.spilling.drain(..));
            batch.extend(pp.hand.take());
            pp.state = PState::Idle;
            for &g in batch.iter().rev() {
                self.global.push_front(g);
                self.at.insert(g, Loc::Global);
            }
        }
        self.procs = procs;
    }

    fn set_p(&mut self, p: Option<u32>, state: PState) {
        if let Some(pp) = p.and_then(|p| self.ps.get_mut(p as usize)) {
            pp.state = state;
        }
    }

    fn set_parked(&mut self, m: u32, parked: bool) {
        if let Some(b) = self.parked.get_mut(m as usize) {
            *b = parked;
        }
    }

    fn p(&mut self, p: u32) -> &mut P {
        &mut self.ps[p as usize]
    }

    fn valid(&self, p: Option<u32>) -> Option<u32> {
        p.filter(|&p| (p as usize) < self.ps.len())
    }

    fn enqueue(&mut self, p: Option<u32>, g: u64, queue: Queue) {
        self.unqueue(g);
        match (queue, self.valid(p)) {
            (Queue::Runnext, Some(p)) => {
                if let Some(old) = self.p(p).runnext.take() {
                    // The kick that follows.
                    self.push_ring(p, old);
                }
                self.p(p).runnext = Some(g);
                self.at.insert(g, Loc::Runnext(p));
            }
            (Queue::Ring, Some(p)) => self.push_ring(p, g),
            _ => {
                self.global.push_back(g);
                self.at.insert(g, Loc::Global);
            }
        }
    }

    /// The ring's tail, or spilling when the ring is full.
    fn push_ring(&mut self, p: u32, g: u64) {
        let pp = self.p(p);
        if pp.ring.len() < RING {
            pp.ring.push_back(g);
            self.at.insert(g, Loc::Ring(p));
        } else {
            pp.spilling.push_back(g);
            self.at.insert(g, Loc::Spilling(p));
        }
    }

    /// Spilling Gs take ring slots that were freed (the events of two cores
    /// can arrive in the other order than the queue saw them).
    fn refill(&mut self, p: u32) {
        while self.p(p).ring.len() < RING
            && let Some(g) = self.p(p).spilling.pop_front()
        {
            self.p(p).ring.push_back(g);
            self.at.insert(g, Loc::Ring(p));
        }
    }

    /// `runqputslow`: the ring's first `count - 1` Gs and the G that did
    /// not fit go to the global queue.
    fn overflow(&mut self, p: u32, count: usize) {
        let held = self.p(p).ring.len() + self.p(p).spilling.len();
        if held < count {
            self.mismatch += 1;
        }
        let pp = self.p(p);
        // The G that did not fit, or (a model that missed it) the ring's
        // newest, as the page takes it.
        let last = pp.spilling.pop_front().or_else(|| pp.ring.pop_back());
        let n = count.saturating_sub(1).min(pp.ring.len());
        let mut batch: Vec<u64> = pp.ring.drain(..n).collect();
        batch.extend(last);
        for g in batch {
            self.global.push_back(g);
            self.at.insert(g, Loc::Global);
        }
        self.refill(p);
    }

    /// A global take or a steal returned `got`: the one that runs next in
    /// hand, the rest to the ring.
    fn take(&mut self, p: u32, got: Vec<u64>) {
        self.put_in_hand(p, got.first().copied());
        for &g in got.iter().skip(1) {
            self.push_ring(p, g);
        }
    }

    /// `runqsteal`: the victim's ring head (or its `runnext`); the last G
    /// taken runs next.
    fn steal(&mut self, p: u32, victim: u32, n: usize, runnext: bool) {
        let Some(v) = self.valid(Some(victim)) else {
            return;
        };
        let mut got: Vec<u64> = if runnext {
            self.p(v).runnext.take().into_iter().collect()
        } else {
            let vp = self.p(v);
            let k = n.min(vp.ring.len());
            vp.ring.drain(..k).collect()
        };
        if got.len() < n {
            self.mismatch += 1;
        }
        self.refill(v);
        let last = got.pop();
        for g in got {
            self.push_ring(p, g);
        }
        self.put_in_hand(p, last);
    }

    fn put_in_hand(&mut self, p: u32, g: Option<u64>) {
        let Some(g) = g else { return };
        if let Some(old) = self.p(p).hand.take() {
            // The last one never started: the model lost track of it.
            self.mismatch += 1;
            self.at.remove(&old);
            self.push_ring(p, old);
        }
        self.p(p).hand = Some(g);
        self.at.insert(g, Loc::Hand(p));
    }

    /// `g` starts on `p`. A queued G starts from where the kernel takes
    /// it: the G in hand after a take or a steal, else `runnext`, else the
    /// ring's head (`runqget`). If the model has `g` somewhere else, two
    /// cores recorded queue moves in another order than they made them
    /// (both record before taking `sched.lock`, so the global queue's order
    /// is the lock's, not the clock's): the G the model has at that place
    /// takes `g`'s place instead, so every queue keeps its true length.
    /// Nothing at that place at all is a mismatch.
    fn start(&mut self, p: Option<u32>, g: u64) {
        let Some(here) = self.at.get(&g).copied() else {
            // Not queued: a park undone by its unlock, a return from a
            // blocking call onto a P.
            return;
        };
        let source = self.valid(p).and_then(|p| self.source(p));
        match source {
            Some((src, _)) if src == here => {}
            Some((src, y)) => {
                self.replace(here, g, y);
                self.replace(src, y, g);
                self.at.insert(y, here);
                self.at.insert(g, src);
            }
            None => self.mismatch += 1,
        }
        self.unqueue(g);
    }

    /// Where the next G `p` runs comes from, and which G the model has there.
    fn source(&self, p: u32) -> Option<(Loc, u64)> {
        let pp = &self.ps[p as usize];
        if let Some(g) = pp.hand {
            return Some((Loc::Hand(p), g));
        }
        if let Some(g) = pp.runnext {
            return Some((Loc::Runnext(p), g));
        }
        pp.ring.front().map(|&g| (Loc::Ring(p), g))
    }

    /// Puts `new` where `old` is at `loc`.
    fn replace(&mut self, loc: Loc, old: u64, new: u64) {
        let swap = |q: &mut VecDeque<u64>| {
            if let Some(x) = q.iter_mut().find(|x| **x == old) {
                *x = new;
            }
        };
        match loc {
            Loc::Runnext(p) => self.p(p).runnext = Some(new),
            Loc::Hand(p) => self.p(p).hand = Some(new),
            Loc::Ring(p) => swap(&mut self.p(p).ring),
            Loc::Spilling(p) => swap(&mut self.p(p).spilling),
            Loc::Global => swap(&mut self.global),
        }
    }

    /// Takes `g` out of whichever queue holds it.
    fn unqueue(&mut self, g: u64) {
        let Some(loc) = self.at.remove(&g) else {
            return;
        };
        let remove = |q: &mut VecDeque<u64>| {
            if let Some(i) = q.iter().position(|&x| x == g) {
                q.remove(i);
            }
        };
        match loc {
            Loc::Runnext(p) => self.p(p).runnext = None,
            Loc::Hand(p) => self.p(p).hand = None,
            Loc::Ring(p) => {
                remove(&mut self.p(p).ring);
                self.refill(p);
            }
            Loc::Spilling(p) => remove(&mut self.p(p).spilling),
            Loc::Global => remove(&mut self.global),
        }
    }
}

#[cfg(test)]
mod tests;
