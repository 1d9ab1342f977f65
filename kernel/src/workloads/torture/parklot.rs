//! A parking lot: Gs park themselves in a slot with `gopark`, and other Gs
//! (usually on other cores) find them there and `goready` them.
//!
//! Design note: a slot is claimed first (null → `reserved`), and the G's
//! pointer is published only by `gopark`'s unlock function, which runs on
//! g0 after the G is `Gwaiting` with its context saved — Go's rule that a
//! waker may find a G only once it is fully parked. A waker takes the G out
//! of its slot by CAS, so each park is ended by exactly one `goready`.
//!
//! With `fault=wake-lose` (a negative control) the first G taken out of a
//! slot is not readied: a lost wake-up, the bug class the torture exists
//! to catch. The G stays `Gwaiting` in no slot, which no invariant of a
//! stopped world forbids, so only the round's stall watch can find it.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use gmp_sched::options::Fault;

use crate::runtime::inspect::g::{G, WaitReason};
use crate::runtime::inspect::gopark;
use crate::runtime::inspect::goready;

const SLOTS: usize = 32;

/// `fault=wake-lose`: the next wake-up is dropped (set once, at the start
/// of the run).
static LOSE_NEXT_WAKE: AtomicBool = AtomicBool::new(false);

/// Arm `fault=wake-lose` if it was asked for (once per run).
pub fn arm_fault() {
    if crate::runtime::inspect::debug::knobs().fault == Fault::WakeLose {
        LOSE_NEXT_WAKE.store(true, Ordering::Relaxed);
    }
}

fn reserved() -> *mut G {
    NonNull::<G>::dangling().as_ptr()
}

/// Slots where parked Gs wait to be readied.
pub struct ParkLot {
    slots: [AtomicPtr<G>; SLOTS],
}

impl ParkLot {
    /// An empty lot.
    pub fn new() -> ParkLot {
        ParkLot {
            slots: [const { AtomicPtr::new(core::ptr::null_mut()) }; SLOTS],
        }
    }

    /// Park the calling G in a free slot (starting the search at `start`)
    /// until someone readies it; false at once if every slot is taken.
    pub fn park(&self, start: usize) -> bool {
        for i in 0..SLOTS {
            let slot = &self.slots[(start + i) % SLOTS];
            if slot
                .compare_exchange(
                    core::ptr::null_mut(),
                    reserved(),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                gopark(
                    Some(publish),
                    slot as *const AtomicPtr<G> as *const (),
                    WaitReason::Park,
                );
                return true;
            }
        }
        false
    }

    /// Ready one parked G (searching from `start`); false if none is.
    pub fn ready_one(&self, start: usize) -> bool {
        for i in 0..SLOTS {
            let slot = &self.slots[(start + i) % SLOTS];
            let gp = slot.load(Ordering::Acquire);
            if gp.is_null() || gp == reserved() {
                continue;
            }
            if slot
                .compare_exchange(
                    gp,
                    core::ptr::null_mut(),
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                if LOSE_NEXT_WAKE.load(Ordering::Relaxed)
                    && LOSE_NEXT_WAKE.swap(false, Ordering::Relaxed)
                {
                    // The deliberate bug: taken out of its slot, never readied.
                    return true;
                }
                // SAFETY: Gs are never freed, and this G is parked: its
                // unlock function published it after it became Gwaiting,
                // and our CAS made us its only waker.
                goready(unsafe { &*gp });
                return true;
            }
        }
        false
    }

    /// Ready every parked G; how many were.
    pub fn ready_all(&self) -> usize {
        let mut n = 0;
        while self.ready_one(0) {
            n += 1;
        }
        n
    }

    /// Slots in use (reserved or holding a parked G).
    pub fn in_use(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| !s.load(Ordering::Acquire).is_null())
            .count()
    }
}

/// `gopark`'s unlock function: publish the now-parked G in its slot.
fn publish(gp: &G, slot: *const ()) -> bool {
    // SAFETY: `slot` is the lot's slot that `park` reserved; lots outlive
    // every G parked in them (the round waits for its Gs).
    let slot = unsafe { &*(slot as *const AtomicPtr<G>) };
    slot.store(gp as *const G as *mut G, Ordering::Release);
    true
}
