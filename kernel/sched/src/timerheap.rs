//! A P's timers: Go's per-P 4-ary min-heap ordered by `when`.
//!
//! Why a heap per P: since Go 1.14 there is no timer goroutine; each P keeps
//! its own timers and the scheduler runs the expired ones itself (before
//! `findRunnable` looks for work, and when it steals). A timer is then
//! touched under its own P's lock only, and "when does the next timer fire?"
//! — the question an idle M asks before it sleeps — is the root of the heap,
//! O(1).
//!
//! Why 4-ary (Go's `timerHeapN = 4`): a heap of height log₄ n instead of
//! log₂ n. Adding and modifying (sift-up: one compare per level) get twice
//! as cheap; removing the root (sift-down: up to four compares per level)
//! costs about the same as a binary heap, and the four children sit next to
//! each other in memory. Go keeps `when` beside the timer pointer in the heap
//! array (`timerWhen`) so sifting never follows a pointer: the entries here
//! are likewise small `Copy` records, the values live in a separate slab and
//! never move.
//!
//! Why stable ids: `time.Timer.Stop`/`Reset` (and a `select` that gives up a
//! timeout) must remove or move one timer in O(log n). Each heap entry names
//! its slab slot, each slot records its heap position, and every sift step
//! keeps the two in step. A [`TimerId`] carries the slot's generation, so an
//! id whose timer has fired or been deleted is refused even after its slot
//! was reused (the generation would have to wrap 2³² times on one slot).
//!
//! Where this differs from Go, on purpose: Go does not order equal `when`s.
//! Here ties go in the order their `when` was set (by [`TimerHeap::add`] or
//! [`TimerHeap::modify`]), through a sequence number in the heap key, so a
//! run that fires several timers in one tick is repeatable and testable.
//!
//! Costs (n timers): `add`, `delete`, `modify`, `pop_expired` O(log n);
//! `peek_when`, `len`, `get`, `when` O(1). Nothing allocates once the heap
//! and slab have grown to their high-water mark: freed slots are reused
//! through a free list (`with_capacity` avoids even the growth).

use alloc::vec::Vec;

/// Go's `timerHeapN`: the heap's arity.
pub const TIMER_HEAP_N: usize = 4;

/// A handle to one timer of one [`TimerHeap`]. Stays valid until the timer
/// fires ([`TimerHeap::pop_expired`]) or is deleted; after that every
/// operation on it reports "no such timer".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId {
    slot: u32,
    generation: u32,
}

/// One heap element: the ordering key and the slab slot of its value.
#[derive(Clone, Copy, Debug)]
struct Entry {
    when: u64,
    /// Order in which `when` was set; breaks ties between equal `when`s.
    seq: u64,
    slot: u32,
}

impl Entry {
    fn key(&self) -> (u64, u64) {
        (self.when, self.seq)
    }
}

enum SlotState<T> {
    /// Holds a live timer at heap index `pos`.
    Live { pos: u32, value: T },
    /// On the free list; `next` is the next free slot or [`NO_SLOT`].
    Free { next: u32 },
}

struct Slot<T> {
    generation: u32,
    state: SlotState<T>,
}

const NO_SLOT: u32 = u32::MAX;

/// Go's per-P timer heap, holding one `T` per timer.
pub struct TimerHeap<T> {
    heap: Vec<Entry>,
    slots: Vec<Slot<T>>,
    free: u32,
    next_seq: u64,
}

impl<T> Default for TimerHeap<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerHeap<T> {
    /// An empty heap; allocates nothing until the first `add`.
    pub const fn new() -> Self {
        TimerHeap {
            heap: Vec::new(),
            slots: Vec::new(),
            free: NO_SLOT,
            next_seq: 0,
        }
    }

    /// An empty heap with room for `n` timers before it allocates again.
    pub fn with_capacity(n: usize) -> Self {
        TimerHeap {
            heap: Vec::with_capacity(n),
            slots: Vec::with_capacity(n),
            free: NO_SLOT,
            next_seq: 0,
        }
    }

    /// Number of timers in the heap.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether the heap holds no timer.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Adds a timer that fires at `when` (ns). O(log n).
    pub fn add(&mut self, when: u64, value: T) -> TimerId {
        let pos = self.heap.len();
        assert!(pos < NO_SLOT as usize, "timerheap: more than 2^32-1 timers");
        let state = SlotState::Live {
            pos: pos as u32,
            value,
        };
        let slot = if self.free != NO_SLOT {
            let slot = self.free;
            let s = &mut self.slots[slot as usize];
            match s.state {
                SlotState::Free { next } => self.free = next,
                SlotState::Live { .. } => panic!("timerheap: live slot on the free list"),
            }
            s.state = state;
            slot
        } else {
            self.slots.push(Slot {
                generation: 0,
                state,
            });
            (self.slots.len() - 1) as u32
        };
        let seq = self.take_seq();
        self.heap.push(Entry { when, seq, slot });
        self.siftup(pos);
        TimerId {
            slot,
            generation: self.slots[slot as usize].generation,
        }
    }

    /// Removes timer `id` and returns its value, or `None` if it already
    /// fired or was deleted. O(log n).
    pub fn delete(&mut self, id: TimerId) -> Option<T> {
        let pos = self.pos_of(id)?;
        Some(self.remove_at(pos))
    }

    /// Moves timer `id` to fire at `when` (Go's `modtimer`/`Reset`). Among
    /// timers with the same `when` it now comes last. Returns false if the
    /// timer already fired or was deleted. O(log n).
    pub fn modify(&mut self, id: TimerId, when: u64) -> bool {
        let Some(pos) = self.pos_of(id) else {
            return false;
        };
        let seq = self.take_seq();
        let e = &mut self.heap[pos];
        e.when = when;
        e.seq = seq;
        self.fix(pos);
        true
    }

    /// When the earliest timer fires, if there is one. O(1).
    pub fn peek_when(&self) -> Option<u64> {
        self.heap.first().map(|e| e.when)
    }

    /// The earliest timer and its `when`. O(1).
    pub fn peek(&self) -> Option<(TimerId, u64)> {
        self.heap.first().map(|e| (self.id_of(e.slot), e.when))
    }

    /// Removes and returns the earliest timer if it is due (`when <= now`),
    /// one per call so the caller can run it (and drop locks) in between.
    /// Equal `when`s come out in the order their `when` was set. O(log n).
    pub fn pop_expired(&mut self, now: u64) -> Option<(u64, T)> {
        let when = self.peek_when()?;
        if when > now {
            return None;
        }
        Some((when, self.remove_at(0)))
    }

    /// Moves every timer to `to`, keeping each `when` (Go's `timers.take`
    /// when a P is destroyed: its timers go to a surviving P). The ids of
    /// the moved timers are not valid in `to`. Returns how many moved.
    pub fn move_all_to(&mut self, to: &mut TimerHeap<T>) -> usize {
        let mut n = 0;
        while let Some((_, when)) = self.peek() {
            let v = self.remove_at(0);
            to.add(when, v);
            n += 1;
        }
        n
    }

    /// The value of timer `id`, if it is still pending. O(1).
    pub fn get(&self, id: TimerId) -> Option<&T> {
        match &self.live_slot(id)?.state {
            SlotState::Live { value, .. } => Some(value),
            SlotState::Free { .. } => None,
        }
    }

    /// The value of timer `id` for update, if it is still pending. O(1).
    pub fn get_mut(&mut self, id: TimerId) -> Option<&mut T> {
        self.live_slot(id)?;
        match &mut self.slots[id.slot as usize].state {
            SlotState::Live { value, .. } => Some(value),
            SlotState::Free { .. } => None,
        }
    }

    /// When timer `id` fires, if it is still pending. O(1).
    pub fn when(&self, id: TimerId) -> Option<u64> {
        self.pos_of(id).map(|pos| self.heap[pos].when)
    }

    /// Checks every invariant (Go's `timers.verify`): the heap order, and
    /// that heap entries and live slots point at each other. O(n). Panics
    /// with a message naming the broken rule.
    pub fn verify(&self) {
        for (i, e) in self.heap.iter().enumerate() {
            if i > 0 {
                let parent = &self.heap[(i - 1) / TIMER_HEAP_N];
                assert!(parent.key() < e.key(), "timerheap: bad heap order at {i}");
            }
            match self.slots.get(e.slot as usize).map(|s| &s.state) {
                Some(SlotState::Live { pos, .. }) => {
                    assert_eq!(*pos as usize, i, "timerheap: slot does not point back");
                }
                _ => panic!("timerheap: heap entry {i} names a slot that is not live"),
            }
        }
        let live = self
            .slots
            .iter()
            .filter(|s| matches!(s.state, SlotState::Live { .. }))
            .count();
        assert_eq!(
            live,
            self.heap.len(),
            "timerheap: live slots != heap length"
        );
        let mut free = 0;
        let mut f = self.free;
        while f != NO_SLOT {
            free += 1;
            assert!(free <= self.slots.len(), "timerheap: free list has a cycle");
            match self.slots[f as usize].state {
                SlotState::Free { next } => f = next,
                SlotState::Live { .. } => panic!("timerheap: live slot on the free list"),
            }
        }
        assert_eq!(live + free, self.slots.len(), "timerheap: a slot is lost");
    }

    fn take_seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    fn id_of(&self, slot: u32) -> TimerId {
        TimerId {
            slot,
            generation: self.slots[slot as usize].generation,
        }
    }

    fn live_slot(&self, id: TimerId) -> Option<&Slot<T>> {
        let s = self.slots.get(id.slot as usize)?;
        (s.generation == id.generation && matches!(s.state, SlotState::Live { .. })).then_some(s)
    }

    fn pos_of(&self, id: TimerId) -> Option<usize> {
        match self.live_slot(id)?.state {
            SlotState::Live { pos, .. } => Some(pos as usize),
            SlotState::Free { .. } => None,
        }
    }

    /// Takes the entry at heap index `pos` out, frees its slot, returns its value.
    fn remove_at(&mut self, pos: usize) -> T {
        let removed = self.heap.swap_remove(pos);
        if pos < self.heap.len() {
            self.fix(pos);
        }
        let s = &mut self.slots[removed.slot as usize];
        s.generation = s.generation.wrapping_add(1);
        let old = core::mem::replace(&mut s.state, SlotState::Free { next: self.free });
        self.free = removed.slot;
        match old {
            SlotState::Live { value, .. } => value,
            SlotState::Free { .. } => panic!("timerheap: removed a free slot"),
        }
    }

    /// Restores heap order around `pos` after its key changed.
    fn fix(&mut self, pos: usize) {
        if pos > 0 && self.heap[pos].key() < self.heap[(pos - 1) / TIMER_HEAP_N].key() {
            self.siftup(pos);
        } else {
            self.siftdown(pos);
        }
    }

    /// Writes `e` at heap index `pos` and tells its slot.
    fn place(&mut self, pos: usize, e: Entry) {
        self.heap[pos] = e;
        if let SlotState::Live { pos: p, .. } = &mut self.slots[e.slot as usize].state {
            *p = pos as u32;
        }
    }

    /// Go's `siftupTimer`: moves the entry at `pos` towards the root.
    fn siftup(&mut self, mut pos: usize) {
        let e = self.heap[pos];
        while pos > 0 {
            let parent = (pos - 1) / TIMER_HEAP_N;
            let p = self.heap[parent];
            if p.key() < e.key() {
                break;
            }
            self.place(pos, p);
            pos = parent;
        }
        self.place(pos, e);
    }

    /// Go's `siftdownTimer`: moves the entry at `pos` towards the leaves.
    fn siftdown(&mut self, mut pos: usize) {
        let e = self.heap[pos];
        let n = self.heap.len();
        loop {
            let first = pos * TIMER_HEAP_N + 1;
            if first >= n {
                break;
            }
            let last = (first + TIMER_HEAP_N).min(n);
            let mut min = first;
            for c in first + 1..last {
                if self.heap[c].key() < self.heap[min].key() {
                    min = c;
                }
            }
            let m = self.heap[min];
            if e.key() < m.key() {
                break;
            }
            self.place(pos, m);
            pos = min;
        }
        self.place(pos, e);
    }
}

#[cfg(test)]
mod tests;
