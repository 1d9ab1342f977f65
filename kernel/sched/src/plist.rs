//! Per-P (and per-M) lists, laid out for a person to read at any P count.
//!
//! Design note: Go prints schedtrace's per-P lists in full
//! (`[ 7 15 0 5 ] schedticks=[ 8 169 18 73 ]`), and so does the kernel, so
//! tools that read Go's lines read ours. At 512 Ps a full list is 512
//! numbers on one line, twice per line, several lines a second: nobody
//! reads that. Up to [`FULL_MAX`] entries a list is printed in full, as Go
//! does; past that it is summarised by what a reader looks for — the
//! extremes and where they are, the middle, the total and how many are zero
//! (`[ 512 Ps: min 0, median 0, max 256 (P7), sum 1234, 498 zero ]`). The
//! end-of-run table and the steal-pass line use the same threshold: they
//! list the busiest rows and each M's pass as start and stride instead of
//! everything.

use alloc::vec::Vec;
use core::fmt::{self, Write};

/// The most entries a list shows in full.
pub const FULL_MAX: usize = 64;

/// Writes `values` (one per P, or per M: `unit` is `'P'` or `'M'`) as
/// `[ 7 15 0 5 ]`, or summarised past [`FULL_MAX`] entries.
pub fn write_list(out: &mut impl Write, values: &[u64], unit: char) -> fmt::Result {
    if values.len() <= FULL_MAX {
        out.write_char('[')?;
        for v in values {
            write!(out, " {v}")?;
        }
        return out.write_str(" ]");
    }
    let s = Stats::of(values);
    write!(
        out,
        "[ {} {unit}s: min {}, median {}, max {} ({unit}{}), sum {}, {} zero ]",
        values.len(),
        s.min,
        s.median,
        s.max,
        s.argmax,
        s.sum,
        s.zeros
    )
}

/// The summary of a list of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    pub min: u64,
    /// The lower middle value of the sorted list.
    pub median: u64,
    pub max: u64,
    /// Index of the first entry equal to `max`.
    pub argmax: usize,
    pub sum: u64,
    pub zeros: usize,
}

impl Stats {
    /// Summarises `values`; all zero for an empty list.
    pub fn of(values: &[u64]) -> Stats {
        let mut sorted: Vec<u64> = values.to_vec();
        sorted.sort_unstable();
        let max = sorted.last().copied().unwrap_or(0);
        Stats {
            min: sorted.first().copied().unwrap_or(0),
            median: sorted
                .get(sorted.len().saturating_sub(1) / 2)
                .copied()
                .unwrap_or(0),
            max,
            argmax: values.iter().position(|&v| v == max).unwrap_or(0),
            sum: values.iter().fold(0u64, |a, &v| a.saturating_add(v)),
            zeros: values.iter().filter(|&&v| v == 0).count(),
        }
    }
}

/// Which rows of a per-P table to print: all of them up to [`FULL_MAX`],
/// else the `busiest` rows with the largest `key` (ties to the lower
/// index), in index order.
pub fn rows_to_show(keys: &[u64], busiest: usize) -> Vec<usize> {
    if keys.len() <= FULL_MAX {
        return (0..keys.len()).collect();
    }
    let mut by_key: Vec<usize> = (0..keys.len()).collect();
    by_key.sort_by(|&a, &b| keys[b].cmp(&keys[a]).then(a.cmp(&b)));
    by_key.truncate(busiest);
    by_key.sort_unstable();
    by_key
}

/// Per-column minimum, median and maximum of a table's rows.
pub fn column_stats<const N: usize>(rows: &[[u64; N]]) -> [Stats; N] {
    core::array::from_fn(|c| {
        let column: Vec<u64> = rows.iter().map(|r| r[c]).collect();
        Stats::of(&column)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec;

    fn list(values: &[u64]) -> String {
        let mut s = String::new();
        write_list(&mut s, values, 'P').unwrap();
        s
    }

    #[test]
    fn up_to_64_ps_the_list_is_gos() {
        assert_eq!(list(&[7, 15, 0, 5]), "[ 7 15 0 5 ]");
        assert_eq!(list(&[]), "[ ]");
        let full = list(&[1; 64]);
        assert_eq!(full.matches(" 1").count(), 64);
    }

    #[test]
    fn at_512_ps_the_list_is_one_readable_summary() {
        let mut v = vec![0u64; 512];
        v[7] = 256;
        v[100] = 3;
        v[300] = 256;
        let s = list(&v);
        assert_eq!(
            s,
            "[ 512 Ps: min 0, median 0, max 256 (P7), sum 515, 509 zero ]"
        );
        assert!(s.len() < 80, "{s}");
        let mut m = String::new();
        write_list(&mut m, &v, 'M').unwrap();
        assert!(m.starts_with("[ 512 Ms: ") && m.contains("(M7)"), "{m}");
    }

    #[test]
    fn stats_of_odd_and_even_lengths() {
        let s = Stats::of(&[5, 1, 3]);
        assert_eq!((s.min, s.median, s.max, s.argmax, s.sum), (1, 3, 5, 0, 9));
        let s = Stats::of(&[4, 1, 3, 2]);
        assert_eq!(s.median, 2, "the lower middle");
        assert_eq!(Stats::of(&[]).sum, 0);
        assert_eq!(Stats::of(&[u64::MAX, 1]).sum, u64::MAX, "saturates");
    }

    #[test]
    fn rows_to_show_keeps_small_tables_whole_and_picks_the_busiest() {
        assert_eq!(rows_to_show(&[1, 2, 3], 2), vec![0, 1, 2]);
        let mut keys = vec![0u64; 512];
        keys[9] = 50;
        keys[400] = 70;
        keys[3] = 50;
        assert_eq!(rows_to_show(&keys, 3), vec![3, 9, 400]);
        assert_eq!(rows_to_show(&keys, 2), vec![3, 400], "ties go to P3");
    }

    #[test]
    fn column_stats_per_column() {
        let rows = [[1, 10], [3, 0], [2, 5]];
        let [a, b] = column_stats(&rows);
        assert_eq!((a.min, a.median, a.max, a.argmax), (1, 2, 3, 1));
        assert_eq!((b.min, b.median, b.max, b.zeros), (0, 5, 10, 1));
    }
}
