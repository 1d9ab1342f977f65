//! Building inputs: events as the kernel records them.

use gmp_sched::trace::{Event, Queue, StopReason};

/// Events as the kernel records them; `p` is the P the core holds.
#[derive(Default)]
pub struct B(pub Vec<Event>);

impl B {
    pub fn create(&mut self, ts: u64, m: u32, p: Option<u32>, goid: u64, parent: u64) -> &mut B {
        self.0.push(Event::GoCreate {
            ts,
            m,
            p,
            goid,
            parent,
        });
        self
    }
    pub fn start(&mut self, ts: u64, m: u32, p: u32, goid: u64) -> &mut B {
        self.0.push(Event::GoStart {
            ts,
            m,
            p: Some(p),
            goid,
        });
        self
    }
    pub fn stop(&mut self, ts: u64, m: u32, p: u32, goid: u64, reason: StopReason) -> &mut B {
        self.0.push(Event::GoStop {
            ts,
            m,
            p: Some(p),
            goid,
            reason,
        });
        self
    }
    pub fn block(&mut self, ts: u64, m: u32, p: u32, goid: u64, reason: u8) -> &mut B {
        self.0.push(Event::GoBlock {
            ts,
            m,
            p: Some(p),
            goid,
            reason,
        });
        self
    }
    pub fn unblock(&mut self, ts: u64, m: u32, p: Option<u32>, goid: u64, by: u64) -> &mut B {
        self.0.push(Event::GoUnblock { ts, m, p, goid, by });
        self
    }
    pub fn end(&mut self, ts: u64, m: u32, p: u32, goid: u64) -> &mut B {
        self.0.push(Event::GoEnd {
            ts,
            m,
            p: Some(p),
            goid,
        });
        self
    }
    pub fn sys_begin(&mut self, ts: u64, m: u32, p: u32, goid: u64) -> &mut B {
        self.0.push(Event::GoSyscallBegin {
            ts,
            m,
            p: Some(p),
            goid,
        });
        self
    }
    pub fn sys_end(&mut self, ts: u64, m: u32, p: Option<u32>, goid: u64) -> &mut B {
        self.0.push(Event::GoSyscallEnd { ts, m, p, goid });
        self
    }
    pub fn pstart(&mut self, ts: u64, m: u32, p: u32) -> &mut B {
        self.0.push(Event::ProcStart { ts, m, p: Some(p) });
        self
    }
    pub fn pstop(&mut self, ts: u64, m: u32, p: u32) -> &mut B {
        self.0.push(Event::ProcStop { ts, m, p: Some(p) });
        self
    }
    pub fn handoff(&mut self, ts: u64, m: u32, p: u32) -> &mut B {
        self.0.push(Event::Handoff { ts, m, p: Some(p) });
        self
    }
    pub fn enqueue(&mut self, ts: u64, m: u32, p: Option<u32>, goid: u64, queue: Queue) -> &mut B {
        self.0.push(Event::Enqueue {
            ts,
            m,
            p,
            goid,
            queue,
        });
        self
    }
    pub fn mpark(&mut self, ts: u64, m: u32) -> &mut B {
        self.0.push(Event::MPark { ts, m });
        self
    }
    pub fn mwake(&mut self, ts: u64, m: u32, p: u32) -> &mut B {
        self.0.push(Event::MWake { ts, m, p: Some(p) });
        self
    }
}
