//! The invariant checker: with the world stopped (`runtime::stw`), every G
//! is in exactly one place and every P is stopped with the owner its
//! status allows.
//!
//! Design note: the checks follow the ownership tables in `runtime::g` and
//! `runtime::p`. With the world stopped — every other M parked in `stopm`,
//! waiting for its wired G, or "outside Go" in a blocking call, and Gs
//! coming back from one held at `exitsyscall`'s door — the state must be
//! *exactly* consistent, so any mismatch is a bug, never a race of the
//! observer:
//! - a `Grunnable` G is on exactly one run queue (a `runnext`, a local ring
//!   or the global queue) and is no M's `curg`;
//! - a `Grunning`/`Gsyscall` G is the `curg` of exactly one M, its `m`
//!   points back at that M, and it is on no queue;
//! - a `Gwaiting`, `Gdead` or `Gidle` G is on no queue and no M's `curg`;
//! - every P in use is `Pgcstop`: the checker's own held by its M, one
//!   held by a wired M waiting for its G (stopped in place), or held by no
//!   M; none is on the idle list or handed to a waking M; the Ps beyond
//!   GOMAXPROCS are `Pdead` and empty; the idle lists match their counters.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use core::ptr::NonNull;
use core::sync::atomic::Ordering;

use crate::runtime::inspect::allg;
use crate::runtime::inspect::g::{G, Gstatus};
use crate::runtime::inspect::m;
use crate::runtime::inspect::m::M;
use crate::runtime::inspect::p::{P, Pstatus};
use crate::runtime::inspect::sched::{self, SCHED, allp, allp_all};

/// Where the checker found a G.
#[derive(Default, Clone, Copy)]
struct Seen {
    queues: u32,
    curg_of: u32,
}

fn addr<T>(p: *const T) -> usize {
    p as usize
}

/// Check the stopped world; the first broken rule as text.
///
/// Context: the world stopped by the caller, interrupts off, on a G.
pub fn check_stopped() -> Result<(), String> {
    let mut seen: BTreeMap<usize, Seen> = BTreeMap::new();
    let mut where_: BTreeMap<usize, String> = BTreeMap::new();
    let mut on_queue = |g: NonNull<G>, place: String| -> Result<(), String> {
        let e = seen.entry(addr(g.as_ptr())).or_default();
        e.queues += 1;
        if e.queues > 1 {
            // SAFETY: queue entries are live Gs (never freed).
            let goid = unsafe { g.as_ref() }.goid();
            let first = where_.get(&addr(g.as_ptr())).cloned().unwrap_or_default();
            return Err(format!(
                "G{goid} is on two run queues at once ({first} and {place})"
            ));
        }
        where_.insert(addr(g.as_ptr()), place);
        Ok(())
    };

    // Local queues.
    let ps = allp();
    for pp in ps {
        let ring = pp.runq.ring_len();
        if ring > pp.runq.capacity() {
            return Err(format!("P{} ring holds {ring} Gs (> capacity)", pp.id));
        }
        let mut r = Ok(());
        pp.runq.visit(|g, next| {
            if r.is_ok() {
                let place = if next {
                    format!("P{} runnext", pp.id)
                } else {
                    format!("P{} ring", pp.id)
                };
                r = on_queue(g, place);
            }
        });
        r?;
    }

    // The global queue and the idle lists, under sched.lock (free: every
    // other M is parked or outside the scheduler).
    let s = sched::lock();
    let mut n = 0u32;
    for g in s.runq.iter() {
        n += 1;
        on_queue(g, String::from("the global queue"))?;
    }
    if n != s.runq.len() || n != SCHED.runqsize.load(Ordering::Relaxed) {
        return Err(format!(
            "global queue holds {n} Gs but its length says {} and runqsize {}",
            s.runq.len(),
            SCHED.runqsize.load(Ordering::Relaxed)
        ));
    }
    let mut pidle: BTreeMap<u32, ()> = BTreeMap::new();
    let mut err = None;
    s.for_each_pidle(|pp| {
        if err.is_none() && pidle.insert(pp.id, ()).is_some() {
            err = Some(format!("P{} is on the idle-P list twice", pp.id));
        }
    });
    let mut midle = 0u32;
    s.for_each_midle(|mp| {
        midle += 1;
        if err.is_none() && (mp.p().is_some() || mp.curg().is_some()) {
            err = Some(format!(
                "M{} is on the idle-M list but holds a P or a G",
                mp.id
            ));
        }
    });
    // The counters are read under the same lock hold as the lists: the
    // world counts as stopped once every P stopped (Go's `stopwait == 0`),
    // while the M that gave up the last P may still be on its way into
    // `stopm`, which puts it on the idle list (and counts it) under this
    // lock. (Read after the lock, the count once included such an M that
    // the walk had not seen: "6 Ms on the idle list but nmidle is 7", in
    // the x2APIC subset's 8-core torture of 2026-12-02.)
    let (npidle, nmidle) = (
        SCHED.npidle.load(Ordering::Relaxed),
        SCHED.nmidle.load(Ordering::Relaxed),
    );
    drop(s);
    if let Some(e) = err {
        return Err(e);
    }
    if pidle.len() as u32 != npidle {
        return Err(format!(
            "{} Ps on the idle list but npidle is {npidle}",
            pidle.len()
        ));
    }
    if midle != nmidle {
        return Err(format!(
            "{midle} Ms on the idle list but nmidle is {nmidle}"
        ));
    }

    for pp in &allp_all()[ps.len()..] {
        if pp.status() != Pstatus::Pdead
            || !pp.runq.runqempty()
            || !pp.m.load(Ordering::Relaxed).is_null()
        {
            return Err(format!(
                "P{} is beyond GOMAXPROCS {} but {:?}, {} Gs queued, {}",
                pp.id,
                ps.len(),
                pp.status(),
                pp.runq.ring_len(),
                if pp.m.load(Ordering::Relaxed).is_null() {
                    "no M"
                } else {
                    "held by an M"
                }
            ));
        }
    }
    check_ms_and_ps(m::this_m(), ps, &pidle, &mut seen)?;
    check_gs(&seen, &where_)
}

/// Ms against Ps: each P has the owner its status says, and back.
fn check_ms_and_ps(
    me: &M,
    ps: &'static [P],
    pidle: &BTreeMap<u32, ()>,
    seen: &mut BTreeMap<usize, Seen>,
) -> Result<(), String> {
    let ms = m::all();
    for pp in ps {
        let holders: u32 = ms
            .iter()
            .filter(|mp| mp.p().is_some_and(|p| core::ptr::eq(p, pp)))
            .count() as u32;
        let handed: u32 = ms
            .iter()
            .filter(|mp| core::ptr::eq(mp.nextp.load(Ordering::Relaxed), pp))
            .count() as u32;
        let owner = pp.m.load(Ordering::Relaxed);
        let idle_listed = pidle.contains_key(&pp.id);
        // SAFETY: Ms are static.
        let owner_m = (!owner.is_null()).then(|| unsafe { &*owner });
        let mine = owner_m.is_some_and(|o| core::ptr::eq(o, me));
        let wired = owner_m.is_some_and(|o| !o.wiredg.load(Ordering::Relaxed).is_null());
        let ok = pp.status() == Pstatus::Pgcstop
            && !idle_listed
            && handed == 0
            && match owner_m {
                None => holders == 0,
                Some(o) => {
                    holders == 1 && (mine || wired) && o.p().is_some_and(|p| core::ptr::eq(p, pp))
                }
            };
        if !ok {
            return Err(format!(
                "P{} is {:?} in a stopped world, held by {holders} Ms (p.m {}), on the idle list: {idle_listed}, handed to {handed} waking Ms",
                pp.id,
                pp.status(),
                if owner.is_null() {
                    String::from("none")
                } else {
                    // SAFETY: Ms are static.
                    format!("M{}", unsafe { &*owner }.id)
                }
            ));
        }
    }
    for mp in ms {
        if let Some(gp) = mp.curg()
            && !core::ptr::eq(mp, me)
            && gp.status() != Gstatus::Gsyscall
        {
            return Err(format!(
                "G{} is {} on M{} in a stopped world (only the stopper's G and Gs in blocking calls may be some M's current G)",
                gp.goid(),
                gp.status().name(),
                mp.id
            ));
        }
        if let Some(gp) = mp.curg() {
            seen.entry(addr(gp)).or_default().curg_of += 1;
            if !core::ptr::eq(gp.m.load(Ordering::Relaxed), mp) {
                return Err(format!(
                    "G{} is M{}'s current G but its m does not point back",
                    gp.goid(),
                    mp.id
                ));
            }
        }
    }
    Ok(())
}

/// Every G is in exactly the places its status allows.
fn check_gs(seen: &BTreeMap<usize, Seen>, where_: &BTreeMap<usize, String>) -> Result<(), String> {
    let mut err = None;
    allg::for_each(|gp| {
        if err.is_some() {
            return;
        }
        let s = seen.get(&addr(gp)).copied().unwrap_or_default();
        let st = gp.status();
        let ok = match st {
            Gstatus::Grunnable => s.queues == 1 && s.curg_of == 0,
            Gstatus::Grunning | Gstatus::Gsyscall => {
                s.queues == 0 && s.curg_of == 1 && !gp.m.load(Ordering::Relaxed).is_null()
            }
            Gstatus::Gwaiting | Gstatus::Gdead | Gstatus::Gidle => s.queues == 0 && s.curg_of == 0,
        };
        if !ok {
            let place = where_.get(&addr(gp)).cloned().unwrap_or_default();
            err = Some(format!(
                "G{} is {} but on {} run queues{}{} and the current G of {} Ms",
                gp.goid(),
                st.name(),
                s.queues,
                if place.is_empty() { "" } else { " (" },
                if place.is_empty() {
                    String::new()
                } else {
                    format!("{place})")
                },
                s.curg_of
            ));
        }
    });
    err.map_or(Ok(()), Err)
}
