//! proptest: random sequences of put / put-next / get / steal / grab /
//! drain / global-get on two local run queues and a global queue, checked
//! against a plain reference model (a VecDeque and an Option per P, a
//! VecDeque for the global queue) after every operation.

mod common;

use common::{G, gptr, id, make_gs, runq_ids};
use gmp_sched::{GlobalRunQueue, LocalRunQueue};
use proptest::prelude::*;
use std::cell::Cell;
use std::collections::VecDeque;

#[derive(Clone, Debug)]
enum Op {
    Put { q: usize, next: bool },
    Get { q: usize },
    Steal { thief: usize, steal_next: bool },
    Grab { q: usize, steal_next: bool },
    GlobGet { q: usize, max: u32, procs: u32 },
    Drain { q: usize },
}

/// `put_weight` tunes how fast queues fill: high enough for N = 256 to
/// overflow within a sequence.
fn op(put_weight: u32) -> impl Strategy<Value = Op> {
    prop_oneof![
        put_weight => (0..2usize, any::<bool>()).prop_map(|(q, next)| Op::Put { q, next }),
        3 => (0..2usize).prop_map(|q| Op::Get { q }),
        2 => (0..2usize, any::<bool>()).prop_map(|(thief, steal_next)| Op::Steal { thief, steal_next }),
        1 => (0..2usize, any::<bool>()).prop_map(|(q, steal_next)| Op::Grab { q, steal_next }),
        1 => (0..2usize, 1..300u32, 1..5u32).prop_map(|(q, max, procs)| Op::GlobGet { q, max, procs }),
        1 => (0..2usize).prop_map(|q| Op::Drain { q }),
    ]
}

#[derive(Default)]
struct ModelQ {
    next: Option<u32>,
    ring: VecDeque<u32>,
}

/// The reference model: what Go's functions do, written the obvious way.
struct Model<const N: usize> {
    q: [ModelQ; 2],
    global: VecDeque<u32>,
}

impl<const N: usize> Model<N> {
    /// Returns the overflow batch, if any.
    fn put(&mut self, q: usize, g: u32, next: bool) -> Option<Vec<u32>> {
        let mq = &mut self.q[q];
        let g = if next { mq.next.replace(g)? } else { g };
        if mq.ring.len() < N {
            mq.ring.push_back(g);
            return None;
        }
        let mut batch: Vec<u32> = mq.ring.drain(..N / 2).collect();
        batch.push(g);
        Some(batch)
    }

    fn get(&mut self, q: usize) -> Option<(u32, bool)> {
        let mq = &mut self.q[q];
        if let Some(g) = mq.next.take() {
            return Some((g, true));
        }
        mq.ring.pop_front().map(|g| (g, false))
    }

    /// The Gs runqgrab takes, and whether it took runnext.
    fn grab(&mut self, q: usize, steal_next: bool) -> (Vec<u32>, bool) {
        let mq = &mut self.q[q];
        let n = mq.ring.len() - mq.ring.len() / 2;
        if n > 0 {
            return (mq.ring.drain(..n).collect(), false);
        }
        if steal_next && let Some(g) = mq.next.take() {
            return (vec![g], true);
        }
        (vec![], false)
    }

    fn globget(&mut self, q: usize, max: u32, procs: u32) -> Option<u32> {
        let size = self.global.len() as u32;
        let n = size.min(size / procs + 1).min(max).min(N as u32 / 2);
        if n == 0 {
            return None;
        }
        let first = self.global.pop_front().unwrap();
        let rest: Vec<u32> = self.global.drain(..n as usize - 1).collect();
        let room = N - self.q[q].ring.len();
        let fit = rest.len().min(room);
        self.q[q].ring.extend(&rest[..fit]);
        for &g in rest[fit..].iter().rev() {
            self.global.push_front(g);
        }
        Some(first)
    }
}

fn check<const N: usize>(
    step: usize,
    real: &[LocalRunQueue<G, N>; 2],
    glob: &GlobalRunQueue<G>,
    model: &Model<N>,
) {
    for (p, (r, m)) in real.iter().zip(&model.q).enumerate() {
        let (next, ring) = runq_ids(r);
        assert_eq!(next, m.next, "step {step}: P{p} runnext");
        assert_eq!(ring, Vec::from(m.ring.clone()), "step {step}: P{p} ring");
        let len = m.ring.len() as u32 + u32::from(m.next.is_some());
        assert_eq!(r.runqlen(), len, "step {step}: P{p} runqlen");
        assert_eq!(
            r.ring_len(),
            m.ring.len() as u32,
            "step {step}: P{p} ring_len"
        );
        assert_eq!(r.runqempty(), len == 0, "step {step}: P{p} runqempty");
    }
    let gids: Vec<u32> = glob.iter().map(id).collect();
    assert_eq!(
        gids,
        Vec::from(model.global.clone()),
        "step {step}: global queue"
    );
    assert_eq!(glob.len() as usize, model.global.len());
}

fn run<const N: usize>(ops: &[Op]) {
    let gs = make_gs(ops.len());
    let real: [LocalRunQueue<G, N>; 2] =
        [LocalRunQueue::new(), LocalRunQueue::new_at(u32::MAX - 3)];
    let mut glob = GlobalRunQueue::new();
    let mut model = Model::<N> {
        q: Default::default(),
        global: VecDeque::new(),
    };
    let mut consumed = vec![false; ops.len()];
    let mut consume = |g: u32| {
        assert!(!consumed[g as usize], "G{g} handed out twice");
        consumed[g as usize] = true;
    };
    let mut fresh = 0;
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Put { q, next } => {
                let g = &gs[fresh];
                fresh += 1;
                // SAFETY: `gs` outlives the queues.
                let batch = unsafe { real[q].runqput(gptr(g), next) };
                let want = model.put(q, g.id, next);
                assert_eq!(
                    batch.as_ref().map(common::queue_ids),
                    want,
                    "step {step}: overflow batch"
                );
                if let Some(b) = batch {
                    assert_eq!(b.len() as usize, N / 2 + 1);
                    glob.globrunqputbatch(b);
                    model.global.extend(want.unwrap());
                }
            }
            Op::Get { q } => {
                let got = common::get(&real[q]).map(|(g, i)| (id(g), i));
                assert_eq!(got, model.get(q), "step {step}: runqget");
                if let Some((g, _)) = got {
                    consume(g);
                }
            }
            Op::Steal { thief, steal_next } => {
                let victim = 1 - thief;
                if model.q[thief].ring.len() > N / 2 {
                    continue; // runqsteal requires room for N/2 (Go steals into an empty ring)
                }
                let pauses = Cell::new(0);
                let got = common::steal(&real[thief], &real[victim], steal_next, || {
                    pauses.set(pauses.get() + 1)
                });
                let (grabbed, took_next) = model.grab(victim, steal_next);
                assert_eq!(
                    pauses.get(),
                    u32::from(took_next),
                    "step {step}: pause only for runnext"
                );
                match got {
                    None => assert!(grabbed.is_empty(), "step {step}: steal found nothing"),
                    Some((g, moved)) => {
                        assert_eq!(moved as usize, grabbed.len(), "step {step}: steal count");
                        assert_eq!(
                            id(g),
                            *grabbed.last().unwrap(),
                            "step {step}: steal returns the last"
                        );
                        model.q[thief].ring.extend(&grabbed[..grabbed.len() - 1]);
                        consume(id(g));
                    }
                }
            }
            Op::Grab { q, steal_next } => {
                let mut buf = vec![None; N / 2];
                let pauses = Cell::new(0);
                let n = real[q].runqgrab(&mut buf, steal_next, || pauses.set(pauses.get() + 1));
                let (grabbed, took_next) = model.grab(q, steal_next);
                assert_eq!(pauses.get(), u32::from(took_next));
                let ids: Vec<u32> = buf[..n as usize].iter().map(|g| id(g.unwrap())).collect();
                assert_eq!(ids, grabbed, "step {step}: runqgrab");
                // Keep the grabbed Gs in circulation: on the global queue.
                for g in buf[..n as usize].iter().flatten() {
                    // SAFETY: `gs` outlives the queues.
                    unsafe { glob.globrunqput(*g) };
                }
                model.global.extend(grabbed);
            }
            Op::GlobGet { q, max, procs } => {
                let got = common::globget(&mut glob, &real[q], max, procs).map(id);
                assert_eq!(
                    got,
                    model.globget(q, max, procs),
                    "step {step}: globrunqget"
                );
                if let Some(g) = got {
                    consume(g);
                }
            }
            Op::Drain { q } => {
                let drained = common::drain(&real[q]);
                let m = &mut model.q[q];
                let mut want: Vec<u32> = m.next.take().into_iter().collect();
                want.extend(m.ring.drain(..));
                assert_eq!(common::queue_ids(&drained), want, "step {step}: runqdrain");
                glob.globrunqputbatch(drained);
                model.global.extend(want);
            }
        }
        check(step, &real, &glob, &model);
    }
    // Conservation: every G made is either consumed or still queued once.
    let mut held = vec![0u32; ops.len()];
    for r in &real {
        r.visit(|g, _| held[id(g) as usize] += 1);
    }
    for g in glob.iter() {
        held[id(g) as usize] += 1;
    }
    for g in 0..fresh {
        assert_eq!(
            held[g] + u32::from(consumed[g]),
            1,
            "G{g} lost or duplicated"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A ring of 8: overflow, wrap and steals all happen within a few ops.
    #[test]
    fn model_n8(ops in proptest::collection::vec(op(6), 1..200)) {
        run::<8>(&ops);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Go's real size, with sequences long enough to overflow it.
    #[test]
    fn model_n256(ops in proptest::collection::vec(op(40), 600..1500)) {
        run::<256>(&ops);
    }
}
