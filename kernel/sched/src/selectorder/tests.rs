//! Poll order: a permutation, exactly uniform over all draw sequences,
//! near-uniform under a seeded generator. Lock order: sorted, stable,
//! each channel locked once.

use super::*;
use alloc::collections::BTreeMap;
use alloc::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// A seeded splitmix64 with Go's `cheaprandn` reduction
/// (`(x * n) >> 32`, no division).
struct TestRand(u64);

impl TestRand {
    fn below(&mut self, n: u32) -> u32 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((u64::from(z as u32) * u64::from(n)) >> 32) as u32
    }
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut seen = vec![false; n];
    order.len() == n
        && order
            .iter()
            .all(|&i| i < n && !core::mem::replace(&mut seen[i], true))
}

/// Runs `pollorder(n)` answering its k-th draw with `draws[k]`, and checks
/// it draws exactly `n - 1` times, each within its bound.
fn pollorder_with(n: usize, draws: &[u32]) -> Vec<usize> {
    let mut it = draws.iter();
    let order = pollorder(n, |bound| {
        let d = *it.next().expect("pollorder drew more than n-1 times");
        assert!(d < bound);
        d
    });
    assert!(it.next().is_none(), "pollorder drew fewer than n-1 times");
    order
}

#[test]
fn every_draw_sequence_gives_a_distinct_permutation() {
    // The draws for n cases are d1 < 2, d2 < 3, ..., d(n-1) < n: n! sequences.
    // If each gives a different permutation, all n! permutations occur
    // exactly once, so uniform draws give exactly uniform permutations.
    for n in 0..=6usize {
        let mut perms = BTreeMap::new();
        let mut draws = vec![0u32; n.saturating_sub(1)];
        loop {
            let order = pollorder_with(n, &draws);
            assert!(is_permutation(&order, n), "{order:?}");
            *perms.entry(order).or_insert(0) += 1;
            // Next draw sequence (mixed-radix counter, digit k < k + 2).
            let mut k = 0;
            while k < draws.len() {
                draws[k] += 1;
                if draws[k] < k as u32 + 2 {
                    break;
                }
                draws[k] = 0;
                k += 1;
            }
            if k == draws.len() {
                break;
            }
        }
        let factorial: usize = (1..=n).product();
        assert_eq!(perms.len(), factorial, "n={n}");
        assert!(perms.values().all(|&c| c == 1), "n={n}");
    }
}

#[test]
fn seeded_generator_hits_all_24_orders_of_4_evenly() {
    // 24,000 selects of 4 cases: each order expected 1,000 times, standard
    // deviation ~31. The seed is fixed, so the counts never change; the
    // bound (±15%, ~5 sigma) only says the shuffle is not biased.
    let mut rng = TestRand(0x5e1e_c7ed);
    let mut counts: BTreeMap<Vec<usize>, u32> = BTreeMap::new();
    for _ in 0..24_000 {
        *counts.entry(pollorder(4, |n| rng.below(n))).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 24);
    for (perm, &c) in &counts {
        assert!((850..=1150).contains(&c), "{perm:?} came {c} times");
    }
    // Each case is polled first about a quarter of the time.
    for first in 0..4 {
        let c: u32 = counts
            .iter()
            .filter(|(p, _)| p[0] == first)
            .map(|(_, c)| c)
            .sum();
        assert!((5_500..=6_500).contains(&c), "case {first} first {c} times");
    }
}

#[test]
fn pollorder_of_leaves_out_cases_without_a_channel() {
    let chans = [Some(0x100), None, Some(0x200), Some(0x100), None];
    let mut rng = TestRand(1);
    for _ in 0..100 {
        let mut order = pollorder_of(&chans, |n| rng.below(n));
        order.sort_unstable();
        assert_eq!(order, vec![0, 2, 3]);
    }
    assert!(pollorder_of(&[None, None], |_| unreachable!()).is_empty());
}

#[test]
#[should_panic(expected = "below(2) returned 2")]
fn a_bad_random_source_is_named() {
    pollorder(3, |n| n);
}

#[test]
fn same_channel_cases_lock_in_poll_order() {
    // Cases 0 and 2 name one channel; their relative lock (and enqueue)
    // order follows the poll order, so it is as random as the poll order.
    let addrs = [0x300, 0x100, 0x300, 0x200];
    assert_eq!(lockorder_from(&addrs, &[2, 1, 0, 3]), vec![1, 3, 2, 0]);
    assert_eq!(lockorder_from(&addrs, &[0, 3, 2, 1]), vec![1, 3, 0, 2]);
    assert_eq!(lockorder(&addrs), vec![1, 3, 0, 2]);
    let locks: Vec<_> = sellock_order(&addrs, &lockorder(&addrs)).collect();
    assert_eq!(locks, vec![0x100, 0x200, 0x300]);
    let unlocks: Vec<_> = sellock_order(&addrs, &lockorder(&addrs)).rev().collect();
    assert_eq!(unlocks, vec![0x300, 0x200, 0x100]);
}

proptest! {
    #![proptest_config(Config {
        cases: 512,
        rng_seed: RngSeed::Fixed(0x005e_1ec7),
        failure_persistence: None,
        ..Config::default()
    })]

    /// Any draws give a permutation; any seeded run is a permutation.
    #[test]
    fn pollorder_is_a_permutation(n in 0usize..40, seed in any::<u64>()) {
        let mut rng = TestRand(seed);
        prop_assert!(is_permutation(&pollorder(n, |b| rng.below(b)), n));
    }

    /// Lock order: a permutation of the poll order, sorted by address,
    /// stable (equal addresses keep poll order, hence adjacent), and
    /// `sellock_order` names each channel once, ascending.
    #[test]
    fn lockorder_sorted_stable_each_channel_once(
        addrs in proptest::collection::vec(0usize..6, 0..24),
        seed in any::<u64>(),
    ) {
        let mut rng = TestRand(seed);
        let poll = pollorder(addrs.len(), |b| rng.below(b));
        let lock = lockorder_from(&addrs, &poll);
        prop_assert!(is_permutation(&lock, addrs.len()));
        for w in lock.windows(2) {
            prop_assert!(addrs[w[0]] <= addrs[w[1]]);
            if addrs[w[0]] == addrs[w[1]] {
                let pos = |c| poll.iter().position(|&p| p == c).unwrap();
                prop_assert!(pos(w[0]) < pos(w[1]), "tie not in poll order");
            }
        }
        let locks: Vec<usize> = sellock_order(&addrs, &lock).collect();
        let mut distinct = addrs.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(&locks, &distinct);
        let mut unlocks: Vec<usize> = sellock_order(&addrs, &lock).rev().collect();
        unlocks.reverse();
        prop_assert_eq!(unlocks, distinct);
        let by_index = lockorder(&addrs);
        for w in by_index.windows(2) {
            prop_assert!((addrs[w[0]], w[0]) < (addrs[w[1]], w[1]));
        }
    }
}
