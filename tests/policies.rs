//! `gmp-metal policies`: the scheduling-policy tournament, end to end on a
//! tiny configuration, and its refusals.
//!
//! Design note: the tiny run is two policies × two workloads on two cores
//! in lockstep — enough to check the table's shape (every policy ×
//! workload row, every cell a figure, a ratio or n/a), the files it
//! writes, and one ordering that must hold whatever the tuning: without
//! work stealing (`no-steal`) a burst of work made on one core spreads
//! only through the global queue, so `tour-burst` costs more instructions
//! per unit than under Go's policy. Lockstep runs are deterministic, so
//! the assertion cannot flake; nothing here measures the wall clock.

mod common;

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");
const POLICIES: [&str; 2] = ["go", "no-steal"];
const WORKLOADS: [&str; 2] = ["tour-burst", "tour-pipeline"];
const CHARTS: [&str; 5] = ["throughput", "latency", "fairness", "wasted", "activity"];

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

/// A table cell is a figure, a change against the baseline, `base` (the
/// baseline's own change column) or `n/a`.
fn is_cell(c: &str) -> bool {
    c == "n/a"
        || c == "base"
        || c.parse::<f64>().is_ok()
        || c.strip_suffix('%')
            .and_then(|p| p.strip_prefix(['+', '-']))
            .is_some_and(|p| p.parse::<f64>().is_ok())
}

#[test]
fn a_tiny_tournament_prints_its_table_writes_its_files_and_orders_no_steal_behind_go() {
    let out = common::scratch("policies-tiny");
    let (policies, workloads) = (POLICIES.join(","), WORKLOADS.join(","));
    let stdout = ok(&common::runner(&[
        "policies",
        "--policies",
        &policies,
        "--workloads",
        &workloads,
        "--smp",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]));

    // The table: per workload its name, a heading, a row per policy.
    let lines: Vec<&str> = stdout.lines().collect();
    for w in WORKLOADS {
        let at = lines
            .iter()
            .position(|l| *l == w)
            .unwrap_or_else(|| panic!("no block for {w} in:\n{stdout}"));
        let heading: Vec<&str> = lines[at + 1].split_whitespace().collect();
        assert_eq!(heading[0], "policy", "{stdout}");
        for (i, p) in POLICIES.iter().enumerate() {
            let row: Vec<&str> = lines[at + 2 + i].split_whitespace().collect();
            assert_eq!(row[0], *p, "{stdout}");
            assert_eq!(row.len(), heading.len(), "{}", lines[at + 2 + i]);
            for c in &row[1..] {
                assert!(is_cell(c), "cell {c:?} in {}", lines[at + 2 + i]);
            }
        }
    }

    // The files, each named in the output.
    for chart in CHARTS {
        let path = out.join(format!("policies-{chart}.svg"));
        let svg = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert_eq!(svg.matches("<svg").count(), 1, "{path:?}");
        assert!(svg.trim_end().ends_with("</svg>"), "{path:?}");
        assert!(stdout.contains(&path.display().to_string()), "{stdout}");
    }
    let tp = std::fs::read_to_string(out.join("policies-throughput.svg")).unwrap();
    assert_eq!(tp.matches(r#"class="bar""#).count(), 4);
    let json = std::fs::read_to_string(out.join("policies.json")).unwrap();
    assert!(stdout.contains("reproduce: cargo run --release -- policies --policies go,no-steal"));

    // The ordering: no-steal pays more instructions per unit on the burst.
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["baseline"], "go");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), POLICIES.len() * WORKLOADS.len());
    let per_unit = |p: &str, w: &str| {
        results
            .iter()
            .find(|r| r["policy"] == p && r["workload"] == w)
            .and_then(|r| r["metrics"]["insn/unit"].as_f64())
            .unwrap_or_else(|| panic!("no insn/unit of {p} on {w} in {json}"))
    };
    let (go, no_steal) = (
        per_unit("go", "tour-burst"),
        per_unit("no-steal", "tour-burst"),
    );
    let hint = if no_steal == go {
        " (the same figure: does the kernel apply policy= yet?)"
    } else {
        ""
    };
    assert!(
        no_steal > go,
        "no-steal ({no_steal:.0} per unit) should cost more than go ({go:.0}) on tour-burst{hint}:\n{stdout}"
    );
}

#[test]
fn a_bad_policy_name_is_refused_listing_the_valid_ones() {
    let o = Command::new(BIN)
        .args([
            "policies",
            "--policies",
            "go,nope",
            "--qemu",
            "/nonexistent",
        ])
        .output()
        .expect("the gmp-metal binary runs");
    assert_eq!(o.status.code(), Some(gmp_metal::exit::USAGE));
    let err = text(&o.stderr);
    assert!(o.stdout.is_empty(), "nothing may run: {}", text(&o.stdout));
    let first = err.lines().next().unwrap_or_default();
    assert_eq!(
        first, "error: invalid value 'nope' for '--policies <P,...>'",
        "{err}"
    );
    for p in gmp_sched::policy::POLICIES {
        assert!(err.contains(p.name), "{} not listed in:\n{err}", p.name);
    }
    // A workload that is not a tournament's is refused the same way.
    let o = Command::new(BIN)
        .args(["policies", "--workloads", "fib", "--qemu", "/nonexistent"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(gmp_metal::exit::USAGE));
    assert!(
        text(&o.stderr).contains("tour-burst"),
        "{}",
        text(&o.stderr)
    );
}
