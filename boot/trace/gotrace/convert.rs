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

use std::collections::{HashMap, HashSet};

use gmp_sched::trace::Event;

use super::Repairs;
use super::model::{GSt, Model, PSt};
use super::reasons;
use super::wire::{GoStatus, ProcStatus};

/// Whether an event was converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Done,
    /// Depends on an event not converted yet; try another core first.
    Wait,
}

/// Indices (into the sorted input) of the GoSyscallBegin events whose P
/// sysmon handed off during the call.
pub fn syscall_losses(events: &[Event]) -> HashSet<usize> {
    let mut open: HashMap<u32, usize> = HashMap::new();
    let mut lost = HashSet::new();
    for (i, e) in events.iter().enumerate() {
        match *e {
            Event::GoSyscallBegin { p: Some(p), .. } => {
                open.insert(p, i);
            }
            Event::Handoff { p: Some(p), .. } => {
                if let Some(b) = open.remove(&p) {
                    lost.insert(b);
                }
            }
            _ => {}
        }
    }
    lost
}

/// Per-M facts about the syscall in progress, from the kernel's side.
#[derive(Clone, Copy, Debug, Default)]
struct Sys {
    /// Its P is (or will be) handed off.
    lost: bool,
    /// The fast path's ProcStart of the same P was seen (and dropped).
    reacquired: bool,
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

    /// Convert `e` (input index `idx`). With `force`, never wait.
    pub fn step(&mut self, idx: usize, e: &Event, force: bool) -> Step {
        let ts = e.ts().saturating_sub(self.base) + 1;
        match *e {
            Event::GoCreate {
                m, p, goid, parent, ..
            } => self.go_create(e, ts, m, p, goid, parent, force),
            Event::GoStart { m, p, goid, .. } => self.go_start(e, ts, m, p, goid, force),
            Event::GoStop {
                m, p, goid, reason, ..
            } => self.go_exec(
                e,
                ts,
                m,
                p,
                goid,
                force,
                Exec::Stop(reasons::stop(reason)),
                idx,
            ),
            Event::GoBlock {
                m, p, goid, reason, ..
            } => self.go_exec(
                e,
                ts,
                m,
                p,
                goid,
                force,
                Exec::Block(reasons::block(reason)),
                idx,
            ),
            Event::GoEnd { m, p, goid, .. } => {
                self.go_exec(e, ts, m, p, goid, force, Exec::End, idx)
            }
            Event::GoSyscallBegin { m, p, goid, .. } => {
                self.go_exec(e, ts, m, p, goid, force, Exec::Syscall, idx)
            }
            Event::GoSyscallEnd { m, p, goid, .. } => self.go_syscall_end(e, ts, m, p, goid, force),
            Event::GoUnblock { m, goid, .. } => self.go_unblock(e, ts, m, goid, force),
            Event::ProcStart { m, p, .. } => self.proc_start(e, ts, m, p, force),
            Event::ProcStop { m, p, .. } => self.proc_stop(e, ts, m, p),
            Event::Handoff { m, p, .. } => self.handoff(e, ts, m, p, force),
            Event::Enqueue { .. }
            | Event::RunnextKick { .. }
            | Event::Steal { .. }
            | Event::Overflow { .. }
            | Event::GlobalTake { .. }
            | Event::MPark { .. }
            | Event::MWake { .. }
            | Event::TimerFire { .. } => {
                self.skipped += 1;
                Step::Done
            }
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

    // --- handlers ----------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn go_create(
        &mut self,
        e: &Event,
        ts: u64,
        m: u32,
        p: Option<u32>,
        g: u64,
        parent: u64,
        force: bool,
    ) -> Step {
        if self.model.g(g).is_some() || self.g_dead(g) {
            return self.drop_event(e, "G already exists");
        }
        let creator_ok = self
            .model
            .m(m)
            .g
            .is_none_or(|x| self.model.g(x) == Some(GSt::Running(m)));
        let Some(p) = p.filter(|_| creator_ok) else {
            // Created without a P (or from a syscall): Go cannot say
            // GoCreate there, but a runnable status says the same.
            self.pending.remove(&g);
            self.model.go_status(m, ts, g, GoStatus::Runnable);
            return Step::Done;
        };
        if !self.p_free_for(m, p) {
            if !force {
                return Step::Wait;
            }
            self.fix(|| format!("M{m}: G{g} created on busy P{p}; shown as runnable"));
            self.pending.remove(&g);
            self.model.go_status(m, ts, g, GoStatus::Runnable);
            return Step::Done;
        }
        self.pending.remove(&g);
        self.bind_p(m, ts, p);
        if parent != 0
            && parent != g
            && self.model.m(m).g.is_none()
            && self.model.g(parent).is_none()
            && !self.pending.contains(&parent)
            && !self.g_dead(parent)
        {
            // The creator was running before tracing began.
            self.model.go_status(m, ts, parent, GoStatus::Running);
        }
        self.model.go_create(m, ts, g);
        Step::Done
    }

    fn go_start(
        &mut self,
        e: &Event,
        ts: u64,
        m: u32,
        p: Option<u32>,
        g: u64,
        force: bool,
    ) -> Step {
        let Some(p) = p else {
            return self.drop_event(e, "GoStart without a P");
        };
        if self.g_dead(g) {
            return self.drop_event(e, "G already ended");
        }
        let mut unblock = false;
        match self.model.g(g) {
            None if self.pending.contains(&g) => {
                if !force {
                    return Step::Wait;
                }
                self.fix(|| format!("M{m}: G{g} started before its GoCreate"));
            }
            None | Some(GSt::Runnable) => {}
            Some(GSt::Waiting) => {
                if !force {
                    return Step::Wait;
                }
                unblock = true;
            }
            Some(GSt::Running(x)) | Some(GSt::Syscall(x)) => {
                if x == m {
                    return self.drop_event(e, "G already running here");
                }
                if !force {
                    return Step::Wait;
                }
                return self.drop_event(e, "G running on another M");
            }
        }
        if !self.p_free_for(m, p) {
            if !force {
                return Step::Wait;
            }
            return self.drop_event(e, "P held by another M");
        }
        if let Some(x) = self.model.m(m).g
            && self.model.g(x) == Some(GSt::Syscall(m))
        {
            self.fix(|| format!("M{m}: G{x} left its syscall unannounced"));
            self.end_syscall(m, ts);
        }
        self.bind_p(m, ts, p);
        if let Some(x) = self.model.m(m).g {
            self.fix(|| format!("M{m}: G{x} stopped unannounced before G{g}"));
            self.model.go_stop(m, ts, "unspecified");
        }
        if self.model.g(g).is_none() {
            self.pending.remove(&g);
            self.model.go_status(m, ts, g, GoStatus::Runnable);
        }
        if unblock {
            self.fix(|| format!("M{m}: G{g} started without GoUnblock"));
            self.model.go_unblock(m, ts, g);
        }
        self.model.go_start(m, ts, g);
        Step::Done
    }

    #[allow(clippy::too_many_arguments)]
    fn go_exec(
        &mut self,
        e: &Event,
        ts: u64,
        m: u32,
        p: Option<u32>,
        g: u64,
        force: bool,
        what: Exec,
        idx: usize,
    ) -> Step {
        let Some(p) = p.or(self.model.m(m).p) else {
            return self.drop_event(e, "no P");
        };
        if self.g_dead(g) {
            return self.drop_event(e, "G already ended");
        }
        let wait = match self.model.g(g) {
            None => self.pending.contains(&g),
            Some(GSt::Running(x)) | Some(GSt::Syscall(x)) => x != m,
            Some(GSt::Runnable) | Some(GSt::Waiting) => false,
        } || !self.p_free_for(m, p);
        if wait {
            if !force {
                return Step::Wait;
            }
            return self.drop_event(e, "G or P busy on another M");
        }
        self.ensure_running(m, ts, p, g);
        match what {
            Exec::Stop(r) => self.model.go_stop(m, ts, r),
            Exec::Block(r) => self.model.go_block(m, ts, r),
            Exec::End => {
                self.model.go_destroy(m, ts);
                self.dead.insert(g);
            }
            Exec::Syscall => {
                self.model.go_syscall_begin(m, ts);
                let lost = self.lost.contains(&idx);
                self.sys.insert(
                    m,
                    Sys {
                        lost,
                        reacquired: false,
                    },
                );
            }
        }
        Step::Done
    }

    fn go_unblock(&mut self, e: &Event, ts: u64, m: u32, g: u64, force: bool) -> Step {
        if self.g_dead(g) {
            return self.drop_event(e, "G already ended");
        }
        match self.model.g(g) {
            Some(GSt::Waiting) => {}
            None if !self.pending.contains(&g) => {
                self.model.go_status(m, ts, g, GoStatus::Waiting);
            }
            _ => {
                if !force {
                    return Step::Wait;
                }
                return self.drop_event(e, "G is not waiting");
            }
        }
        self.model.go_unblock(m, ts, g);
        Step::Done
    }

    fn proc_start(&mut self, e: &Event, ts: u64, m: u32, p: Option<u32>, force: bool) -> Step {
        let Some(p) = p else {
            return self.drop_event(e, "ProcStart without a P");
        };
        let ms = self.model.m(m);
        let in_syscall =
            ms.g.is_some_and(|g| self.model.g(g) == Some(GSt::Syscall(m)));
        let sys_p =
            ms.p.filter(|&q| in_syscall && self.model.p(q) == Some(PSt::Syscall(m)));
        let sys = self.sys.get(&m).copied().unwrap_or_default();
        if let Some(q) = sys_p
            && !sys.lost
            && q == p
        {
            // exitsyscall's fast path: Go never let go of the P.
            self.sys.entry(m).or_default().reacquired = true;
            return Step::Done;
        }
        match self.model.p(p) {
            Some(PSt::Running(x)) if x == m => {
                return self.drop_event(e, "P already held here");
            }
            _ if !self.p_free_for(m, p) => {
                if !force {
                    return Step::Wait;
                }
                return self.drop_event(e, "P held by another M");
            }
            _ => {}
        }
        if let Some(q) = sys_p {
            if sys.lost && !force {
                // Wait for sysmon's Handoff of q.
                return Step::Wait;
            }
            self.fix(|| format!("M{m}: P{q} left its syscall without a Handoff"));
            self.model.proc_steal(m, ts, q);
        }
        if let Some(q) = self.model.m(m).p {
            if self.model.p(q) == Some(PSt::Syscall(m)) {
                self.fix(|| format!("M{m}: P{q} left its syscall state unannounced"));
                self.model.proc_steal(m, ts, q);
            } else {
                self.fix(|| format!("M{m}: moved from P{q} to P{p} without ProcStop"));
                self.model.proc_stop(m, ts);
            }
        }
        if self.model.p(p).is_none() {
            self.model.proc_status(m, ts, p, ProcStatus::Idle);
        }
        self.model.proc_start(m, ts, p);
        Step::Done
    }

    fn proc_stop(&mut self, e: &Event, ts: u64, m: u32, p: Option<u32>) -> Step {
        let Some(p) = p else {
            return self.drop_event(e, "ProcStop without a P");
        };
        let held = self.model.m(m).p;
        if held.is_none() && self.model.p(p).is_none() {
            // Held since before tracing began.
            self.model.proc_status(m, ts, p, ProcStatus::Running);
        } else if held != Some(p) {
            return self.drop_event(e, "P not held by this M");
        }
        self.model.proc_stop(m, ts);
        Step::Done
    }

    fn handoff(&mut self, e: &Event, ts: u64, m: u32, p: Option<u32>, force: bool) -> Step {
        let Some(p) = p else {
            return self.drop_event(e, "Handoff without a P");
        };
        match self.model.p(p) {
            Some(PSt::Syscall(_)) => {}
            None => self
                .model
                .proc_status(m, ts, p, ProcStatus::SyscallAbandoned),
            Some(_) => {
                if !force {
                    return Step::Wait;
                }
                return self.drop_event(e, "P not in a syscall");
            }
        }
        self.model.proc_steal(m, ts, p);
        Step::Done
    }

    fn go_syscall_end(
        &mut self,
        e: &Event,
        ts: u64,
        m: u32,
        p: Option<u32>,
        g: u64,
        force: bool,
    ) -> Step {
        if self.g_dead(g) {
            return self.drop_event(e, "G already ended");
        }
        let ms = self.model.m(m);
        match self.model.g(g) {
            Some(GSt::Syscall(x)) if x == m => {}
            None if ms.g.is_none() && !self.pending.contains(&g) => {
                // In a syscall since before tracing began.
                if let Some(p) = p
                    && ms.p.is_none()
                    && self.model.p(p).is_none()
                {
                    self.model.proc_status(m, ts, p, ProcStatus::Syscall);
                    self.model.go_status(m, ts, g, GoStatus::Syscall);
                    self.model.go_syscall_end(m, ts);
                    return Step::Done;
                }
                let mut p = p;
                if p.is_some_and(|p| !self.p_free_for(m, p)) {
                    if !force {
                        return Step::Wait;
                    }
                    self.fix(|| {
                        format!("M{m}: G{g} left its syscall onto a busy P; shown runnable")
                    });
                    p = None;
                }
                self.model.go_status(m, ts, g, GoStatus::Syscall);
                return self.syscall_end_without_p(m, ts, p, g);
            }
            _ => return self.drop_event(e, "G not in a syscall on this M"),
        }
        let sys_p = ms.p.filter(|&q| self.model.p(q) == Some(PSt::Syscall(m)));
        let sys = self.sys.get(&m).copied().unwrap_or_default();
        if let Some(q) = sys_p
            && !sys.lost
            && (p == Some(q) || sys.reacquired)
        {
            self.model.go_syscall_end(m, ts);
            self.sys.remove(&m);
            return Step::Done;
        }
        if let Some(p) = p
            && !self.p_free_for(m, p)
        {
            if !force {
                return Step::Wait;
            }
            self.fix(|| format!("M{m}: G{g} left its syscall onto busy P{p}; shown runnable"));
            if let Some(q) = self.model.m(m).p.filter(|_| sys_p.is_some()) {
                self.model.proc_steal(m, ts, q);
            }
            self.model.go_syscall_end_blocked(m, ts);
            self.sys.remove(&m);
            return Step::Done;
        }
        if let Some(q) = sys_p {
            if sys.lost && !force {
                // Wait for sysmon's Handoff of q.
                return Step::Wait;
            }
            self.fix(|| format!("M{m}: P{q} left G{g}'s syscall without a Handoff"));
            self.model.proc_steal(m, ts, q);
        }
        self.syscall_end_without_p(m, ts, p, g)
    }

    /// `m`'s G `g` leaves a syscall whose P it lost; it runs on at once if
    /// the kernel says `m` holds a P (`p_free_for` checked).
    fn syscall_end_without_p(&mut self, m: u32, ts: u64, p: Option<u32>, g: u64) -> Step {
        if let Some(p) = p {
            self.bind_p(m, ts, p);
        }
        self.model.go_syscall_end_blocked(m, ts);
        if p.is_some() {
            self.model.go_start(m, ts, g);
        }
        self.sys.remove(&m);
        Step::Done
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
