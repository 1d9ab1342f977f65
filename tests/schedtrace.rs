//! `--schedtrace` prints lines shaped like the ones current Go prints, so
//! what reads Go's `GODEBUG=schedtrace` output reads ours.
//!
//! Design note: the numbers of two runs never agree, so the test compares
//! *shapes*: every number (and `nil`, Go's "no M/P/G") becomes `N`, every
//! `true`/`false` becomes `B`, a G's wait reason (free text, possibly with
//! spaces) becomes `R`, and a run of bare numbers (a per-P list) becomes
//! one `N…`, so 2 Ps and 4 Ps give the same shape while `[0 1]` and
//! `[ 0 1 ]` do not. The reference is a file of lines Go 1.27.3 printed
//! (tests/fixtures/go-schedtrace.txt, which says how they were recorded).
//! Every line the kernel prints must have the shape of some Go line of the
//! same kind.

mod common;

use std::collections::BTreeSet;

const GO_LINES: &str = include_str!("fixtures/go-schedtrace.txt");

/// The shape of one schedtrace line (see the design note).
fn shape(line: &str) -> String {
    let line = line.trim_end();
    // A G line's wait reason: `status=4(chan receive) m=nil`.
    let line = match (line.find("status="), line.find(") m=")) {
        (Some(s), Some(e)) if line.trim_start().starts_with('G') => match line[s..e].find('(') {
            Some(open) => format!("{}(R{}", &line[..s + open], &line[e..]),
            None => line.to_string(),
        },
        _ => line.to_string(),
    };
    let mut out: Vec<String> = Vec::new();
    for tok in line.split(' ') {
        let mut t = String::new();
        let mut in_digits = false;
        for c in tok.chars() {
            if c.is_ascii_digit() {
                if !in_digits {
                    t.push('N');
                }
                in_digits = true;
            } else {
                t.push(c);
                in_digits = false;
            }
        }
        for (word, as_) in [("=nil", "=N"), ("=true", "=B"), ("=false", "=B")] {
            if let Some(key) = t.strip_suffix(word) {
                t = format!("{key}{as_}");
            }
        }
        if t == "N" && out.last().is_some_and(|l| l == "N" || l == "N…") {
            *out.last_mut().unwrap() = "N…".into();
        } else {
            out.push(t);
        }
    }
    out.join(" ")
}

/// Whether `line` is a schedtrace line: the summary (`SCHED ...`) or one of
/// the detail lines (`  P0: `, `  M1: `, `  G17: `). The per-P table at
/// the end of a run (`  P0        214 ...`) has no colon and is not one.
fn is_schedtrace(line: &str) -> bool {
    if line.starts_with("SCHED ") {
        return true;
    }
    let Some(rest) = line.strip_prefix("  ") else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(chars.next(), Some('P' | 'M' | 'G'))
        && rest[1..]
            .split_once(':')
            .is_some_and(|(id, _)| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

/// The shapes of Go's recorded lines.
fn go_shapes() -> BTreeSet<String> {
    GO_LINES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .inspect(|l| assert!(is_schedtrace(l), "not a schedtrace line: {l}"))
        .map(shape)
        .collect()
}

#[test]
fn go_lines_have_the_expected_shapes() {
    let shapes = go_shapes();
    let summary = "SCHED Nms: gomaxprocs=N idleprocs=N threads=N spinningthreads=N \
                   needspinning=N idlethreads=N runqueue=N [ N… ] schedticks=[ N… ]";
    assert!(shapes.contains(summary), "{shapes:#?}");
    for kind in ["  PN: ", "  MN: ", "  GN: "] {
        assert!(
            shapes.iter().any(|s| s.starts_with(kind)),
            "no {kind:?} line in the fixture"
        );
    }
    assert!(
        shapes.contains("  GN: status=N(R) m=N lockedm=N"),
        "{shapes:#?}"
    );
    // The layout this replaces (no spaces inside the first list) is a
    // different shape, so the kernel test below would catch it.
    let old = "SCHED 24ms: gomaxprocs=4 idleprocs=0 threads=4 spinningthreads=1 \
               needspinning=1 idlethreads=0 runqueue=0 [7 15 0 5] schedticks=[ 8 169 18 73 ]";
    assert!(!shapes.contains(&shape(old)), "{}", shape(old));
    // The per-P table's rows are not schedtrace lines.
    assert!(!is_schedtrace("  P0        214        96"));
    assert!(!is_schedtrace("  Ms parked 4 times in all"));
}

/// Boots hog on 4 cores with `opts`; the kernel's schedtrace lines. Hog
/// runs for about half a second, long enough for many lines at 20 ms
/// (fib is over in tens of ms, and on a busy host sometimes before the
/// first line).
fn kernel_lines(opts: &[&str]) -> (gmp_metal::Outcome, Vec<String>) {
    let o = common::run_ok("4", "hog", opts);
    let lines: Vec<String> = o
        .lines()
        .filter(|l| is_schedtrace(l))
        .map(str::to_string)
        .collect();
    (o, lines)
}

#[test]
fn the_summary_line_has_the_shape_of_gos() {
    let (o, lines) = kernel_lines(&["schedtrace=20"]);
    common::check(&o, !lines.is_empty(), "no SCHED line");
    let go = go_shapes();
    for l in &lines {
        common::check(
            &o,
            go.contains(&shape(l)),
            format!("not shaped like Go 1.27's line:\n{l}\n{}", shape(l)),
        );
    }
}

#[test]
fn the_detail_lines_have_the_shapes_of_gos() {
    let (o, lines) = kernel_lines(&["schedtrace=20", "scheddetail=on"]);
    let go = go_shapes();
    for kind in ["SCHED ", "  P", "  M", "  G"] {
        common::check(
            &o,
            lines.iter().any(|l| l.starts_with(kind)),
            format!("no {kind:?} line with scheddetail=on"),
        );
    }
    for l in &lines {
        common::check(
            &o,
            go.contains(&shape(l)),
            format!("not shaped like any of Go 1.27's lines:\n{l}\n{}", shape(l)),
        );
    }
}
