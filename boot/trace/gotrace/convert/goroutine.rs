//! The goroutine events: GoCreate, GoStart, what a running G does next
//! (GoStop, GoBlock, GoEnd, GoSyscallBegin) and GoUnblock.

use super::super::model::GSt;
use super::super::wire::GoStatus;
use super::syscall::Sys;
use super::{At, Converter, Exec, Step};

impl Converter {
    pub(super) fn go_create(&mut self, at: At, p: Option<u32>, g: u64, parent: u64) -> Step {
        let At {
            e,
            idx,
            ts,
            m,
            force,
        } = at;
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
        let start = self.start_at.get(&idx).copied().unwrap_or(0);
        self.model.go_create(m, ts, g, start);
        Step::Done
    }

    pub(super) fn go_start(&mut self, at: At, p: Option<u32>, g: u64) -> Step {
        let At {
            e, ts, m, force, ..
        } = at;
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
                return self.wait_or_drop(at, "G running on another M");
            }
        }
        if !self.p_free_for(m, p) {
            return self.wait_or_drop(at, "P held by another M");
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

    pub(super) fn go_exec(&mut self, at: At, p: Option<u32>, g: u64, what: Exec) -> Step {
        let At { e, idx, ts, m, .. } = at;
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
            return self.wait_or_drop(at, "G or P busy on another M");
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

    pub(super) fn go_unblock(&mut self, at: At, g: u64) -> Step {
        let At { e, ts, m, .. } = at;
        if self.g_dead(g) {
            return self.drop_event(e, "G already ended");
        }
        match self.model.g(g) {
            Some(GSt::Waiting) => {}
            None if !self.pending.contains(&g) => {
                self.model.go_status(m, ts, g, GoStatus::Waiting);
            }
            _ => {
                return self.wait_or_drop(at, "G is not waiting");
            }
        }
        self.model.go_unblock(m, ts, g);
        Step::Done
    }
}
