//! What Go's trace parser believes, mirrored: every G, P and M's state and
//! sequence number, changed only by emitting the Go event that changes it.
//!
//! Design note: Go's parser (`internal/trace/order.go`) replays a trace
//! through a small state machine and rejects any event whose preconditions
//! fail. Each method here writes exactly one Go event into its M's stream
//! and applies exactly the transition the parser will apply, so the rest of
//! the converter can ask "what does Go think now?" before deciding what to
//! write. The preconditions are `debug_assert`ed: the callers
//! (`convert.rs` and `convert/`) must only call a method when Go would
//! accept the event, and the tests run Go's parser over the output to
//! prove it.
//!
//! The rules mirrored (Go 1.22+): a G needs a status before anything but
//! GoCreate mentions it (GoStatus, allowed anywhere in the first
//! generation); GoStart/GoUnblock carry the G's next sequence number and
//! need it Runnable/Waiting; GoStop/GoBlock/GoDestroy/GoSyscallBegin/End
//! act on the G bound to the emitting M, which must also hold a P; a P
//! needs a status (ProcStatus) before ProcStart (which needs it Idle and its
//! next sequence number, on an M holding no P); GoSyscallBegin bumps the
//! P's sequence and leaves it in Syscall, still bound to the M, until
//! GoSyscallEnd (same M takes it back), ProcSteal (another M takes it: the
//! syscalling M loses it) or ProcStop.

use std::collections::{BTreeMap, HashMap};

use super::wire::{GoStatus, NO_THREAD, ProcStatus, Stream, Strings, ev};

/// A G's state as Go sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GSt {
    Runnable,
    /// Running on M.
    Running(u32),
    /// In a syscall on M.
    Syscall(u32),
    Waiting,
}

type GState = Numbered<GSt>;

/// The "M" of a P first seen in a syscall on an M we never saw.
pub const ABANDONED: u32 = u32::MAX;

/// A P's state as Go sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PSt {
    Idle,
    /// Held by M.
    Running(u32),
    /// Its M's G is in a syscall; still bound to M.
    Syscall(u32),
}

type PState = Numbered<PSt>;

/// A G's or P's state and its sequence number: Go's parser orders the
/// transitions of one G or P by that number, so each transition Go numbers
/// goes through [`Numbered::advance`].
#[derive(Clone, Copy, Debug)]
struct Numbered<S> {
    st: S,
    seq: u64,
}

impl<S> Numbered<S> {
    /// First seen in `st`, before any numbered transition.
    fn new(st: S) -> Numbered<S> {
        Numbered { st, seq: 0 }
    }

    /// Moves to `st` and returns the transition's sequence number.
    fn advance(&mut self, st: S) -> u64 {
        self.st = st;
        self.seq += 1;
        self.seq
    }
}

/// What an M is bound to, as Go sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct MState {
    /// The P bound to the M (Running or Syscall).
    pub p: Option<u32>,
    /// The G bound to the M (Running or Syscall).
    pub g: Option<u64>,
}

/// The mirrored parser state and the streams being written.
#[derive(Debug, Default)]
pub struct Model {
    gs: HashMap<u64, GState>,
    ps: HashMap<u32, PState>,
    ms: HashMap<u32, MState>,
    streams: BTreeMap<u32, Stream>,
    pub strings: Strings,
    /// Distinct goroutines that appeared.
    pub goroutines: u64,
    /// The stack ID the next stack-taking event (GoCreate, GoUnblock,
    /// GoStop, GoBlock, GoSyscallBegin) carries, taken by it; 0: none.
    pub next_stack: u64,
}

impl Model {
    /// Go's view of G `g` (None: never mentioned, or destroyed).
    pub fn g(&self, g: u64) -> Option<GSt> {
        self.gs.get(&g).map(|s| s.st)
    }

    /// Go's view of P `p` (None: never mentioned).
    pub fn p(&self, p: u32) -> Option<PSt> {
        self.ps.get(&p).map(|s| s.st)
    }

    /// Go's view of M `m`.
    pub fn m(&self, m: u32) -> MState {
        self.ms.get(&m).copied().unwrap_or_default()
    }

    fn m_mut(&mut self, m: u32) -> &mut MState {
        self.ms.entry(m).or_default()
    }

    /// The stack for the event being written (see [`Model::next_stack`]).
    fn stack(&mut self) -> u64 {
        std::mem::take(&mut self.next_stack)
    }

    fn emit(&mut self, m: u32, ts: u64, typ: u8, args: &[u64]) {
        self.streams
            .entry(m)
            .or_insert_with(|| Stream::new(m as u64))
            .event(ts, typ, args);
    }

    /// Append every M's batches to `out`.
    pub fn finish(&self, out: &mut Vec<u8>) {
        for s in self.streams.values() {
            if !s.is_empty() {
                s.finish(out);
            }
        }
    }

    // --- Ps ---------------------------------------------------------------

    /// ProcStatus for a P never mentioned. Running/Syscall bind it to `m`.
    pub fn proc_status(&mut self, m: u32, ts: u64, p: u32, status: ProcStatus) {
        debug_assert!(!self.ps.contains_key(&p), "P{p} status twice");
        let st = match status {
            ProcStatus::Running => PSt::Running(m),
            ProcStatus::Syscall => PSt::Syscall(m),
            ProcStatus::Idle => PSt::Idle,
            // In a syscall on an M we never saw: only a ProcSteal may
            // follow (see `proc_steal`).
            ProcStatus::SyscallAbandoned => PSt::Syscall(ABANDONED),
        };
        if matches!(status, ProcStatus::Running | ProcStatus::Syscall) {
            debug_assert!(self.m(m).p.is_none(), "M{m} already has a P");
            self.m_mut(m).p = Some(p);
        }
        self.ps.insert(p, PState::new(st));
        self.emit(m, ts, ev::PROC_STATUS, &[p as u64, status as u64]);
    }

    /// ProcStart: M `m` (holding no P) takes idle P `p`.
    pub fn proc_start(&mut self, m: u32, ts: u64, p: u32) {
        debug_assert!(self.m(m).p.is_none(), "ProcStart on M{m} holding a P");
        let s = self.ps.get_mut(&p).expect("ProcStart of unknown P");
        debug_assert_eq!(s.st, PSt::Idle, "ProcStart of busy P{p}");
        let seq = s.advance(PSt::Running(m));
        self.m_mut(m).p = Some(p);
        self.emit(m, ts, ev::PROC_START, &[p as u64, seq]);
    }

    /// ProcStop: M `m` gives up its P.
    pub fn proc_stop(&mut self, m: u32, ts: u64) {
        let p = self.m(m).p.expect("ProcStop without a P");
        let s = self.ps.get_mut(&p).expect("ProcStop of unknown P");
        debug_assert!(matches!(s.st, PSt::Running(x) | PSt::Syscall(x) if x == m));
        s.st = PSt::Idle;
        self.m_mut(m).p = None;
        self.emit(m, ts, ev::PROC_STOP, &[]);
    }

    /// ProcSteal: M `m` takes P `p` out of a syscall on M `victim` (which
    /// may be `m` itself); the P ends Idle and the victim loses it.
    pub fn proc_steal(&mut self, m: u32, ts: u64, p: u32) {
        let s = self.ps.get_mut(&p).expect("ProcSteal of unknown P");
        let victim = match s.st {
            PSt::Syscall(v) => v,
            other => panic!("ProcSteal of P{p} in {other:?}"),
        };
        let seq = s.advance(PSt::Idle);
        let victim_arg = if victim == ABANDONED {
            // Abandoned: Go ignores the M.
            m as u64
        } else {
            if let Some(ms) = self.ms.get_mut(&victim) {
                debug_assert_eq!(ms.p, Some(p));
                ms.p = None;
            }
            victim as u64
        };
        self.emit(m, ts, ev::PROC_STEAL, &[p as u64, seq, victim_arg]);
    }

    // --- Gs ---------------------------------------------------------------

    /// GoStatus for a G never mentioned. Running/Syscall bind it to `m`.
    pub fn go_status(&mut self, m: u32, ts: u64, g: u64, status: GoStatus) {
        debug_assert!(!self.gs.contains_key(&g), "G{g} status twice");
        let (st, mid) = match status {
            GoStatus::Runnable => (GSt::Runnable, NO_THREAD),
            GoStatus::Waiting => (GSt::Waiting, NO_THREAD),
            GoStatus::Running => (GSt::Running(m), m as u64),
            GoStatus::Syscall => (GSt::Syscall(m), m as u64),
        };
        if matches!(st, GSt::Running(_) | GSt::Syscall(_)) {
            debug_assert!(self.m(m).g.is_none(), "M{m} already has a G");
            self.m_mut(m).g = Some(g);
        }
        self.gs.insert(g, GState::new(st));
        self.goroutines += 1;
        self.emit(m, ts, ev::GO_STATUS, &[g, mid, status as u64]);
    }

    /// GoCreate: the G (if any) running on `m`, holding a P, creates `g`,
    /// whose start function is the stack `start` (0: none).
    pub fn go_create(&mut self, m: u32, ts: u64, g: u64, start: u64) {
        debug_assert!(!self.gs.contains_key(&g), "GoCreate of known G{g}");
        debug_assert!(self.m(m).p.is_some(), "GoCreate without a P");
        self.gs.insert(g, GState::new(GSt::Runnable));
        self.goroutines += 1;
        let st = self.stack();
        self.emit(m, ts, ev::GO_CREATE, &[g, start, st]);
    }

    /// GoStart: runnable `g` runs on `m` (holding a P, no G).
    pub fn go_start(&mut self, m: u32, ts: u64, g: u64) {
        debug_assert!(self.m(m).p.is_some() && self.m(m).g.is_none());
        let s = self.gs.get_mut(&g).expect("GoStart of unknown G");
        debug_assert_eq!(s.st, GSt::Runnable, "GoStart of G{g}");
        let seq = s.advance(GSt::Running(m));
        self.m_mut(m).g = Some(g);
        self.emit(m, ts, ev::GO_START, &[g, seq]);
    }

    /// GoUnblock: waiting `g` becomes runnable (any M, any context).
    pub fn go_unblock(&mut self, m: u32, ts: u64, g: u64) {
        let s = self.gs.get_mut(&g).expect("GoUnblock of unknown G");
        debug_assert_eq!(s.st, GSt::Waiting, "GoUnblock of G{g}");
        let seq = s.advance(GSt::Runnable);
        let st = self.stack();
        self.emit(m, ts, ev::GO_UNBLOCK, &[g, seq, st]);
    }

    /// The running G of `m` (which holds a P), checked.
    fn running(&self, m: u32) -> u64 {
        let ms = self.m(m);
        debug_assert!(ms.p.is_some(), "M{m} has no P");
        let g = ms.g.expect("no G on M");
        debug_assert_eq!(self.g(g), Some(GSt::Running(m)));
        g
    }

    /// ProcsChange: GOMAXPROCS is now `procs` (no stack).
    pub fn procs_change(&mut self, m: u32, ts: u64, procs: u32) {
        self.emit(m, ts, ev::PROCS_CHANGE, &[u64::from(procs), 0]);
    }

    /// STWBegin: `m`'s G stops the world for `reason` (a range on that G;
    /// no stack).
    pub fn stw_begin(&mut self, m: u32, ts: u64, reason: &str) {
        let r = self.strings.id(reason);
        self.emit(m, ts, ev::STW_BEGIN, &[r, 0]);
    }

    /// STWEnd: the world runs again.
    pub fn stw_end(&mut self, m: u32, ts: u64) {
        self.emit(m, ts, ev::STW_END, &[]);
    }

    /// GoStop: `m`'s G yields, staying runnable.
    pub fn go_stop(&mut self, m: u32, ts: u64, reason: &str) {
        self.stop_running(m, ts, GSt::Runnable, ev::GO_STOP, reason);
    }

    /// GoBlock: `m`'s G waits.
    pub fn go_block(&mut self, m: u32, ts: u64, reason: &str) {
        self.stop_running(m, ts, GSt::Waiting, ev::GO_BLOCK, reason);
    }

    /// `m`'s G leaves it in state `st` for `reason`: GoStop and GoBlock
    /// differ only in that state and their type (both carry the reason's
    /// string and a stack).
    fn stop_running(&mut self, m: u32, ts: u64, st: GSt, ty: u8, reason: &str) {
        let g = self.running(m);
        self.gs.get_mut(&g).expect("known").st = st;
        self.m_mut(m).g = None;
        let r = self.strings.id(reason);
        let stack = self.stack();
        self.emit(m, ts, ty, &[r, stack]);
    }

    /// GoDestroy: `m`'s G exits.
    pub fn go_destroy(&mut self, m: u32, ts: u64) {
        let g = self.running(m);
        self.gs.remove(&g);
        self.m_mut(m).g = None;
        self.emit(m, ts, ev::GO_DESTROY, &[]);
    }

    /// GoSyscallBegin: `m`'s G enters a syscall; its P goes to Syscall.
    pub fn go_syscall_begin(&mut self, m: u32, ts: u64) {
        let g = self.running(m);
        let p = self.m(m).p.expect("P");
        self.gs.get_mut(&g).expect("known").st = GSt::Syscall(m);
        let s = self.ps.get_mut(&p).expect("known P");
        let seq = s.advance(PSt::Syscall(m));
        let st = self.stack();
        self.emit(m, ts, ev::GO_SYSCALL_BEGIN, &[seq, st]);
    }

    /// GoSyscallEnd: `m`'s G returns with the P it entered with.
    pub fn go_syscall_end(&mut self, m: u32, ts: u64) {
        let ms = self.m(m);
        let (g, p) = (ms.g.expect("G"), ms.p.expect("P"));
        debug_assert_eq!(self.g(g), Some(GSt::Syscall(m)));
        debug_assert_eq!(self.p(p), Some(PSt::Syscall(m)));
        self.gs.get_mut(&g).expect("known").st = GSt::Running(m);
        self.ps.get_mut(&p).expect("known").st = PSt::Running(m);
        self.emit(m, ts, ev::GO_SYSCALL_END, &[]);
    }

    /// GoSyscallEndBlocked: `m`'s G returns having lost its P; it is
    /// runnable and no longer on `m`.
    pub fn go_syscall_end_blocked(&mut self, m: u32, ts: u64) {
        let ms = self.m(m);
        let g = ms.g.expect("G");
        debug_assert_eq!(self.g(g), Some(GSt::Syscall(m)));
        debug_assert!(ms.p.is_none_or(|p| !matches!(self.p(p), Some(PSt::Syscall(_)))));
        self.gs.get_mut(&g).expect("known").st = GSt::Runnable;
        self.m_mut(m).g = None;
        self.emit(m, ts, ev::GO_SYSCALL_END_BLOCKED, &[]);
    }
}
