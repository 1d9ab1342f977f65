//! Channels — Go's `hchan`: a lock, a ring buffer and two queues of blocked
//! Gs.
//!
//! Every operation takes the channel's lock (interrupt-safe), then in Go's
//! order: a blocked partner on the other side is served first, directly
//! (the value goes from sender to receiver without touching the buffer);
//! else the buffer; else the G blocks — it puts a *sudog* (a record of the
//! blocked operation, on its own stack: a parked G's stack stays put) on the
//! channel's queue and parks with the lock still held, released on g0 by
//! `goparkunlock`. The G that completes the operation fills in the sudog
//! and readies the sleeper. `close` wakes everyone: receivers drain what is
//! buffered and then see "closed"; a blocked sender panics, as does any later
//! send ("send on closed channel").
//!
//! Sudogs of a blocked `select` sit on several channels at once; the first
//! waker to claim the G (`select_done`, a CAS) wins, the others skip that
//! sudog (see `select`).

use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use core::ptr::NonNull;
use gmp_sched::chanbuf::ChanBuf;

use gmp_sched::waitq::{WaitLink, WaitQ, Waiter};

use crate::runtime::objects::g::getg;
use crate::runtime::objects::g::{G, WaitReason};
use crate::runtime::scheduler::park::{goparkunlock, ready};
use crate::runtime::scheduler::preempt::check_preempt;
use crate::sync::IrqMutex;

/// A blocked channel operation (Go's `sudog`), on the blocked G's stack.
pub(crate) struct Sudog<T> {
    /// The blocked G (set when the sudog is queued).
    pub g: *const G,
    /// Send: the value to hand over. Receive: filled in by the sender.
    pub elem: Option<T>,
    /// Whether the operation completed (false: woken by `close`).
    pub success: bool,
    /// Part of a `select`: wakers must win `g.select_done` first.
    pub is_select: bool,
    /// Its links in the channel's queue (Go's `sudog.next`, `prev`).
    pub link: WaitLink<Sudog<T>>,
}

impl<T> Sudog<T> {
    pub(crate) const fn new(elem: Option<T>) -> Self {
        Sudog {
            g: core::ptr::null(),
            elem,
            success: false,
            is_select: false,
            link: WaitLink::new(),
        }
    }
}

// SAFETY: `link` is the sudog's own field, written only by the queue.
unsafe impl<T> Waiter for Sudog<T> {
    fn wait_link(&self) -> &WaitLink<Sudog<T>> {
        &self.link
    }
}

// SAFETY: a sudog is only touched under its channel's lock (or by its own G
// once dequeued and readied); its G pointer and links may cross cores.
unsafe impl<T: Send> Send for Sudog<T> {}

/// A queued sudog (on its blocked G's stack, which stays put while the G
/// is parked).
pub(crate) type SudogPtr<T> = NonNull<Sudog<T>>;

/// The state under a channel's lock.
pub(crate) struct ChanState<T> {
    pub buf: ChanBuf<T>,
    pub recvq: WaitQ<Sudog<T>>,
    pub sendq: WaitQ<Sudog<T>>,
    pub closed: bool,
}

/// The shared channel object.
pub(crate) struct HChan<T> {
    pub lock: IrqMutex<ChanState<T>>,
}

/// A typed channel handle; clones share the channel (Go's `chan T`).
pub struct Chan<T: Send> {
    pub(crate) c: Arc<HChan<T>>,
}

impl<T: Send> Clone for Chan<T> {
    fn clone(&self) -> Self {
        Chan { c: self.c.clone() }
    }
}

/// Claim a queued sudog for completion: always, unless it belongs to a
/// select that another waker already won.
pub(crate) fn claim<T>(sg: SudogPtr<T>) -> bool {
    // SAFETY: queued sudogs are live (their G is parked) and we hold the lock.
    let sg = unsafe { sg.as_ref() };
    // SAFETY: `g` was set when the sudog was queued; Gs are never freed.
    let g = unsafe { &*sg.g };
    !sg.is_select
        || g.select_done
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
}

/// Finish a claimed sudog: record the outcome and ready its G.
///
/// # Safety
/// `sg` was dequeued (and claimed) under its channel's lock, held now.
#[track_caller]
pub(crate) unsafe fn complete<T>(sg: SudogPtr<T>, success: bool) {
    // SAFETY: the caller's contract; the G stays parked until goready.
    unsafe {
        let sgp = sg.as_ptr();
        (*sgp).success = success;
        let g = &*(*sgp).g;
        g.param.store(sgp as u64, Ordering::Release);
        // The channel's lock is held, so interrupts are already off: Go's
        // `ready` directly (what `goready` does after disabling them).
        ready(g, true);
    }
}

impl<T: Send> ChanState<T> {
    /// Non-blocking receive attempt (lock held): `Some(Some(v))` got a value,
    /// `Some(None)` closed and drained, `None` would block.
    #[inline]
    pub(crate) fn try_recv(&mut self) -> Option<Option<T>> {
        if let Some(sg) = self.sendq.dequeue_claim(claim::<T>) {
            // SAFETY: claimed sudog, lock held.
            let sent =
                unsafe { (*sg.as_ptr()).elem.take() }.expect("blocked sender without a value");
            let v = if self.buf.cap() == 0 {
                sent
            } else {
                // A sender waits only when the buffer is full: take the head,
                // the sender's value goes to the tail.
                match self.buf.pop_push(sent) {
                    Ok(head) => head,
                    Err(_) => panic!("chan: blocked sender but the buffer is not full"),
                }
            };
            // SAFETY: as above.
            unsafe { complete(sg, true) };
            return Some(Some(v));
        }
        if let Some(v) = self.buf.pop() {
            return Some(Some(v));
        }
        if self.closed {
            return Some(None);
        }
        None
    }

    /// Non-blocking send attempt (lock held): `Ok(())` sent, `Err(v)` would
    /// block. Panics on a closed channel.
    #[inline]
    pub(crate) fn try_send(&mut self, v: T) -> Result<(), T> {
        if self.closed {
            panic!("send on closed channel");
        }
        if let Some(sg) = self.recvq.dequeue_claim(claim::<T>) {
            // SAFETY: claimed sudog, lock held.
            unsafe {
                (*sg.as_ptr()).elem = Some(v);
                complete(sg, true);
            }
            return Ok(());
        }
        self.buf.push(v)
    }
}

impl<T: Send> Chan<T> {
    /// A channel with a buffer of `cap` values (0: unbuffered).
    pub fn new(cap: usize) -> Self {
        Chan {
            c: Arc::new(HChan {
                lock: IrqMutex::new(ChanState {
                    buf: ChanBuf::new(cap),
                    recvq: WaitQ::new(),
                    sendq: WaitQ::new(),
                    closed: false,
                }),
            }),
        }
    }

    /// Send `v`, blocking until a receiver takes it or there is buffer room.
    /// Panics if the channel is (or becomes) closed.
    pub fn send(&self, v: T) {
        check_preempt();
        let mut st = self.c.lock.lock();
        let v = match st.try_send(v) {
            Ok(()) => return,
            Err(v) => v,
        };
        let gp = getg().expect("chan send on g0");
        let mut sg = Sudog::new(Some(v));
        sg.g = gp;
        let sgp: *mut Sudog<T> = &mut sg;
        // SAFETY: our own sudog, which stays on this parked G's stack until
        // a waker takes it off the queue; we hold the lock.
        unsafe { st.sendq.enqueue(NonNull::new_unchecked(sgp)) };
        goparkunlock(&self.c.lock, st, WaitReason::ChanSend);
        // SAFETY: the waker finished with the sudog before readying us.
        if !unsafe { (*sgp).success } {
            panic!("send on closed channel");
        }
    }

    /// Receive a value, blocking until one is available; `None` once the
    /// channel is closed and drained (Go's `v, ok := <-c` with `ok == false`).
    pub fn recv(&self) -> Option<T> {
        check_preempt();
        let mut st = self.c.lock.lock();
        if let Some(r) = st.try_recv() {
            return r;
        }
        let gp = getg().expect("chan receive on g0");
        let mut sg = Sudog::new(None);
        sg.g = gp;
        let sgp: *mut Sudog<T> = &mut sg;
        // SAFETY: as in `send`.
        unsafe { st.recvq.enqueue(NonNull::new_unchecked(sgp)) };
        goparkunlock(&self.c.lock, st, WaitReason::ChanReceive);
        // SAFETY: the waker finished with the sudog before readying us.
        unsafe {
            if (*sgp).success {
                (*sgp).elem.take()
            } else {
                None
            }
        }
    }

    /// Send without blocking: `Err(v)` if it would block.
    pub fn try_send(&self, v: T) -> Result<(), T> {
        self.c.lock.lock().try_send(v)
    }

    /// Receive without blocking: `None` if it would block, `Some(None)` if
    /// closed and drained.
    pub fn try_recv(&self) -> Option<Option<T>> {
        self.c.lock.lock().try_recv()
    }

    /// Close the channel: blocked receivers wake with "closed", blocked
    /// senders wake and panic. Closing twice panics, as in Go.
    pub fn close(&self) {
        let mut st = self.c.lock.lock();
        if st.closed {
            panic!("close of closed channel");
        }
        st.closed = true;
        while let Some(sg) = st.recvq.dequeue_claim(claim::<T>) {
            // SAFETY: claimed under the lock.
            unsafe {
                (*sg.as_ptr()).elem = None;
                complete(sg, false);
            }
        }
        while let Some(sg) = st.sendq.dequeue_claim(claim::<T>) {
            // SAFETY: claimed under the lock.
            unsafe { complete(sg, false) };
        }
    }

    /// Gs blocked receiving right now.
    pub fn waiting_receivers(&self) -> usize {
        self.c.lock.lock().recvq.len()
    }

    /// Values buffered now.
    pub fn len(&self) -> usize {
        self.c.lock.lock().buf.len()
    }

    /// Whether nothing is buffered now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Buffer capacity.
    pub fn cap(&self) -> usize {
        self.c.lock.lock().buf.cap()
    }

    /// An address identifying the channel (select's lock order).
    pub(crate) fn addr(&self) -> usize {
        Arc::as_ptr(&self.c) as usize
    }
}
