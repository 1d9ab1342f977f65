//! Blocking calls: which of them lose their P to sysmon (decided up front
//! from the whole input), and how each one ends.

use std::collections::{HashMap, HashSet};

use gmp_sched::trace::Event;

use super::super::model::{GSt, PSt};
use super::super::wire::{GoStatus, ProcStatus};
use super::{At, Converter, Step};

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
pub(super) struct Sys {
    /// Its P is (or will be) handed off.
    pub(super) lost: bool,
    /// The fast path's ProcStart of the same P was seen (and dropped).
    pub(super) reacquired: bool,
}

impl Converter {
    pub(super) fn go_syscall_end(&mut self, at: At, p: Option<u32>, g: u64) -> Step {
        let At {
            e, ts, m, force, ..
        } = at;
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
    pub(super) fn syscall_end_without_p(
        &mut self,
        m: u32,
        ts: u64,
        p: Option<u32>,
        g: u64,
    ) -> Step {
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
