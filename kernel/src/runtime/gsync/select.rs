//! `select` — Go's `selectgo`: wait on several channel operations at once.
//!
//! 1. Poll the cases in a random order (`pollorder`) with every channel
//!    locked (in address order, `lockorder`, each channel once — two selects
//!    on the same channels can never deadlock): the first case that can
//!    proceed does, so among ready cases each is equally likely.
//! 2. None ready: with a default, take it. Without one, queue a sudog on
//!    every channel and park; unlocking happens on g0 (`selparkcommit`).
//! 3. The first waker to win the G's `select_done` completes its case and
//!    readies the G, naming the sudog in `param`. The G relocks everything,
//!    withdraws its other sudogs and reports the case.
//!
//! Cases are values on the caller's stack ([`RecvCase`], [`SendCase`]),
//! passed as `&mut dyn SelectCase` so one select can mix channel types;
//! each carries its own sudog, which stays put while the G is parked.

use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use gmp_sched::selectorder::{lockorder_from, pollorder};
use gmp_sched::waitq::WaitQ;

use crate::arch::cpu;
use core::ptr::NonNull;

use crate::runtime::gsync::chan::{Chan, ChanState, Sudog};
use crate::runtime::objects::g::getg;
use crate::runtime::objects::g::{G, WaitReason};
use crate::runtime::scheduler::park::gopark;
use crate::runtime::scheduler::preempt::check_preempt;

/// One case of a select. Implemented by [`RecvCase`] and [`SendCase`].
///
/// All `unsafe` methods require the case's channel lock to be held by this
/// core through `lock` (except `lock` itself and `finish`).
pub trait SelectCase {
    /// The channel's address (the lock order key).
    fn chan_addr(&self) -> usize;
    /// # Safety
    /// Interrupts off; pair with `unlock`.
    unsafe fn lock(&self);
    /// # Safety
    /// This core holds the lock through `lock`.
    unsafe fn unlock(&self);
    /// Complete the operation now if it can proceed.
    ///
    /// # Safety
    /// Lock held.
    unsafe fn try_complete(&mut self) -> bool;
    /// Queue this case's sudog for `g`.
    ///
    /// # Safety
    /// Lock held; the case must not move until it is withdrawn or fired.
    unsafe fn enqueue(&mut self, g: &'static G);
    /// Withdraw the sudog if it is still queued.
    ///
    /// # Safety
    /// Lock held.
    unsafe fn withdraw(&mut self);
    /// Address of the sudog (compared with the G's `param`).
    fn sudog_addr(&self) -> u64;
    /// After this case fired while parked: collect the outcome.
    fn fired(&mut self);
}

/// What every case holds: its channel and its sudog, and the operations
/// that do not depend on the direction (RecvCase and SendCase differ only
/// in which queue they wait on and what they carry).
struct CaseCore<'a, T: Send> {
    ch: &'a Chan<T>,
    sg: Sudog<T>,
}

/// Which of a channel's queues a case waits on.
#[derive(Clone, Copy)]
enum Side {
    Recv,
    Send,
}

impl<'a, T: Send> CaseCore<'a, T> {
    fn new(ch: &'a Chan<T>) -> Self {
        CaseCore {
            ch,
            sg: Sudog::new(None),
        }
    }

    fn chan_addr(&self) -> usize {
        self.ch.addr()
    }

    /// # Safety
    /// Interrupts off; pair with `unlock`.
    unsafe fn lock(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.ch.c.lock.raw_lock() }
    }

    /// # Safety
    /// This core holds the lock through `lock`.
    unsafe fn unlock(&self) {
        // SAFETY: forwarded contract.
        unsafe { self.ch.c.lock.raw_unlock() }
    }

    /// The channel's state.
    ///
    /// # Safety
    /// This core holds the lock.
    #[allow(clippy::mut_from_ref)]
    unsafe fn state(&self) -> &mut ChanState<T> {
        // SAFETY: forwarded contract.
        unsafe { self.ch.c.lock.raw_data() }
    }

    /// The channel's queue of `side`'s waiters.
    ///
    /// # Safety
    /// This core holds the lock.
    #[allow(clippy::mut_from_ref)]
    unsafe fn waitq(&self, side: Side) -> &mut WaitQ<Sudog<T>> {
        // SAFETY: forwarded contract.
        let st = unsafe { self.state() };
        match side {
            Side::Recv => &mut st.recvq,
            Side::Send => &mut st.sendq,
        }
    }

    /// Queue a fresh sudog carrying `elem` for `g` on `side`.
    ///
    /// # Safety
    /// Lock held; the case must not move until it is withdrawn or fired.
    unsafe fn enqueue(&mut self, side: Side, g: &'static G, elem: Option<T>) {
        self.sg = Sudog::new(elem);
        self.sg.g = g;
        self.sg.is_select = true;
        let sgp = NonNull::from(&mut self.sg);
        // SAFETY: lock held (contract).
        let q = unsafe { self.waitq(side) };
        // SAFETY: the case does not move until it is withdrawn or fired
        // (contract), and its sudog is on no queue.
        unsafe { q.enqueue(sgp) }
    }

    /// Take the sudog off `side`'s queue if it is still there.
    ///
    /// # Safety
    /// Lock held.
    unsafe fn withdraw(&mut self, side: Side) {
        let sgp = NonNull::from(&mut self.sg);
        // SAFETY: lock held (contract).
        let q = unsafe { self.waitq(side) };
        // SAFETY: the sudog is alive; if queued, it is on this side's queue
        // of this channel (`enqueue` put it there).
        unsafe { q.remove(sgp) };
    }

    fn sudog_addr(&self) -> u64 {
        &self.sg as *const Sudog<T> as u64
    }
}

/// A receive case: `v, ok := <-ch`.
pub struct RecvCase<'a, T: Send> {
    core: CaseCore<'a, T>,
    result: Option<Option<T>>,
}

impl<'a, T: Send> RecvCase<'a, T> {
    /// A receive from `ch`.
    pub fn new(ch: &'a Chan<T>) -> Self {
        RecvCase {
            core: CaseCore::new(ch),
            result: None,
        }
    }

    /// After the select chose this case: `Some(v)`, or `None` if the
    /// channel was closed and drained.
    pub fn take(&mut self) -> Option<T> {
        self.result
            .take()
            .expect("RecvCase::take: this case did not fire")
    }
}

/// A send case: `ch <- v`.
pub struct SendCase<'a, T: Send> {
    core: CaseCore<'a, T>,
    value: Option<T>,
}

impl<'a, T: Send> SendCase<'a, T> {
    /// A send of `v` on `ch`.
    pub fn new(ch: &'a Chan<T>, v: T) -> Self {
        SendCase {
            core: CaseCore::new(ch),
            value: Some(v),
        }
    }

    /// The value back, if this case did not fire.
    pub fn into_value(self) -> Option<T> {
        self.value
    }
}

/// The `SelectCase` methods that do not depend on the direction, forwarded
/// to the case's [`CaseCore`] (written once for both kinds of case).
macro_rules! forward_to_core {
    () => {
        fn chan_addr(&self) -> usize {
            self.core.chan_addr()
        }
        unsafe fn lock(&self) {
            // SAFETY: forwarded contract.
            unsafe { self.core.lock() }
        }
        unsafe fn unlock(&self) {
            // SAFETY: forwarded contract.
            unsafe { self.core.unlock() }
        }
        fn sudog_addr(&self) -> u64 {
            self.core.sudog_addr()
        }
    };
}

impl<T: Send> SelectCase for RecvCase<'_, T> {
    forward_to_core!();
    unsafe fn try_complete(&mut self) -> bool {
        // SAFETY: lock held (contract).
        match unsafe { self.core.state() }.try_recv() {
            Some(r) => {
                self.result = Some(r);
                true
            }
            None => false,
        }
    }
    unsafe fn enqueue(&mut self, g: &'static G) {
        // SAFETY: forwarded contract.
        unsafe { self.core.enqueue(Side::Recv, g, None) }
    }
    unsafe fn withdraw(&mut self) {
        // SAFETY: forwarded contract.
        unsafe { self.core.withdraw(Side::Recv) }
    }
    fn fired(&mut self) {
        let sg = &mut self.core.sg;
        self.result = Some(if sg.success { sg.elem.take() } else { None });
    }
}

impl<T: Send> SelectCase for SendCase<'_, T> {
    forward_to_core!();
    unsafe fn try_complete(&mut self) -> bool {
        let v = self.value.take().expect("SendCase without a value");
        // SAFETY: lock held (contract).
        match unsafe { self.core.state() }.try_send(v) {
            Ok(()) => true,
            Err(v) => {
                self.value = Some(v);
                false
            }
        }
    }
    unsafe fn enqueue(&mut self, g: &'static G) {
        let v = self.value.take();
        // SAFETY: forwarded contract.
        unsafe { self.core.enqueue(Side::Send, g, v) }
    }
    unsafe fn withdraw(&mut self) {
        // SAFETY: forwarded contract.
        unsafe { self.core.withdraw(Side::Send) }
        // Not sent: the value comes back to the case.
        if self.value.is_none() {
            self.value = self.core.sg.elem.take();
        }
    }
    fn fired(&mut self) {
        if !self.core.sg.success {
            panic!("send on closed channel");
        }
    }
}

/// Lock every case's channel, each once, in `order`.
///
/// # Safety
/// Interrupts off; `order` sorted by channel address.
unsafe fn sellock(cases: &[&mut dyn SelectCase], order: &[usize]) {
    // SAFETY: forwarded contract.
    each_chan_once(cases, order, |c| unsafe { c.lock() });
}

/// Unlock what `sellock` locked.
///
/// # Safety
/// This core holds those locks.
unsafe fn selunlock(cases: &[&mut dyn SelectCase], order: &[usize]) {
    // SAFETY: forwarded contract.
    each_chan_once(cases, order, |c| unsafe { c.unlock() });
}

/// Call `f` with one case of each channel, in `order` (sorted by channel
/// address, so a channel's cases are adjacent).
fn each_chan_once(
    cases: &[&mut dyn SelectCase],
    order: &[usize],
    mut f: impl FnMut(&dyn SelectCase),
) {
    let mut last = None;
    for &i in order {
        let a = cases[i].chan_addr();
        if last != Some(a) {
            f(&*cases[i]);
            last = Some(a);
        }
    }
}

/// What the parked select hands to its unlock function.
struct ParkCommit<'s, 'c> {
    cases: &'s [&'c mut dyn SelectCase],
    order: &'s [usize],
}

fn selparkcommit(_gp: &G, arg: *const ()) -> bool {
    // SAFETY: `arg` points at the parked G's `ParkCommit`, which stays valid
    // while the G is parked. Once one lock is released the G may be readied
    // elsewhere, but its first act is to take all these locks again, so it
    // cannot change the cases we still read until we have released them all
    // (Go's selparkcommit makes the same argument).
    let pc = unsafe { &*(arg as *const ParkCommit<'_, '_>) };
    // SAFETY: this core locked them in `select` before parking.
    unsafe { selunlock(pc.cases, pc.order) };
    true
}

/// Wait until one of `cases` can proceed and perform it; returns its index.
/// With `block == false` returns `None` at once if none can (Go's
/// `default`). With no cases and `block`, the G parks forever, as Go's
/// empty `select {}`.
pub fn select(cases: &mut [&mut dyn SelectCase], block: bool) -> Option<usize> {
    check_preempt();
    if cases.is_empty() {
        if block {
            gopark(None, core::ptr::null(), WaitReason::SelectNoCases);
            unreachable!("an empty select was woken");
        }
        return None;
    }
    let were = cpu::interrupts_disable_save();
    let m = crate::runtime::objects::m::this_m();
    let poll = pollorder(cases.len(), |n| m.rand().below(n));
    let addrs: Vec<usize> = cases.iter().map(|c| c.chan_addr()).collect();
    let order = lockorder_from(&addrs, &poll);

    // SAFETY: interrupts are off; `order` is sorted by address.
    unsafe { sellock(cases, &order) };
    for &i in &poll {
        // SAFETY: every channel is locked.
        if unsafe { cases[i].try_complete() } {
            // SAFETY: we hold the locks.
            unsafe { selunlock(cases, &order) };
            cpu::interrupts_restore(were);
            return Some(i);
        }
    }
    if !block {
        // SAFETY: we hold the locks.
        unsafe { selunlock(cases, &order) };
        cpu::interrupts_restore(were);
        return None;
    }

    let gp = getg().expect("select on g0");
    gp.select_done.store(false, Ordering::Release);
    gp.param.store(0, Ordering::Relaxed);
    for &i in &order {
        // SAFETY: locks held; the cases live on this G's stack until we return.
        unsafe { cases[i].enqueue(gp) };
    }
    {
        let commit = ParkCommit {
            cases,
            order: &order,
        };
        gopark(
            Some(selparkcommit),
            &commit as *const ParkCommit<'_, '_> as *const (),
            WaitReason::Select,
        );
    }
    // Woken by the winner of `select_done`; relock to withdraw the rest.
    cpu::interrupts_disable();
    let fired = gp.param.load(Ordering::Acquire);
    // SAFETY: interrupts are off; same order as before.
    unsafe { sellock(cases, &order) };
    let mut chosen = None;
    for (i, case) in cases.iter_mut().enumerate() {
        if case.sudog_addr() == fired {
            chosen = Some(i);
        } else {
            // SAFETY: locks held.
            unsafe { case.withdraw() };
        }
    }
    // SAFETY: we hold the locks.
    unsafe { selunlock(cases, &order) };
    cpu::interrupts_restore(were);
    let i = chosen.expect("select woken without a fired case");
    cases[i].fired();
    Some(i)
}
