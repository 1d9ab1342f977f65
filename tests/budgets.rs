//! Instruction budgets of the switch paths: a performance regression test
//! that cannot flake.
//!
//! Design note: under QEMU's `-icount shift=0` the guest's TSC counts
//! executed instructions, so an in-kernel benchmark of the same kernel
//! gives the same figure on every run, whatever the host is doing. The
//! test boots the kernel `cargo test` builds (the dev profile: opt-level 2
//! with debug assertions) once, runs the benchmarks named in
//! `docs/budgets.toml`, and fails when one exceeds its budget. The budgets
//! are measured for that kernel; the release kernel that `bench` measures
//! is leaner (no debug assertions) and has its own figures in
//! docs/BENCH.md. Raising a budget is a reviewed change: edit the file,
//! give the date and the reason there and in the commit message.

mod common;

use std::collections::BTreeMap;

use common::{boot, check};
use gmp_metal::Run;
use gmp_metal::bench::kernel_output;
use serde::Deserialize;

#[derive(Deserialize)]
struct Budget {
    /// The most the benchmark's median may be, in its unit.
    budget: f64,
    /// What was measured when the budget was set.
    measured: f64,
    unit: String,
    date: String,
    reason: String,
}

fn budgets() -> BTreeMap<String, Budget> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/budgets.toml");
    let text = std::fs::read_to_string(path).expect("docs/budgets.toml");
    toml::from_str(&text).expect("docs/budgets.toml parses")
}

#[test]
fn the_budget_file_is_complete_and_sane() {
    let b = budgets();
    for name in [
        "gosched-pingpong",
        "chan-pingpong-1p",
        "runnext-handoff",
        "spawn-warm",
        "switch-raw",
        "tick-idle",
        "mem-parked-g",
    ] {
        let e = b
            .get(name)
            .unwrap_or_else(|| panic!("docs/budgets.toml has no [{name}]"));
        assert!(
            e.budget >= e.measured && e.budget <= e.measured * 1.10 + 5.0,
            "[{name}] budget {} must be at or a little above what was measured ({})",
            e.budget,
            e.measured
        );
        assert!(
            !e.reason.trim().is_empty() && e.date.len() == 10,
            "[{name}] needs a date and a reason"
        );
        assert!(
            e.unit == "insn" || e.unit == "bytes",
            "[{name}] unit {}",
            e.unit
        );
    }
}

#[test]
fn the_switch_paths_stay_within_their_instruction_budgets() {
    let budgets = budgets();
    let list: Vec<&str> = budgets.keys().map(String::as_str).collect();
    let o = boot(
        Run::new()
            .smp("2")
            .icount(true)
            .memory("2G")
            .boot_opt("workload=bench")
            .boot_opt("procs=1")
            .boot_opt("parked=20000")
            .boot_opt(format!("bench={}", list.join(","))),
    );
    check(
        &o,
        o.verdict == gmp_metal::Verdict::Success,
        "the bench boot did not succeed",
    );
    let report = kernel_output::parse(&o.serial).expect("the kernel's BENCH lines parse");
    let mut over = Vec::new();
    for (name, b) in &budgets {
        let Some(got) = report.bench(name) else {
            over.push(format!("{name}: the kernel reported no figure"));
            continue;
        };
        assert_eq!(got.unit.as_str(), b.unit, "{name}: unit");
        if got.median > b.budget {
            over.push(format!(
                "{name}: {} {} per operation, {:.1} over its budget of {} (docs/budgets.toml, set {}: {})",
                got.median,
                b.unit,
                got.median - b.budget,
                b.budget,
                b.date,
                b.reason
            ));
        }
    }
    check(
        &o,
        over.is_empty(),
        format!(
            "over budget:\n  {}\nTo see where the instructions go: `cargo build --release && .ci/get-qemu10 && python3 docs/insn-profile.py NAME --per FUNCTION` \
             (docs/BENCH.md, \"Where the instructions go\"). If the extra cost is deliberate, raise the budget in docs/budgets.toml with the date and the reason, and say why in the commit.",
            over.join("\n  ")
        ),
    );
}
