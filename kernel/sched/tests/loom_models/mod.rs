//! The loom models, shared by `tests/loom.rs` (the real queue: every model
//! must pass) and `tests/loom_broken.rs` (the `BROKEN_RUNQ` queue: the
//! models must catch it). Ring capacity 4, as tokio's loom tests use, so a
//! handful of Gs fill it and overflow it.

use crate::glist::SchedLink;
use crate::globrunq::GlobalRunQueue;
use crate::runq::LocalRunQueue;
use loom::cell::UnsafeCell;
use loom::sync::Mutex;
use loom::sync::atomic::AtomicPtr;
use loom::thread;
use std::ptr::NonNull;
use std::sync::Arc;

/// Ring capacity under loom.
pub const N: usize = 4;
pub type Q = LocalRunQueue<G, N>;

/// A test G: an id, its link (a loom atomic, like the queue's), and a
/// non-atomic "saved context" that the putting thread writes and the
/// running thread reads. loom checks that every such read happens-after
/// the write: it is what the queue's release/acquire pairs are for (a real
/// G's registers and stack are handed over the same way).
pub struct G {
    id: usize,
    link: AtomicPtr<G>,
    ctx: UnsafeCell<usize>,
}

// SAFETY: `ctx` is written once, by the thread that queues the G, before
// the G is queued, and read only by threads that took the G off a queue:
// exactly the hand-off loom checks for data races.
unsafe impl Sync for G {}

/// What a G's context holds once it is runnable.
fn ctx_value(id: usize) -> usize {
    id + 1000
}

// SAFETY: `schedlink` always returns the same field, used only by the lists.
unsafe impl SchedLink for G {
    fn schedlink(&self) -> &AtomicPtr<G> {
        &self.link
    }
}

/// The Gs, the Ps' local queues and a global queue, shared by the threads
/// of one loom execution. The Gs outlive the queues (same struct, and the
/// queues are dropped first: field order).
pub struct World {
    pub ps: Vec<Q>,
    pub global: Mutex<GlobalRunQueue<G>>,
    gs: Box<[G]>,
}

impl World {
    pub fn new(ngs: usize, nps: usize) -> Arc<World> {
        Arc::new(World {
            ps: (0..nps).map(|_| Q::new()).collect(),
            global: Mutex::new(GlobalRunQueue::new()),
            gs: (0..ngs)
                .map(|id| G {
                    id,
                    link: AtomicPtr::new(std::ptr::null_mut()),
                    ctx: UnsafeCell::new(0),
                })
                .collect(),
        })
    }

    /// `runqput` of G `g` on P `p`; an overflow batch goes to the global
    /// queue after checking it is N/2 + 1 Gs in FIFO order, ending with `g`.
    pub fn put(&self, p: usize, g: usize, next: bool) {
        self.make_runnable(g);
        // SAFETY: the owner rule (see `get`): only P `p`'s thread puts on
        // it; and the Gs live as long as the queues (both in `self`).
        if let Some(batch) = unsafe { self.ps[p].runqput(NonNull::from(&self.gs[g]), next) } {
            let ids: Vec<usize> = batch.iter().map(id).collect();
            assert_eq!(ids.len(), N / 2 + 1, "overflow batch size: {ids:?}");
            assert_eq!(
                *ids.last().unwrap(),
                g,
                "the new G must end the batch: {ids:?}"
            );
            assert!(
                ids[..N / 2].windows(2).all(|p| p[0] < p[1]),
                "batch not FIFO: {ids:?}"
            );
            self.global.lock().unwrap().globrunqputbatch(batch);
        }
    }

    /// Sets up G `g`'s context, as `newproc` would, before it is queued.
    pub fn make_runnable(&self, g: usize) {
        // SAFETY: G `g` is on no queue yet: nobody else can access `ctx`.
        self.gs[g].ctx.with_mut(|c| unsafe { *c = ctx_value(g) });
    }

    /// `runqget` on P `p`.
    ///
    /// The owner rule: in every model, each P's owner-only calls are made
    /// by one thread, or by the main thread after joining it (`join`
    /// synchronises, as `releasep`/`acquirep` would).
    pub fn get(&self, p: usize) -> Option<(NonNull<G>, bool)> {
        // SAFETY: the owner rule, as documented above.
        unsafe { self.ps[p].runqget() }
    }

    /// Everything P `p` can still run, by `runqget`.
    pub fn drain_get(&self, p: usize, out: &mut Vec<usize>) {
        while let Some((g, _)) = self.get(p) {
            out.push(run(g));
        }
    }

    /// P `thief` steals from P `victim` (runnext allowed), then runs its
    /// own queue dry. Returns the ids it got.
    pub fn steal_and_run(&self, thief: usize, victim: usize) -> Vec<usize> {
        let mut got = Vec::new();
        // SAFETY: the owner rule (see `get`): this thread owns P `thief`.
        let stolen = unsafe { self.ps[thief].runqsteal(&self.ps[victim], true, thread::yield_now) };
        if let Some((g, n)) = stolen {
            assert!(n >= 1 && n as usize <= N / 2, "steal of {n} Gs");
            got.push(run(g));
        }
        self.drain_get(thief, &mut got);
        got
    }

    /// Everything still queued anywhere, plus `seen`: each of the `ngs`
    /// Gs must appear exactly once.
    pub fn check_exactly_once(&self, mut seen: Vec<usize>) {
        for p in 0..self.ps.len() {
            self.drain_get(p, &mut seen);
        }
        seen.extend(self.global.lock().unwrap().iter().map(run));
        seen.sort_unstable();
        let want: Vec<usize> = (0..self.gs.len()).collect();
        assert_eq!(seen, want, "a G was lost or handed out twice");
    }
}

pub fn id(g: NonNull<G>) -> usize {
    // SAFETY: every G lives in its `World`, which outlives the queues.
    unsafe { g.as_ref() }.id
}

/// "Runs" a G taken off a queue: reads the context its producer wrote
/// (loom reports a data race if the queue did not order the two) and
/// returns its id.
pub fn run(g: NonNull<G>) -> usize {
    // SAFETY: as in `id`.
    let g = unsafe { g.as_ref() };
    // SAFETY: we took `g` off a queue, so its producer is done writing ctx.
    let ctx = g.ctx.with(|c| unsafe { *c });
    assert_eq!(ctx, ctx_value(g.id), "G{} runs with a stale context", g.id);
    g.id
}

/// The owner puts (through runnext, and into a full ring: overflow) and
/// gets while one stealer steals and runs what it stole.
pub fn owner_and_stealer() {
    let w = World::new(6, 2);
    for g in 0..3 {
        w.put(0, g, false);
    }
    let w2 = w.clone();
    let stealer = thread::spawn(move || w2.steal_and_run(1, 0));
    w.put(0, 3, false);
    w.put(0, 4, true);
    w.put(0, 5, false); // overflows unless the stealer made room
    let mut seen = Vec::new();
    for _ in 0..2 {
        if let Some((g, _)) = w.get(0) {
            seen.push(run(g));
        }
    }
    seen.extend(stealer.join().unwrap());
    w.check_exactly_once(seen);
}

/// Two stealers race for a ring (and runnext) while its owner takes from
/// it too: three consumers on one queue.
pub fn two_stealers() {
    let w = World::new(4, 3);
    for g in 0..3 {
        w.put(0, g, false);
    }
    w.put(0, 3, true);
    let w1 = w.clone();
    let s1 = thread::spawn(move || w1.steal_and_run(1, 0));
    let w2 = w.clone();
    let s2 = thread::spawn(move || w2.steal_and_run(2, 0));
    let mut seen: Vec<usize> = w.get(0).map(|(g, _)| run(g)).into_iter().collect();
    seen.extend(s1.join().unwrap());
    seen.extend(s2.join().unwrap());
    w.check_exactly_once(seen);
}

/// The owner overflows a full ring to the global queue while a stealer
/// steals from it: the overflow CAS may lose to the steal (then the put is
/// retried and fits), or win (then the batch is the first N/2 Gs + the new).
pub fn overflow_vs_steal() {
    let w = World::new(5, 2);
    for g in 0..N {
        w.put(0, g, false);
    }
    let w2 = w.clone();
    let stealer = thread::spawn(move || w2.steal_and_run(1, 0));
    w.put(0, N, false);
    let seen = stealer.join().unwrap();
    // FIFO across the overflow: the global queue holds a prefix in order.
    let global: Vec<usize> = w.global.lock().unwrap().iter().map(id).collect();
    if !global.is_empty() {
        assert_eq!(global, vec![0, 1, N], "overflow batch");
    }
    w.check_exactly_once(seen);
}

/// runnext is stolen while its owner kicks it to the ring and runs the
/// new runnext: each G still goes exactly once.
pub fn runnext_steal_vs_runqget() {
    let w = World::new(2, 2);
    w.put(0, 0, true);
    let w2 = w.clone();
    let stealer = thread::spawn(move || w2.steal_and_run(1, 0));
    w.put(0, 1, true); // kicks G0 to the ring (unless it was stolen)
    let mut seen = Vec::new();
    if let Some((g, inherit)) = w.get(0) {
        if id(g) == 1 {
            assert!(inherit, "G1 came from runnext and inherits the time slice");
        }
        seen.push(run(g));
    }
    seen.extend(stealer.join().unwrap());
    w.check_exactly_once(seen);
}

/// Go's RunSchedLocalQueueEmptyTest: while G0 and G1 move between runnext
/// and the ring, at least one of them is always queued, so `runqempty`
/// must never say "empty".
pub fn runqempty_never_spurious(next0: bool, next1: bool) {
    let w = World::new(2, 1);
    w.put(0, 0, next0);
    let w2 = w.clone();
    let observer = thread::spawn(move || {
        assert!(
            !w2.ps[0].runqempty(),
            "runqempty reported a queue holding a G as empty"
        )
    });
    w.put(0, 1, next1);
    let first = w.get(0).map(|(g, _)| run(g));
    observer.join().unwrap();
    w.check_exactly_once(first.into_iter().collect());
}

/// The owner drains its queue (as when its P is destroyed) while a
/// stealer steals from it.
pub fn runqdrain_vs_steal() {
    let w = World::new(4, 2);
    for g in 0..3 {
        w.put(0, g, false);
    }
    w.put(0, 3, true);
    let w2 = w.clone();
    let stealer = thread::spawn(move || w2.steal_and_run(1, 0));
    // SAFETY: the owner rule (see `World::get`): the main thread owns P0.
    let drained = unsafe { w.ps[0].runqdrain() };
    let mut seen: Vec<usize> = drained.iter().map(run).collect();
    seen.extend(stealer.join().unwrap());
    w.check_exactly_once(seen);
}

/// The owner takes a batch from the global queue into its (empty) ring —
/// `runqputbatch` publishing several Gs with one tail store — while a
/// stealer steals from that ring.
pub fn globrunqget_vs_steal() {
    let w = World::new(4, 2);
    for g in 0..4 {
        w.make_runnable(g);
        // SAFETY: the Gs live as long as the queues (both in `w`).
        unsafe {
            w.global
                .lock()
                .unwrap()
                .globrunqput(NonNull::from(&w.gs[g]))
        };
    }
    let w2 = w.clone();
    let stealer = thread::spawn(move || w2.steal_and_run(1, 0));
    // SAFETY: the owner rule (see `World::get`): the main thread owns P0.
    let first = unsafe {
        w.global
            .lock()
            .unwrap()
            .globrunqget(&w.ps[0], N as u32 / 2, 1)
    };
    assert_eq!(
        first.map(run),
        Some(0),
        "globrunqget runs the head of the global queue"
    );
    let mut seen = vec![0];
    seen.extend(stealer.join().unwrap());
    w.check_exactly_once(seen);
}

/// Stolen Gs are stolen again: P1 steals from P0 (keeping one of two in
/// its ring, published by runqsteal's tail store) while P2 steals from P1.
pub fn steal_from_a_thief() {
    let w = World::new(4, 3);
    for g in 0..N {
        w.put(0, g, false);
    }
    let w2 = w.clone();
    let p2 = thread::spawn(move || w2.steal_and_run(2, 1));
    let mut seen = w.steal_and_run(1, 0);
    seen.extend(p2.join().unwrap());
    w.check_exactly_once(seen);
}

/// A loom model checker with the given preemption bound (see `loom.rs` for
/// why a bound explores more than none).
pub fn builder(preemptions: Option<usize>) -> loom::model::Builder {
    let mut b = loom::model::Builder::new();
    b.preemption_bound = preemptions;
    b
}
