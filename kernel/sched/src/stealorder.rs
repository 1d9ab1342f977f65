//! The order in which a spinning M visits the other Ps to steal from
//! (Go: `randomOrder` / `randomEnum`, the `stealOrder` global).
//!
//! Design note: every thief must visit every P exactly once per pass, but
//! thieves must not all start at P0 and march in lock-step, or they would
//! all hit the same victim. Go's trick: for `count` Ps, walking
//! `pos, pos + inc, pos + 2·inc, ... (mod count)` visits every P exactly
//! once when `inc` is coprime with `count`. A random `i` picks both the
//! start (`i % count`) and the stride (one of the coprimes), so the orders
//! differ without shuffling a list on every steal.
//!
//! The coprimes are computed once per `reset` (Go: in `procresize`), in a
//! `Vec` so that the P count has no compile-time limit.

use alloc::vec::Vec;

/// Greatest common divisor (Euclid).
pub fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The strides for `count` Ps (Go: `randomOrder`).
#[derive(Clone, Debug, Default)]
pub struct RandomOrder {
    count: u32,
    coprimes: Vec<u32>,
}

impl RandomOrder {
    /// An order for zero Ps; call [`RandomOrder::reset`] before `start`.
    pub const fn new() -> Self {
        Self {
            count: 0,
            coprimes: Vec::new(),
        }
    }

    /// Sets the number of Ps and recomputes the strides: every `1..=count`
    /// coprime with `count` (Go: `reset`, called by `procresize`).
    pub fn reset(&mut self, count: u32) {
        // lab steal/order: begin
        self.count = count;
        self.coprimes.clear();
        self.coprimes
            .extend((1..=count).filter(|&i| gcd(i, count) == 1));
        // lab steal/order: end
    }

    /// The number of Ps.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The strides coprime with `count`, ascending.
    pub fn coprimes(&self) -> &[u32] {
        &self.coprimes
    }

    /// An enumeration of all Ps chosen by the random `i`: it starts at
    /// `i % count` with stride `coprimes[i / count % len]` (Go: `start`).
    ///
    /// Panics if `reset` was never called with a non-zero count.
    pub fn start(&self, i: u32) -> RandomEnum {
        assert!(self.count > 0, "stealOrder: start before reset");
        let len = self.coprimes.len() as u32;
        RandomEnum {
            i: 0,
            count: self.count,
            pos: i % self.count,
            inc: self.coprimes[(i / self.count % len) as usize],
        }
    }
}

/// One pass over all Ps (Go: `randomEnum`). Use Go's
/// `done`/`position`/`advance` loop, or iterate: it yields every P index
/// exactly once.
#[derive(Clone, Debug)]
pub struct RandomEnum {
    i: u32,
    count: u32,
    pos: u32,
    inc: u32,
}

impl RandomEnum {
    /// Whether every P has been visited (Go: `done`).
    pub fn done(&self) -> bool {
        self.i == self.count
    }

    /// Moves to the next P (Go: `next`).
    pub fn advance(&mut self) {
        self.i += 1;
        // u64: pos + inc can exceed u32 for huge counts.
        self.pos = ((u64::from(self.pos) + u64::from(self.inc)) % u64::from(self.count)) as u32;
    }

    /// The current P's index (Go: `position`).
    pub fn position(&self) -> u32 {
        self.pos
    }

    /// The stride between consecutive Ps (mod the P count): with the
    /// first position it names the whole pass, in two numbers however
    /// many Ps there are.
    pub fn stride(&self) -> u32 {
        self.inc
    }
}

impl Iterator for RandomEnum {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if self.done() {
            return None;
        }
        let pos = self.pos;
        self.advance();
        Some(pos)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.count - self.i) as usize;
        (left, Some(left))
    }
}

impl ExactSizeIterator for RandomEnum {}

/// The `nearest` policy's victim order for the core with APIC id `me`
/// among `apics` (every core's APIC id, by M index): the indices of the
/// other cores, nearest first. Distance is the highest bit in which two
/// APIC ids differ: x86 APIC ids are laid out SMT thread, then core, then
/// package, from the low bits up, so siblings differ lowest and cores of
/// another package differ highest. Ties keep index order.
pub fn nearest_first(me: u32, apics: &[u32]) -> Vec<u32> {
    let distance = |a: u32| (a ^ me).checked_ilog2().map_or(0, |b| b + 1);
    let mut order: Vec<u32> = (0..apics.len() as u32)
        .filter(|&i| apics[i as usize] != me)
        .collect();
    order.sort_by_key(|&i| (distance(apics[i as usize]), i));
    order
}
