//! The two orders of Go's `selectgo`: the order in which a `select` polls its
//! cases (`pollorder`) and the order in which it locks their channels
//! (`lockorder`).
//!
//! Why a random poll order: when several cases are ready, Go picks one
//! uniformly at random, so no case can starve another by being written
//! first. `selectgo` builds the permutation with the "inside-out"
//! Fisher–Yates shuffle: case i goes to the end, then swaps with a slot
//! drawn from `0..=i` (`cheaprandn(i+1)`). Every sequence of draws gives a
//! different permutation, so with uniform draws every permutation is
//! equally likely — and it needs one pass and no scratch space. Cases
//! without a channel (a nil channel, or `default`) are left out of both
//! orders, as in Go; a nil-channel case can never proceed.
//!
//! Why a lock order by channel address: a `select` must hold every named
//! channel's lock at once, and two `select`s naming the same channels in
//! different orders would deadlock if each locked in its own order. Sorting
//! by address gives one global order. A channel named by two cases appears
//! twice, adjacent: [`sellock_order`] yields each address once, so the
//! kernel locks it once (and unlocks in the reverse of the same sequence).
//! Go heap-sorts (n log n, no recursion, constant stack); we use a *stable*
//! sort starting from the poll order, which keeps Go's intent — cases on
//! the same channel appear in random (poll) order, so which of them is
//! enqueued first is random too — and is deterministic for a given
//! poll order.
//!
//! The random source is the caller's: `below(n)` must return a value in
//! `0..n`, uniformly (the kernel passes its per-M `FastRand::below`).

use alloc::vec::Vec;

/// Go's `pollorder` for `n` cases, all with a channel: a uniformly random
/// permutation of `0..n`, given a uniform `below`. O(n), `n - 1` draws
/// (`below(1)` is never asked).
pub fn pollorder(n: usize, below: impl FnMut(u32) -> u32) -> Vec<usize> {
    let mut order = Vec::with_capacity(n);
    shuffle_in(&mut order, 0..n, below);
    order
}

/// Go's `pollorder` over a select's cases, where `chans[i]` is case i's
/// channel address, or `None` for a nil channel or `default`: the cases
/// with a channel, in uniformly random order.
pub fn pollorder_of(chans: &[Option<usize>], below: impl FnMut(u32) -> u32) -> Vec<usize> {
    let mut order = Vec::with_capacity(chans.len());
    let cases = chans.iter().enumerate().filter(|(_, c)| c.is_some());
    shuffle_in(&mut order, cases.map(|(i, _)| i), below);
    order
}

/// Inside-out Fisher–Yates: appends each case, then swaps it with a slot
/// drawn uniformly from those filled so far (itself included).
fn shuffle_in(
    order: &mut Vec<usize>,
    cases: impl Iterator<Item = usize>,
    mut below: impl FnMut(u32) -> u32,
) {
    for case in cases {
        let filled = order.len();
        order.push(case);
        if filled == 0 {
            continue;
        }
        let bound = u32::try_from(filled + 1).expect("selectorder: more than 2^32 cases");
        let j = below(bound) as usize;
        assert!(j <= filled, "selectorder: below({bound}) returned {j}");
        order.swap(j, filled);
    }
}

/// Go's `lockorder` over all cases: the indices `0..addrs.len()` sorted by
/// channel address `addrs[i]`; cases on the same channel keep index order.
pub fn lockorder(addrs: &[usize]) -> Vec<usize> {
    let all: Vec<usize> = (0..addrs.len()).collect();
    lockorder_from(addrs, &all)
}

/// Go's `lockorder` built from a `pollorder`: its case indices sorted by
/// channel address `addrs[case]`, stably, so cases on the same channel stay
/// in poll order. O(n log n).
pub fn lockorder_from(addrs: &[usize], pollorder: &[usize]) -> Vec<usize> {
    let mut order = pollorder.to_vec();
    order.sort_by_key(|&case| addrs[case]);
    order
}

/// The channels to lock, in lock order, each once (Go's `sellock` skips a
/// case whose channel equals the previous one). Reverse it (`.rev()`) for
/// `selunlock`'s order.
pub fn sellock_order<'a>(
    addrs: &'a [usize],
    lockorder: &'a [usize],
) -> impl DoubleEndedIterator<Item = usize> + 'a {
    lockorder
        .iter()
        .enumerate()
        .filter(move |&(i, &case)| i == 0 || addrs[lockorder[i - 1]] != addrs[case])
        .map(move |(_, &case)| addrs[case])
}

#[cfg(test)]
mod tests;
