//! A histogram of durations in nanoseconds with the bucket layout of Go's
//! `timeHistogram` (runtime/histogram.go, Go 1.16–1.19): an HDR histogram
//! whose super-buckets are powers of two and whose 16 sub-buckets split each
//! super-bucket linearly, so a bucket's width is at most 1/16 of its lower
//! bound (about 6 % relative error) over the whole range.
//!
//! Layout (`SUB_BITS` = 4, `SUPER` = 45, 720 buckets):
//! - super-bucket 0 holds 0..16 ns exactly, one ns per sub-bucket;
//! - super-bucket `s` ≥ 1 holds `[2^(s+3), 2^(s+4))`, the 4 bits after the
//!   top set bit choosing the sub-bucket;
//! - everything from `2^48` ns (about 3 days) up lands in the last bucket.
//!
//! Design note: the kernel keeps one [`TimeHistogram`] per P and cause,
//! written only by the M holding that P (with interrupts off), so
//! [`TimeHistogram::record`] increments with a relaxed load and store — no
//! locked instruction — and the end-of-run reader, which runs after the
//! workload, sums the per-P counts into a [`Counts`] ([`Counts::add`]) and
//! asks it for percentiles. The exact maximum is kept beside the buckets,
//! since the top bucket of a run is up to 6 % wide.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

/// Bits of the value after its top set bit that pick the sub-bucket.
pub const SUB_BITS: u32 = 4;
/// Sub-buckets per super-bucket.
pub const SUB: usize = 1 << SUB_BITS;
/// Super-buckets.
pub const SUPER: usize = 45;
/// Buckets in all.
pub const BUCKETS: usize = SUPER * SUB;

/// The bucket that holds `ns`.
pub fn bucket_of(ns: u64) -> usize {
    if ns < SUB as u64 {
        return ns as usize;
    }
    let sup = (64 - ns.leading_zeros() - SUB_BITS) as usize;
    if sup >= SUPER {
        return BUCKETS - 1;
    }
    let sub = ((ns >> (sup - 1)) as usize) % SUB;
    sup * SUB + sub
}

/// The smallest value in bucket `i` (its lower bound, inclusive).
pub fn bucket_min(i: usize) -> u64 {
    let (sup, sub) = (i / SUB, (i % SUB) as u64);
    match sup {
        0 => sub,
        1 => SUB as u64 + sub,
        _ => (1u64 << (sup as u32 - 1 + SUB_BITS)) + (sub << (sup - 1)),
    }
}

/// The largest value in bucket `i` (inclusive; `u64::MAX` for the last).
pub fn bucket_max(i: usize) -> u64 {
    if i + 1 >= BUCKETS {
        u64::MAX
    } else {
        bucket_min(i + 1) - 1
    }
}

/// A histogram one writer fills while readers may look.
pub struct TimeHistogram {
    counts: [AtomicU64; BUCKETS],
    max: AtomicU64,
}

impl Default for TimeHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl TimeHistogram {
    /// An empty histogram.
    pub const fn new() -> Self {
        TimeHistogram {
            counts: [const { AtomicU64::new(0) }; BUCKETS],
            max: AtomicU64::new(0),
        }
    }

    /// Count one duration. Single writer: a relaxed load and store, so two
    /// writers at once would lose counts (the kernel's writer is the M
    /// holding the P that owns the histogram).
    #[inline]
    pub fn record(&self, ns: u64) {
        let c = &self.counts[bucket_of(ns)];
        c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        if ns > self.max.load(Ordering::Relaxed) {
            self.max.store(ns, Ordering::Relaxed);
        }
    }

    /// Forget every count (single writer, as [`record`](Self::record)).
    pub fn reset(&self) {
        for c in &self.counts {
            c.store(0, Ordering::Relaxed);
        }
        self.max.store(0, Ordering::Relaxed);
    }

    /// A copy of the counts now.
    pub fn snapshot(&self) -> Counts {
        let mut out = Counts::new();
        self.add_to(&mut out);
        out
    }

    /// Add the counts now into `out`.
    pub fn add_to(&self, out: &mut Counts) {
        for (o, c) in out.counts.iter_mut().zip(&self.counts) {
            *o += c.load(Ordering::Relaxed);
        }
        out.max = out.max.max(self.max.load(Ordering::Relaxed));
    }
}

/// Plain counts, for merging and reading (on the heap: 5.7 KiB is a third
/// of a kernel G's stack).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Counts {
    pub counts: Vec<u64>,
    /// The largest value recorded (exact).
    pub max: u64,
}

impl Default for Counts {
    fn default() -> Self {
        Self::new()
    }
}

impl Counts {
    /// No counts.
    pub fn new() -> Self {
        Counts {
            counts: alloc::vec![0; BUCKETS],
            max: 0,
        }
    }

    /// Merge `other` in.
    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.max = self.max.max(other.max);
    }

    /// The lower bound of the first non-empty bucket; `None` with no values.
    pub fn min(&self) -> Option<u64> {
        self.counts.iter().position(|&c| c > 0).map(bucket_min)
    }

    /// Values counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q`-quantile (`per_mille` of 1000, e.g. 990 for p99) as the upper
    /// bound of the bucket holding it, capped at the exact maximum; `None`
    /// with no values. The true quantile is at most one bucket width (6 %)
    /// below the answer, never above it.
    pub fn quantile(&self, per_mille: u32) -> Option<u64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // The rank of the quantile: the smallest r with r >= q * total, at
        // least 1 (the first value).
        let rank = (total * per_mille as u64).div_ceil(1000).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(bucket_max(i).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        for ns in 0..32u64 {
            let i = bucket_of(ns);
            assert_eq!(bucket_min(i), ns, "{ns}");
            assert_eq!(bucket_max(i), ns, "{ns}");
        }
    }

    #[test]
    fn every_value_falls_inside_its_bucket() {
        let mut ns = 1u64;
        while ns < 1 << 50 {
            for v in [ns - 1, ns, ns + 1, ns + ns / 3, ns * 2 - 1] {
                let i = bucket_of(v);
                assert!(bucket_min(i) <= v, "{v} below bucket {i}");
                assert!(v <= bucket_max(i) || i == BUCKETS - 1, "{v} above {i}");
            }
            ns *= 2;
        }
    }

    #[test]
    fn buckets_tile_the_range_without_gaps() {
        for i in 0..BUCKETS - 1 {
            assert_eq!(bucket_max(i) + 1, bucket_min(i + 1), "after bucket {i}");
        }
        assert_eq!(bucket_min(BUCKETS - 1), (1 << 48) - (1 << 43));
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn bucket_width_is_at_most_a_sixteenth() {
        for i in 2 * SUB..BUCKETS - 1 {
            let w = bucket_max(i) - bucket_min(i) + 1;
            assert!(w * 16 <= bucket_min(i), "bucket {i} width {w}");
        }
    }

    #[test]
    fn quantiles_of_a_known_distribution() {
        let h = TimeHistogram::new();
        for v in 1..=1000u64 {
            h.record(v * 100);
        }
        let c = h.snapshot();
        assert_eq!(c.total(), 1000);
        assert_eq!(c.max, 100_000);
        let p50 = c.quantile(500).unwrap();
        assert!((50_000..=50_000 * 17 / 16).contains(&p50), "p50 {p50}");
        let p99 = c.quantile(990).unwrap();
        assert!((99_000..=99_000 * 17 / 16).contains(&p99), "p99 {p99}");
        assert_eq!(c.quantile(1000), Some(100_000));
        let min = c.min().unwrap();
        assert!(min <= 100 && 100 * 16 <= min * 17, "min {min}");
        assert_eq!(Counts::new().quantile(500), None);
    }

    #[test]
    fn p999_is_a_per_mille_quantile() {
        // 10,000 values: 9,990 fast ones and 10 slow ones. p999's rank is
        // 9,990 (the last fast value), so one more slow value moves it.
        let h = TimeHistogram::new();
        for _ in 0..9_990 {
            h.record(1_000);
        }
        for _ in 0..10 {
            h.record(5_000_000);
        }
        let c = h.snapshot();
        let p999 = c.quantile(999).unwrap();
        assert!((1_000..=1_000 * 17 / 16).contains(&p999), "p999 {p999}");
        h.record(5_000_000);
        let c = h.snapshot();
        let p999 = c.quantile(999).unwrap();
        assert!(
            (5_000_000..=5_000_000 * 17 / 16).contains(&p999),
            "p999 {p999}"
        );
        assert_eq!(c.quantile(1000), Some(5_000_000));
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_larger_max() {
        let (a, b) = (TimeHistogram::new(), TimeHistogram::new());
        a.record(10);
        a.record(5_000);
        b.record(7);
        b.record(1 << 40);
        let mut m = a.snapshot();
        m.add(&b.snapshot());
        assert_eq!(m.total(), 4);
        assert_eq!(m.max, 1 << 40);
        assert_eq!(m.quantile(250), Some(7));
        assert_eq!(m.quantile(500), Some(10));
        a.reset();
        assert_eq!(a.snapshot().total(), 0);
    }

    #[test]
    fn huge_values_land_in_the_last_bucket() {
        let h = TimeHistogram::new();
        h.record(1 << 60);
        assert_eq!(h.snapshot().counts[BUCKETS - 1], 1);
        assert_eq!(h.snapshot().quantile(500), Some(1 << 60));
    }
}
