//! The replay on small schedules whose queue lengths are known.

use gmp_sched::trace::{Event, Header, Queue, StopReason, VERSION};

use super::{GState, PState, RING, Replay};

fn header() -> Header {
    Header {
        version: VERSION,
        ncpu: 2,
        nprocs: 2,
        tsc_hz: 1_000_000_000,
        start_tsc: 0,
        end_tsc: 1_000_000,
    }
}

/// Events of core `m` holding P `p`, one tick apart.
struct Core {
    m: u32,
    p: Option<u32>,
    ts: u64,
}

impl Core {
    fn new(m: u32, p: u32) -> Core {
        Core {
            m,
            p: Some(p),
            ts: 0,
        }
    }
    fn tick(&mut self) -> u64 {
        self.ts += 1;
        self.ts
    }
    fn enqueue(&mut self, goid: u64, queue: Queue) -> Event {
        let (ts, m, p) = (self.tick(), self.m, self.p);
        Event::Enqueue {
            ts,
            m,
            p,
            goid,
            queue,
        }
    }
    fn start(&mut self, goid: u64) -> Event {
        let (ts, m, p) = (self.tick(), self.m, self.p);
        Event::GoStart { ts, m, p, goid }
    }
    fn take(&mut self, count: u32) -> Event {
        let (ts, m, p) = (self.tick(), self.m, self.p);
        Event::GlobalTake { ts, m, p, count }
    }
    fn kick(&mut self, goid: u64) -> Event {
        let (ts, m, p) = (self.tick(), self.m, self.p);
        Event::RunnextKick { ts, m, p, goid }
    }
    fn overflow(&mut self, count: u32) -> Event {
        let (ts, m, p) = (self.tick(), self.m, self.p);
        Event::Overflow { ts, m, p, count }
    }
}

fn replay(events: &[Event]) -> Replay {
    let mut r = Replay::new(&header());
    for e in events {
        r.apply(e);
    }
    r
}

fn rings(r: &Replay) -> Vec<usize> {
    r.ps.iter().map(|p| p.ring.len()).collect()
}

#[test]
fn a_kick_goes_to_the_ring_and_a_full_ring_spills_half_plus_the_new_g() {
    let mut c = Core::new(0, 0);
    let mut ev = vec![c.enqueue(1, Queue::Runnext), c.enqueue(2, Queue::Runnext)];
    ev.push(c.kick(1));
    let r = replay(&ev);
    assert_eq!((rings(&r), r.ps[0].runnext), (vec![1, 0], Some(2)));
    for g in 100..100 + RING as u64 - 1 {
        ev.push(c.enqueue(g, Queue::Ring));
    }
    // The 257th G does not fit: the ring stays full until the overflow.
    ev.push(c.enqueue(999, Queue::Ring));
    let r = replay(&ev);
    assert_eq!(rings(&r), vec![RING, 0]);
    ev.push(c.overflow(129));
    let r = replay(&ev);
    assert_eq!((rings(&r), r.global.len()), (vec![128, 0], 129));
    assert_eq!(r.global.front(), Some(&1), "the ring's head went first");
    assert_eq!(r.global.back(), Some(&999), "then the G that did not fit");
    assert_eq!(r.mismatch, 0);
}

#[test]
fn the_g_a_take_or_a_steal_returns_runs_without_touching_the_ring() {
    let mut c = Core::new(0, 0);
    let mut ev: Vec<Event> = (1..=5).map(|g| c.enqueue(g, Queue::Global)).collect();
    ev.push(c.take(3));
    let r = replay(&ev);
    // G1 in hand, G2 and G3 in the ring.
    assert_eq!((rings(&r), r.global.len()), (vec![2, 0], 2));
    ev.push(c.start(1));
    assert_eq!(rings(&replay(&ev)), vec![2, 0]);
    ev.push(c.start(2));
    assert_eq!(rings(&replay(&ev)), vec![1, 0]);
    // P1 steals G3, the last (and only) G it takes, and runs it.
    let mut t = Core::new(1, 1);
    t.ts = c.ts;
    ev.push(Event::Steal {
        ts: t.tick(),
        m: 1,
        p: Some(1),
        victim: 0,
        count: 1,
        runnext: false,
    });
    assert_eq!(rings(&replay(&ev)), vec![0, 0]);
    ev.push(t.start(3));
    let r = replay(&ev);
    assert_eq!((rings(&r), r.mismatch), (vec![0, 0], 0));
}

#[test]
fn a_g_starts_from_where_the_kernel_takes_it() {
    // Two Gs reach the global queue in the other order than recorded: the
    // take hands G7 by the model, but G8 starts. The queues keep their
    // lengths; G7 is the one left in the global queue.
    let mut c = Core::new(0, 0);
    let ev = vec![
        c.enqueue(7, Queue::Global),
        c.enqueue(8, Queue::Global),
        c.take(1),
        c.start(8),
    ];
    let r = replay(&ev);
    assert_eq!((r.global.len(), r.mismatch), (1, 0));
    assert_eq!(r.global.front(), Some(&7));
    // Without a take, a queued G comes from runnext, then the ring's head.
    let ev = vec![
        c.enqueue(1, Queue::Ring),
        c.enqueue(2, Queue::Runnext),
        c.start(1),
    ];
    let r = replay(&ev);
    assert_eq!(
        (r.ps[0].runnext, rings(&r), r.mismatch),
        (None, vec![1, 0], 0)
    );
}

#[test]
fn moving_gs_the_model_does_not_hold_is_a_mismatch() {
    let mut c = Core::new(0, 0);
    let r = replay(&[c.enqueue(1, Queue::Global), c.take(2)]);
    assert_eq!(r.mismatch, 1);
    let r = replay(&[Event::Steal {
        ts: 1,
        m: 0,
        p: Some(0),
        victim: 1,
        count: 4,
        runnext: false,
    }]);
    assert_eq!(r.mismatch, 1);
}

#[test]
fn g_p_and_m_states_follow_their_events() {
    let (m, p) = (0, Some(0));
    let ev = [
        Event::ProcStart { ts: 1, m, p },
        Event::GoCreate {
            ts: 2,
            m,
            p,
            goid: 1,
            parent: 0,
        },
        Event::GoCreate {
            ts: 3,
            m,
            p,
            goid: 2,
            parent: 1,
        },
        Event::GoStart {
            ts: 4,
            m,
            p,
            goid: 1,
        },
        Event::GoSyscallBegin {
            ts: 5,
            m,
            p,
            goid: 1,
        },
        Event::Handoff { ts: 6, m: 1, p },
        Event::GoSyscallEnd {
            ts: 7,
            m,
            p: None,
            goid: 1,
        },
        Event::MPark { ts: 8, m },
        Event::GoStart {
            ts: 9,
            m: 1,
            p: Some(1),
            goid: 2,
        },
        Event::GoBlock {
            ts: 10,
            m: 1,
            p: Some(1),
            goid: 2,
            reason: 1,
        },
    ];
    let mut r = Replay::new(&header());
    let mut seen = Vec::new();
    for e in &ev {
        r.apply(e);
        let by_state: Vec<usize> = GState::ALL.iter().map(|&s| r.gs_in(s)).collect();
        assert_eq!(by_state.iter().sum::<usize>(), r.live(), "after {e:?}");
        seen.push((by_state, r.idle_ps(), r.parked_ms()));
    }
    // [runnable, running, waiting, syscall], idle Ps, parked Ms.
    assert_eq!(seen[0], (vec![0, 0, 0, 0], 1, 0));
    assert_eq!(seen[3], (vec![1, 1, 0, 0], 1, 0));
    assert_eq!(seen[4], (vec![1, 0, 0, 1], 1, 0), "P0 in the call");
    assert_eq!(r.ps[0].state, PState::Idle, "handed off");
    assert_eq!(seen[6], (vec![2, 0, 0, 0], 2, 0), "back without a P");
    assert_eq!(seen[9], (vec![1, 0, 1, 0], 2, 1));
    let r = replay(&[
        ev[1],
        Event::GoStart {
            ts: 4,
            m,
            p,
            goid: 1,
        },
        Event::GoStop {
            ts: 5,
            m,
            p,
            goid: 1,
            reason: StopReason::Yield,
        },
        Event::GoEnd {
            ts: 6,
            m,
            p,
            goid: 1,
        },
        Event::MWake { ts: 7, m, p },
    ]);
    assert_eq!((r.live(), r.created, r.ended), (0, 1, 1));
}
