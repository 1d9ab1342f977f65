//! The scheduler's metrics under Go's runtime/metrics names
//! (`--metrics PATH`, the console's `metrics`).
//!
//! Design note. Go names a metric by its path and unit
//! (`/sched/latencies:seconds`), gives it a kind (an unsigned integer, a
//! float, or a histogram of floats) and says whether it only grows
//! (cumulative); `runtime/metrics.All()` lists them. The kernel computes a
//! sample ([`Value`] per [`Desc`]); this file holds the table of the
//! metrics it produces, with Go's names, kinds and cumulative flags (a
//! test asks Go 1.27 for its own list and compares), the serial line that
//! carries a sample from the kernel to the runner ([`line`],
//! [`parse_line`]), the console's text ([`render`]) and the conversion of
//! the kernel's duration histograms into the buckets Go's `timeHistogram`
//! exports (`go_time_*`), so that a histogram written here has exactly the
//! boundaries `metrics.Read` gives a Go program.
//!
//! Go's time buckets (runtime/histogram.go, Go 1.20 on): a bucket for
//! negative durations; four buckets of 64 ns for 0..256 ns; then, for each
//! power of two `2^(k-1)` with `k` from 9 to 47, four equal buckets up to
//! `2^k`; then one bucket for everything from `2^47` ns up. The kernel's
//! [`crate::timehist`] splits each power of two into 16 and is exact below
//! 32 ns, so every kernel bucket lies inside one Go bucket and the
//! conversion moves counts without guessing (tested below).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::timehist::{self, Counts};

crate::named_enum! {
    /// A metric's kind, with Go's names of `metrics.ValueKind`.
    pub enum Kind: u8 {
        Uint64 = 1 => "KindUint64",
        Float64 = 2 => "KindFloat64",
        Float64Histogram = 3 => "KindFloat64Histogram",
    }
}

/// One metric: Go's name (path and unit), kind and cumulative flag, and
/// what it means here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Desc {
    pub name: &'static str,
    pub kind: Kind,
    pub cumulative: bool,
    pub description: &'static str,
}

impl Desc {
    /// The unit: the part of the name after the colon.
    pub fn unit(&self) -> &'static str {
        self.name.rsplit_once(':').map_or("", |(_, u)| u)
    }
}

const fn desc(name: &'static str, kind: Kind, cumulative: bool, description: &'static str) -> Desc {
    Desc {
        name,
        kind,
        cumulative,
        description,
    }
}

pub const GOMAXPROCS: Desc = desc(
    "/sched/gomaxprocs:threads",
    Kind::Uint64,
    false,
    "GOMAXPROCS now: the Ps in use, each able to run one G at a time.",
);
pub const GOROUTINES_CREATED: Desc = desc(
    "/sched/goroutines-created:goroutines",
    Kind::Uint64,
    true,
    "Gs created since boot (newproc), the main G included: the sum of every P's spawned count.",
);
pub const GOROUTINES_NOT_IN_GO: Desc = desc(
    "/sched/goroutines/not-in-go:goroutines",
    Kind::Uint64,
    false,
    "Gs in a blocking call (status syscall): outside the scheduler, with or without a P.",
);
pub const GOROUTINES_RUNNABLE: Desc = desc(
    "/sched/goroutines/runnable:goroutines",
    Kind::Uint64,
    false,
    "Gs with status runnable: in a runnext slot, a local run queue, the global queue, or on their way to one.",
);
pub const GOROUTINES_RUNNING: Desc = desc(
    "/sched/goroutines/running:goroutines",
    Kind::Uint64,
    false,
    "Gs with status running, the reader's own G included; at most GOMAXPROCS.",
);
pub const GOROUTINES_WAITING: Desc = desc(
    "/sched/goroutines/waiting:goroutines",
    Kind::Uint64,
    false,
    "Gs with status waiting: parked on a channel, a lock, a timer, the netpoller or a WaitGroup.",
);
pub const GOROUTINES: Desc = desc(
    "/sched/goroutines:goroutines",
    Kind::Uint64,
    false,
    "Live Gs: every G created and not yet exited.",
);
pub const LATENCIES: Desc = desc(
    "/sched/latencies:seconds",
    Kind::Float64Histogram,
    true,
    "Time each G spent runnable before it ran, every start measured (tracking's histograms, \
     kept when metrics=on or tracking=on).",
);
pub const PAUSES_STOPPING_OTHER: Desc = desc(
    "/sched/pauses/stopping/other:seconds",
    Kind::Float64Histogram,
    true,
    "Per stop of the world: the time from the decision to stop until every P had stopped \
     (none of this kernel's stops is for a GC; the end-of-run stop is not counted).",
);
pub const PAUSES_TOTAL_OTHER: Desc = desc(
    "/sched/pauses/total/other:seconds",
    Kind::Float64Histogram,
    true,
    "Per stop of the world: the time from the decision to stop until the world ran again \
     (GOMAXPROCS changes, policy changes, the torture's checks, schedtrace's detail).",
);
pub const THREADS_TOTAL: Desc = desc(
    "/sched/threads/total:threads",
    Kind::Uint64,
    false,
    "Ms: one per core, all of them owned by the runtime.",
);
pub const MUTEX_WAIT_TOTAL: Desc = desc(
    "/sync/mutex/wait/total:seconds",
    Kind::Float64,
    true,
    "Time Gs spent parked waiting for a Mutex, summed over every wait (not sampled); \
     spinning before the park and the runtime's interrupt-safe spin locks are not included.",
);

/// Every metric the kernel produces, in Go's order (sorted by name).
pub const ALL: [&Desc; 12] = [
    &GOMAXPROCS,
    &GOROUTINES_CREATED,
    &GOROUTINES_NOT_IN_GO,
    &GOROUTINES_RUNNABLE,
    &GOROUTINES_RUNNING,
    &GOROUTINES_WAITING,
    &GOROUTINES,
    &LATENCIES,
    &PAUSES_STOPPING_OTHER,
    &PAUSES_TOTAL_OTHER,
    &THREADS_TOTAL,
    &MUTEX_WAIT_TOTAL,
];

/// The metric named `name`.
pub fn by_name(name: &str) -> Option<&'static Desc> {
    ALL.iter().copied().find(|d| d.name == name)
}

/// A metric's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Uint64(u64),
    Float64(f64),
    /// Counts in Go's time buckets ([`GO_TIME_COUNTS`] of them, bounded
    /// by [`go_time_boundaries`]).
    Histogram(Vec<u64>),
}

impl Value {
    /// The kind of metric this value belongs to.
    pub fn kind(&self) -> Kind {
        match self {
            Value::Uint64(_) => Kind::Uint64,
            Value::Float64(_) => Kind::Float64,
            Value::Histogram(_) => Kind::Float64Histogram,
        }
    }
}

/// Go's `timeHistMinBucketBits`: the first power-of-two bucket starts at
/// `2^(MIN_BITS-1)` ns.
const MIN_BITS: u32 = 9;
/// Go's `timeHistMaxBucketBits`: from `2^(MAX_BITS-1)` ns on, overflow.
const MAX_BITS: u32 = 48;
/// Go's `timeHistSubBucketBits`.
const SUB_BITS: u32 = 2;
const SUBS: usize = 1 << SUB_BITS;
/// Counts of a time histogram as Go exports it: underflow, the buckets,
/// overflow.
pub const GO_TIME_COUNTS: usize = (MAX_BITS - MIN_BITS + 1) as usize * SUBS + 2;

/// The index in Go's exported counts of a duration of `ns` (never 0, the
/// underflow of negative durations, which cannot occur here).
pub fn go_time_index(ns: u64) -> usize {
    let len = 64 - ns.leading_zeros();
    let (bit, bucket) = if len < MIN_BITS {
        (MIN_BITS, 0)
    } else {
        (len, (len - MIN_BITS + 1) as usize)
    };
    if bucket >= (MAX_BITS - MIN_BITS + 1) as usize {
        return GO_TIME_COUNTS - 1;
    }
    let sub = (ns >> (bit - 1 - SUB_BITS)) as usize % SUBS;
    1 + bucket * SUBS + sub
}

/// Go's bucket boundaries in seconds: `GO_TIME_COUNTS + 1` of them, from
/// -Inf to +Inf; count `i` is of `[b[i], b[i+1])`.
pub fn go_time_boundaries() -> Vec<f64> {
    let mut b = alloc::vec![0.0; GO_TIME_COUNTS + 1];
    b[0] = f64::NEG_INFINITY;
    for (j, x) in b[1..=SUBS].iter_mut().enumerate() {
        *x = ((j as u64) << (MIN_BITS - 1 - SUB_BITS)) as f64 / 1e9;
    }
    for k in MIN_BITS..MAX_BITS {
        for j in 0..SUBS {
            let ns = (1u64 << (k - 1)) | ((j as u64) << (k - 1 - SUB_BITS));
            b[(k - MIN_BITS + 1) as usize * SUBS + j + 1] = ns as f64 / 1e9;
        }
    }
    b[GO_TIME_COUNTS - 1] = (1u64 << (MAX_BITS - 1)) as f64 / 1e9;
    b[GO_TIME_COUNTS] = f64::INFINITY;
    b
}

/// The kernel's counts moved into Go's buckets.
pub fn go_time_counts(c: &Counts) -> Vec<u64> {
    let mut out = alloc::vec![0u64; GO_TIME_COUNTS];
    for (i, &n) in c.counts.iter().enumerate() {
        if n != 0 {
            out[go_time_index(timehist::bucket_min(i))] += n;
        }
    }
    out
}

/// The serial line that carries one metric to the runner:
/// `METRIC NAME VALUE`, VALUE a decimal number, or for a histogram
/// `hist` and the non-empty buckets as `INDEX:COUNT` (`hist -`: none).
pub fn line(d: &Desc, v: &Value) -> String {
    let value = match v {
        Value::Uint64(n) => format!("{n}"),
        Value::Float64(x) => format!("{x:?}"),
        Value::Histogram(counts) => {
            let mut s = String::from("hist");
            let mut sep = ' ';
            for (i, &n) in counts.iter().enumerate() {
                if n != 0 {
                    s.push_str(&format!("{sep}{i}:{n}"));
                    sep = ',';
                }
            }
            if sep == ' ' {
                s.push_str(" -");
            }
            s
        }
    };
    format!("{PREFIX}{} {value}", d.name)
}

/// What every metric line starts with.
pub const PREFIX: &str = "METRIC ";

/// A metric line read back: `None` for any other line, an error for a
/// metric line that is not one of [`ALL`] or does not parse.
pub fn parse_line(text: &str) -> Option<Result<(&'static Desc, Value), String>> {
    let rest = text.trim_end().strip_prefix(PREFIX)?;
    Some(parse_rest(rest).map_err(|why| format!("bad metric line `{}`: {why}", text.trim_end())))
}

fn parse_rest(rest: &str) -> Result<(&'static Desc, Value), String> {
    let (name, value) = rest.split_once(' ').ok_or("no value")?;
    let d = by_name(name).ok_or("not a metric of this kernel")?;
    let bad = |_| String::from("the value does not parse");
    let v = match d.kind {
        Kind::Uint64 => Value::Uint64(value.parse().map_err(bad)?),
        Kind::Float64 => Value::Float64(value.parse().map_err(|_| "the value does not parse")?),
        Kind::Float64Histogram => {
            let buckets = value
                .strip_prefix("hist ")
                .ok_or("a histogram starts with `hist`")?;
            let mut counts = alloc::vec![0u64; GO_TIME_COUNTS];
            if buckets != "-" {
                for pair in buckets.split(',') {
                    let (i, n) = pair.split_once(':').ok_or("a bucket is INDEX:COUNT")?;
                    let i: usize = i.parse().map_err(bad)?;
                    *counts.get_mut(i).ok_or("a bucket index is out of range")? +=
                        n.parse::<u64>().map_err(bad)?;
                }
            }
            Value::Histogram(counts)
        }
    };
    Ok((d, v))
}

/// A duration in seconds, printed as ns, µs, ms or s.
fn secs(x: f64) -> String {
    if x.is_infinite() {
        return String::from("inf");
    }
    let ns = x * 1e9;
    if ns < 1e3 {
        format!("{ns:.0}ns")
    } else if ns < 1e6 {
        format!("{:.1}us", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2}ms", ns / 1e6)
    } else {
        format!("{:.2}s", ns / 1e9)
    }
}

/// The upper bound of the Go bucket holding the `per_mille` quantile.
fn quantile_bound(counts: &[u64], per_mille: u64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = (total * per_mille).div_ceil(1000).max(1);
    let b = go_time_boundaries();
    let mut seen = 0;
    for (i, &n) in counts.iter().enumerate() {
        seen += n;
        if seen >= rank {
            return Some(b[i + 1]);
        }
    }
    None
}

/// The console's text: one line per metric, `NAME = VALUE` (seconds as
/// numbers); a histogram as its count of samples and the Go buckets that
/// hold its median and its 99th percentile.
pub fn render(sample: &[(&Desc, Value)]) -> String {
    let mut out = String::new();
    for (d, v) in sample {
        let text = match v {
            Value::Uint64(n) => format!("{n}"),
            Value::Float64(x) => format!("{x:?}"),
            Value::Histogram(counts) => {
                let total: u64 = counts.iter().sum();
                match (quantile_bound(counts, 500), quantile_bound(counts, 990)) {
                    (Some(p50), Some(p99)) => format!(
                        "{total} samples; p50 < {}, p99 < {} (upper bounds of Go's buckets)",
                        secs(p50),
                        secs(p99)
                    ),
                    _ => format!("{total} samples"),
                }
            }
        };
        out.push_str(&format!("{} = {text}\n", d.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timehist::{BUCKETS, TimeHistogram, bucket_max, bucket_min};

    #[test]
    fn the_table_is_sorted_and_units_follow_kinds() {
        for w in ALL.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for d in ALL {
            assert!(d.name.starts_with('/'), "{}", d.name);
            if d.kind == Kind::Float64Histogram {
                assert_eq!(d.unit(), "seconds", "{}", d.name);
                assert!(d.cumulative, "{}", d.name);
            }
        }
        assert_eq!(GOMAXPROCS.unit(), "threads");
    }

    #[test]
    fn go_indices_match_go_boundaries() {
        let b = go_time_boundaries();
        assert_eq!(b.len(), GO_TIME_COUNTS + 1);
        for w in b.windows(2) {
            assert!(w[0] < w[1], "{} then {}", w[0], w[1]);
        }
        // Go's layout: 40 groups of 4 buckets, plus under- and overflow.
        assert_eq!(GO_TIME_COUNTS, 162);
        assert_eq!(b[1], 0.0);
        assert_eq!(b[2], 64e-9);
        assert_eq!(b[5], 256e-9);
        assert_eq!(b[161], (1u64 << 47) as f64 / 1e9);
        for ns in [
            0u64,
            1,
            63,
            64,
            255,
            256,
            300,
            511,
            512,
            1000,
            999_999,
            1 << 40,
        ] {
            let i = go_time_index(ns);
            let x = ns as f64 / 1e9;
            assert!(b[i] <= x && x < b[i + 1], "{ns} ns in bucket {i}");
        }
        assert_eq!(go_time_index((1 << 47) - 1), GO_TIME_COUNTS - 2);
        assert_eq!(go_time_index(1 << 47), GO_TIME_COUNTS - 1);
        assert_eq!(go_time_index(u64::MAX), GO_TIME_COUNTS - 1);
    }

    #[test]
    fn every_kernel_bucket_lies_in_one_go_bucket() {
        for i in 0..BUCKETS - 1 {
            assert_eq!(
                go_time_index(bucket_min(i)),
                go_time_index(bucket_max(i)),
                "kernel bucket {i} [{}, {}] straddles Go buckets",
                bucket_min(i),
                bucket_max(i)
            );
        }
        assert_eq!(go_time_index(bucket_min(BUCKETS - 1)), GO_TIME_COUNTS - 1);
    }

    #[test]
    fn counts_move_into_go_buckets() {
        let h = TimeHistogram::new();
        for ns in [10u64, 70, 70, 300, 5_000, 5_100, 1 << 50] {
            h.record(ns);
        }
        let go = go_time_counts(&h.snapshot());
        assert_eq!(go.iter().sum::<u64>(), 7);
        assert_eq!(go[go_time_index(10)], 1);
        assert_eq!(go[go_time_index(70)], 2);
        assert_eq!(go[go_time_index(5_000)], 2, "5000 and 5100 share a bucket");
        assert_eq!(go[GO_TIME_COUNTS - 1], 1);
    }

    #[test]
    fn lines_round_trip() {
        let mut counts = alloc::vec![0; GO_TIME_COUNTS];
        counts[3] = 5;
        counts[100] = 1;
        let cases = [
            (&GOMAXPROCS, Value::Uint64(4)),
            (&MUTEX_WAIT_TOTAL, Value::Float64(0.000123456)),
            (&LATENCIES, Value::Histogram(counts)),
            (
                &PAUSES_TOTAL_OTHER,
                Value::Histogram(alloc::vec![0; GO_TIME_COUNTS]),
            ),
        ];
        for (d, v) in cases {
            let l = line(d, &v);
            let (d2, v2) = parse_line(&l).unwrap().unwrap();
            assert_eq!((d2, &v2), (d, &v), "{l}");
        }
        assert_eq!(
            line(
                &LATENCIES,
                &Value::Histogram(alloc::vec![0; GO_TIME_COUNTS])
            ),
            "METRIC /sched/latencies:seconds hist -"
        );
        assert!(parse_line("SCHED 1ms: gomaxprocs=4").is_none());
        assert!(parse_line("METRIC /no/such:thing 1").unwrap().is_err());
        assert!(
            parse_line("METRIC /sched/gomaxprocs:threads x")
                .unwrap()
                .is_err()
        );
        assert!(
            parse_line("METRIC /sched/latencies:seconds hist 999:1")
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn render_summarises_histograms() {
        let mut counts = alloc::vec![0; GO_TIME_COUNTS];
        counts[go_time_index(1_000)] = 99;
        counts[go_time_index(1_000_000)] = 1;
        let text = render(&[
            (&GOMAXPROCS, Value::Uint64(2)),
            (&LATENCIES, Value::Histogram(counts)),
            (
                &PAUSES_TOTAL_OTHER,
                Value::Histogram(alloc::vec![0; GO_TIME_COUNTS]),
            ),
        ]);
        assert_eq!(
            text,
            "/sched/gomaxprocs:threads = 2\n\
             /sched/latencies:seconds = 100 samples; p50 < 1.0us, p99 < 1.0us (upper bounds of Go's buckets)\n\
             /sched/pauses/total/other:seconds = 0 samples\n"
        );
    }
}
