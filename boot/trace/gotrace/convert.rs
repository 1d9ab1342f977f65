//! One kernel event at a time into Go events, repairing what Go would
//! reject.
//!
//! Design note: each handler first decides, without writing anything,
//! whether the event can be converted *now*: an event may depend on one
//! recorded on another core with a later TSC (a G readied before, by the
//! clock, it blocked; a P started before the other core's stop). Such an
//! event answers [`Step::Wait`] and the merge (`merge.rs`) tries other
//! cores first, exactly as Go's own parser does with sequence numbers.
//! Only when nothing can proceed is an event forced: then a handler repairs
//! conservatively — it synthesizes the missing Go event when one is clearly
//! implied (a GoUnblock before a GoStart of a waiting G), or drops the
//! event — and counts the repair. Nothing is ever written that the parser
//! would reject (see `model.rs`).
//!
//! The kernel's own shapes that need translating rather than repairing:
//! - first sight: a G or P that existed before tracing gets a GoStatus or
//!   ProcStatus before its first event;
//! - `exitsyscall` fast path: the kernel records ProcStart (acquirep) then
//!   GoSyscallEnd; Go keeps the P bound through the syscall, so the
//!   ProcStart of the same P is dropped and GoSyscallEnd written;
//! - a P handed off by sysmon (Handoff) becomes ProcSteal from the
//!   syscalling M, which then ends its syscall with GoSyscallEndBlocked
//!   (then GoStart if it got another P, as Go's `exitsyscall` does). Which
//!   syscalls lose their P is decided up front from the whole input
//!   ([`syscall_losses`]): a Handoff of P belongs to the latest
//!   GoSyscallBegin on P before it.
//!
//! The handlers live with their event family: [`goroutine`] (GoCreate,
//! GoStart, what a running G does next, GoUnblock), [`proc`] (ProcStart,
//! ProcStop, Handoff) and [`syscall`] (which calls lose their P, and
//! GoSyscallEnd); this file holds the state, the dispatch and the repairs
//! they share.

mod goroutine;
mod proc;
mod syscall;

use std::collections::{HashMap, HashSet};

use gmp_sched::trace::Event;

use super::Repairs;
use super::model::{GSt, Model, PSt};
use super::reasons;
use super::wire::{GoStatus, ProcStatus};

use syscall::Sys;
pub use syscall::syscall_losses;

/// Whether an event was converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    /// Depends on an event not converted yet; try another core first.
    Wait,
}

/// The event being converted: what every handler reads of it.
#[derive(Clone, Copy)]
struct At<'a> {
    e: &'a Event,
    /// Its index in the sorted input.
    idx: usize,
    /// Its time as written (`ts - base + 1`).
    ts: u64,
    /// The core that recorded it.
    m: u32,
    /// Nothing else can proceed: repair or drop rather than wait.
    force: bool,
}

/// The conversion state.
pub struct Converter {
    pub model: Model,
    pub repairs: Repairs,
    /// Events with no Go counterpart (queue and M events).
    pub skipped: u64,
    /// Timestamps are written as `ts - base + 1`.
    base: u64,
    lost: HashSet<usize>,
    /// Gs whose GoCreate is still to come.
    pending: HashSet<u64>,
    /// Gs that ended.
    dead: HashSet<u64>,
    sys: HashMap<u32, Sys>,
    /// The stack ID of the input event at an index (`gotrace::convert`).
    pub stack_at: HashMap<usize, u64>,
    /// The start stack ID (the new G's start function) of the GoCreate at
    /// an index (`gotrace::start`).
    pub start_at: HashMap<usize, u64>,
    /// The G whose stop-the-world range is open (Go's STW range belongs to
    /// a running G).
    stw: Option<(u32, u64)>,
}

impl Converter {
    pub fn new(events: &[Event], base: u64) -> Converter {
        let pending = events
            .iter()
            .filter_map(|e| match *e {
                Event::GoCreate { goid, .. } => Some(goid),
                _ => None,
            })
            .collect();
        Converter {
            model: Model::default(),
            repairs: Repairs::default(),
            skipped: 0,
            base,
            lost: syscall_losses(events),
            pending,
            dead: HashSet::new(),
            sys: HashMap::new(),
            stack_at: HashMap::new(),
            start_at: HashMap::new(),
            stw: None,
        }
    }

    fn fix(&mut self, what: impl FnOnce() -> String) {
        self.repairs.synthesized += 1;
        self.repairs.note(what);
    }

    fn drop_event(&mut self, e: &Event, why: &str) -> Step {
        self.repairs.dropped += 1;
        self.repairs.note(|| format!("dropped {e:?}: {why}"));
        Step::Done
    }

    /// `at` depends on an event not converted yet: wait for it, or, when
    /// forced, drop it.
    fn wait_or_drop(&mut self, at: At, why: &str) -> Step {
        if at.force {
            self.drop_event(at.e, why)
        } else {
            Step::Wait
        }
    }

    /// Convert `e` (input index `idx`). With `force`, never wait.
    pub fn step(&mut self, idx: usize, e: &Event, force: bool) -> Step {
        self.model.next_stack = self.stack_at.get(&idx).copied().unwrap_or(0);
        let step = self.step_event(idx, e, force);
        self.model.next_stack = 0;
        step
    }

    fn step_event(&mut self, idx: usize, e: &Event, force: bool) -> Step {
        let at = At {
            e,
            idx,
            ts: e.ts().saturating_sub(self.base) + 1,
            m: e.m(),
            force,
        };
        match *e {
            Event::GoCreate {
                p, goid, parent, ..
            } => self.go_create(at, p, goid, parent),
            Event::GoStart { p, goid, .. } => self.go_start(at, p, goid),
            Event::GoStop {
                p, goid, reason, ..
            } => self.go_exec(at, p, goid, Exec::Stop(reasons::stop(reason))),
            Event::GoBlock {
                p, goid, reason, ..
            } => self.go_exec(at, p, goid, Exec::Block(reasons::block(reason))),
            Event::GoEnd { p, goid, .. } => self.go_exec(at, p, goid, Exec::End),
            Event::GoSyscallBegin { p, goid, .. } => self.go_exec(at, p, goid, Exec::Syscall),
            Event::GoSyscallEnd { p, goid, .. } => self.go_syscall_end(at, p, goid),
            Event::GoUnblock { goid, .. } => self.go_unblock(at, goid),
            Event::ProcStart { p, .. } => self.proc_start(at, p),
            Event::ProcStop { p, .. } => self.proc_stop(at, p),
            Event::Handoff { p, .. } => self.handoff(at, p),
            Event::StwBegin { reason, .. } => self.stw_begin(at, reason.as_str()),
            Event::StwEnd { .. } => self.stw_end(at),
            Event::ProcsChange { procs, .. } => {
                self.model.procs_change(at.m, at.ts, procs);
                Step::Done
            }
            Event::Enqueue { .. }
            | Event::RunnextKick { .. }
            | Event::Steal { .. }
            | Event::Overflow { .. }
            | Event::GlobalTake { .. }
            | Event::MPark { .. }
            | Event::MWake { .. }
            | Event::TimerFire { .. }
            | Event::Stack { .. }
            | Event::NetpollReady { .. } => {
                self.skipped += 1;
                Step::Done
            }
        }
    }

    /// A stop-the-world begins on `m`: a range on its running G.
    fn stw_begin(&mut self, at: At, reason: &str) -> Step {
        let At { e, ts, m, .. } = at;
        match self.model.m(m).g {
            Some(g) if self.stw.is_none() => {
                self.stw = Some((m, g));
                self.model.stw_begin(m, ts, reason);
                Step::Done
            }
            _ => self.drop_event(e, "STW begin without a running G or inside another"),
        }
    }

    /// The stop-the-world of `m`'s G ends.
    fn stw_end(&mut self, at: At) -> Step {
        let At { e, ts, m, .. } = at;
        match self.stw {
            Some((sm, g)) if sm == m && self.model.m(m).g == Some(g) => {
                self.stw = None;
                self.model.stw_end(m, ts);
                Step::Done
            }
            _ => self.drop_event(e, "STW end without its begin on this G"),
        }
    }

    // --- readiness (no side effects) -------------------------------------

    /// Can `m` take P `p` now? (Busy on another M: not yet.)
    fn p_free_for(&self, m: u32, p: u32) -> bool {
        match self.model.p(p) {
            None | Some(PSt::Idle) => true,
            Some(PSt::Running(x)) | Some(PSt::Syscall(x)) => x == m,
        }
    }

    /// Did G `g` end (so events about it are dropped)?
    fn g_dead(&self, g: u64) -> bool {
        self.dead.contains(&g)
    }

    // --- shared repairs --------------------------------------------------

    /// End the syscall of `m`'s G (which is in one): with its P if it still
    /// has it, else blocked.
    fn end_syscall(&mut self, m: u32, ts: u64) {
        let ms = self.model.m(m);
        let keeps =
            ms.p.is_some_and(|q| self.model.p(q) == Some(PSt::Syscall(m)));
        if keeps {
            self.model.go_syscall_end(m, ts);
        } else {
            self.model.go_syscall_end_blocked(m, ts);
        }
        self.sys.remove(&m);
    }

    /// Make `m` hold P `p`, running (`p_free_for` checked).
    fn bind_p(&mut self, m: u32, ts: u64, p: u32) {
        if let Some(q) = self.model.m(m).p {
            match self.model.p(q) {
                Some(PSt::Running(_)) if q == p => return,
                Some(PSt::Syscall(_)) => {
                    self.fix(|| format!("M{m}: P{q} left its syscall state unannounced"));
                    self.model.proc_steal(m, ts, q);
                }
                _ => {
                    self.fix(|| format!("M{m}: moved from P{q} to P{p} without ProcStop"));
                    self.model.proc_stop(m, ts);
                }
            }
        }
        match self.model.p(p) {
            None => self.model.proc_status(m, ts, p, ProcStatus::Running),
            Some(PSt::Idle) => {
                self.fix(|| format!("M{m}: used P{p} without ProcStart"));
                self.model.proc_start(m, ts, p);
            }
            Some(st) => unreachable!("bind_p: P{p} is {st:?}"),
        }
    }

    /// Make `g` the running G of `m`, holding P `p` (readiness checked).
    fn ensure_running(&mut self, m: u32, ts: u64, p: u32, g: u64) {
        if let Some(x) = self.model.m(m).g
            && self.model.g(x) == Some(GSt::Syscall(m))
        {
            self.fix(|| format!("M{m}: G{x} left its syscall unannounced"));
            self.end_syscall(m, ts);
        }
        self.bind_p(m, ts, p);
        if let Some(x) = self.model.m(m).g
            && x != g
        {
            self.fix(|| format!("M{m}: G{x} stopped unannounced before G{g}"));
            self.model.go_stop(m, ts, "unspecified");
        }
        if self.model.m(m).g == Some(g) {
            return;
        }
        match self.model.g(g) {
            None => {
                self.pending.remove(&g);
                self.model.go_status(m, ts, g, GoStatus::Running);
            }
            Some(GSt::Runnable) => {
                self.fix(|| format!("M{m}: G{g} ran without GoStart"));
                self.model.go_start(m, ts, g);
            }
            Some(GSt::Waiting) => {
                self.fix(|| format!("M{m}: G{g} ran without GoUnblock and GoStart"));
                self.model.go_unblock(m, ts, g);
                self.model.go_start(m, ts, g);
            }
            Some(st) => unreachable!("ensure_running: G{g} is {st:?}"),
        }
    }
}

/// What a running G does next (the events that need it on this M).
#[derive(Clone, Copy, Debug)]
enum Exec {
    Stop(&'static str),
    Block(&'static str),
    End,
    Syscall,
}
