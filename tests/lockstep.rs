//! Lockstep: per-core instruction clocks under `--icount` (issue 25).
//!
//! Design note: plain `--icount` runs every vCPU in turn on one host thread
//! and its TSC counts everybody's instructions, so N cores doing W take W.
//! `--lockstep` gives each core its own clock (`arch::lockstep`). These
//! tests hold it to what it claims:
//! - the fib spawn tree speeds up as the tree allows: never above k or its
//!   parallelism (work over critical path), and within 10% of Brent's
//!   greedy bound (work/k + path), with the work and the path measured by
//!   the kernel, not assumed;
//! - every instruction since the clocks started is one core's or a
//!   hand-off's, with no two cores' turns overlapping;
//! - a run repeats byte for byte;
//! - the torture's ledger holds (nothing lost, nothing run twice).

mod common;

use std::process::Output;

/// One boot of the fib spawn tree at `procs` on 8 cores, in lockstep.
fn fib_boot(procs: u32) -> String {
    let procs_opt = format!("procs={procs}");
    let out = common::runner(&[
        "--lockstep",
        "--smp",
        "8",
        "workload=bench",
        "bench=fib-procs",
        "seed=1",
        &procs_opt,
    ]);
    serial_ok(&out)
}

fn serial_ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// `key=N` in the line of `serial` that starts with `prefix`.
fn number(serial: &str, prefix: &str, key: &str) -> f64 {
    let line = serial
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{serial}"));
    let needle = format!(" {key}=");
    let at = line
        .find(&needle)
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
        + needle.len();
    let digits: String = line[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("{key}= in {line:?}"))
}

/// Every instruction since the clocks started is accounted for, and no two
/// cores' turns overlapped.
fn assert_exclusive(serial: &str) {
    let line = serial
        .lines()
        .find(|l| l.trim_start().starts_with("accounting:"))
        .unwrap_or_else(|| panic!("no lockstep accounting line in:\n{serial}"));
    assert!(
        line.contains(" = ") && line.ends_with("overlapping segments: 0; exclusive"),
        "{line}"
    );
}

#[test]
fn fib_speeds_up_as_far_as_its_tree_allows_on_per_core_clocks() {
    let ks = [1u32, 2, 4, 8];
    let serials: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = ks.iter().map(|&k| s.spawn(move || fib_boot(k))).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let t1 = number(&serials[0], "BENCH fib-procs-1 ", "median");
    // The tree as the kernel measured it: the leaves' cost, and the
    // internal nodes' cost from the one-core time.
    let note = "BENCH-NOTE fib-procs-1 tree";
    let internal = number(&serials[0], note, "internal");
    let leaf_work = number(&serials[0], note, "leaf_work");
    let path_nodes = number(&serials[0], note, "path_nodes");
    let path_leaf = number(&serials[0], note, "path_leaf");
    let per_node = (t1 - leaf_work) / internal;
    assert!(
        per_node > 0.0,
        "the one-core time {t1} is not above the leaves' work {leaf_work}"
    );
    let span = path_nodes * per_node + path_leaf;
    let parallelism = t1 / span;
    let mut table = String::new();
    for (k, serial) in ks.iter().zip(&serials) {
        assert_exclusive(serial);
        let tk = number(serial, &format!("BENCH fib-procs-{k} "), "median");
        let speedup = t1 / tk;
        // Never above k or the tree's parallelism (work / critical path);
        // and, by Brent's bound, a greedy scheduler finishes within
        // work/k + path, so a work-stealing one must come close to that.
        let ideal = (*k as f64).min(parallelism);
        let greedy = t1 / (t1 / *k as f64 + span);
        table.push_str(&format!(
            "procs={k}: {tk} insn, speedup {speedup:.2}, greedy bound {greedy:.2}, ideal {ideal:.2}\n"
        ));
        assert!(
            speedup >= 0.9 * greedy && speedup <= 1.02 * ideal,
            "speedup at procs={k} is not between 90% of the greedy bound and the ideal \
             (work {t1} / path {span:.0} = {parallelism:.1}):\n{table}"
        );
    }
    eprintln!("{table}parallelism {parallelism:.1}");
}

/// The serial output from the kernel's first line on (the runner's own
/// lines name temporary files).
fn kernel_part(s: &str) -> &str {
    &s[s.find("boot options:").expect("a boot options line")..]
}

#[test]
fn a_lockstep_run_repeats_byte_for_byte_and_loses_no_g() {
    let torture = || {
        let out = common::runner(&[
            "--lockstep",
            "--smp",
            "4",
            "--workload",
            "torture",
            "--duration",
            "1",
            "--seed",
            "5",
        ]);
        serial_ok(&out)
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(torture);
        let b = s.spawn(torture);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.contains("torture: SUCCESS"), "{a}");
    assert_exclusive(&a);
    let (spawned, exited, live) = common::g_ledger_in(&a).expect("a Gs: ledger line");
    assert_eq!(
        spawned,
        exited + live.iter().sum::<u64>(),
        "Gs lost or run twice:\n{a}"
    );
    if kernel_part(&a) != kernel_part(&b) {
        let first = kernel_part(&a)
            .lines()
            .zip(kernel_part(&b).lines())
            .find(|(x, y)| x != y);
        panic!("two lockstep runs of one seed differ; first differing lines: {first:?}");
    }
}

#[test]
fn bench_scaling_draws_the_cost_per_unit_and_its_gap() {
    let dir = common::scratch("scaling");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("s.json");
    let json_arg = format!("--json={}", json.display());
    let out = common::runner(&["bench", "--scaling", "1,2", &json_arg]);
    let stdout = serial_ok(&out);
    // part, cores, speedup, ideal, per unit, work, sched, spinning, idle
    let row = |part: &str, cores: &str| -> Vec<String> {
        stdout
            .lines()
            .map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
            .find(|w| w.len() == 9 && w[0] == part && w[1] == cores)
            .unwrap_or_else(|| panic!("no {part} row at {cores} cores in:\n{stdout}"))
    };
    for part in ["fib", "pc"] {
        let one = row(part, "1");
        assert_eq!(one[2], "1.00x", "{stdout}");
        let two = row(part, "2");
        let speedup: f64 = two[2].trim_end_matches('x').parse().unwrap();
        assert!(
            (1.8..=2.0).contains(&speedup),
            "{part} at 2 cores: {speedup}\n{stdout}"
        );
        // The work per unit is the one-core cost at every core count.
        assert_eq!(one[5], two[5], "{stdout}");
    }
    let svg = std::fs::read_to_string(dir.join("s.json.scaling.svg")).expect("the chart");
    // Four layers per bar, two bars per part, two parts.
    assert_eq!(svg.matches(r#"class="bar""#).count(), 16, "{svg}");
    assert_eq!(svg.matches("ideal:").count(), 2, "{svg}");
}
