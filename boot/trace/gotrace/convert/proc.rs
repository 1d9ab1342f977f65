//! The P events: ProcStart (with `exitsyscall`'s fast path, which Go does
//! not see), ProcStop and sysmon's Handoff.

use super::super::model::{GSt, PSt};
use super::super::wire::ProcStatus;
use super::{At, Converter, Step};

impl Converter {
    pub(super) fn proc_start(&mut self, at: At, p: Option<u32>) -> Step {
        let At {
            e, ts, m, force, ..
        } = at;
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
                return self.wait_or_drop(at, "P held by another M");
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

    pub(super) fn proc_stop(&mut self, at: At, p: Option<u32>) -> Step {
        let At { e, ts, m, .. } = at;
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

    pub(super) fn handoff(&mut self, at: At, p: Option<u32>) -> Step {
        let At { e, ts, m, .. } = at;
        let Some(p) = p else {
            return self.drop_event(e, "Handoff without a P");
        };
        match self.model.p(p) {
            Some(PSt::Syscall(_)) => {}
            None => self
                .model
                .proc_status(m, ts, p, ProcStatus::SyscallAbandoned),
            Some(_) => {
                return self.wait_or_drop(at, "P not in a syscall");
            }
        }
        self.model.proc_steal(m, ts, p);
        Step::Done
    }
}
