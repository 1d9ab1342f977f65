//! The text `gmp-metal bench` prints: header, our figures, the comparison
//! table, the targets.
//!
//! Design note: pure functions of a [`BenchReport`], so what is printed is
//! what is in the JSON, and tests can check the text without a boot.
//! Plain ASCII columns that survive a log file and a narrow terminal; every
//! figure carries its unit, and every figure that needs a caveat has it on
//! the same screen.

use std::fmt::Write;

use super::catalog::real_time_only;
use super::compare::Tool;
use super::compare::pairs::{PAIRS, Row, Side};
use super::kernel_output::Unit;
use super::report::BenchReport;
use super::targets::Status;
use super::timebase::{REAL_TIME_ONLY, Timebase, real_time_caveat};

/// A figure with sensible precision.
pub fn num(v: f64) -> String {
    if v >= 1000.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), num)
}

fn ratio(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |r| format!("{r:.2}"))
}

/// The lines above everything else.
pub fn header(r: &BenchReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "gmp-metal bench  {}", r.host.date);
    let _ = writeln!(
        s,
        "host   {}, {} cores, {}",
        r.host.cpu, r.host.cores, r.host.os
    );
    let guest = match &r.kernel.env {
        None if r.run.boots.is_empty() => "not booted (--host-only)".to_string(),
        Some(e) => format!(
            "{} cores, {} memory, accel={}, icount={}, cpu=\"{}\", tsc_hz={}",
            e.cores,
            r.run.memory,
            e.accel,
            if e.icount { "on" } else { "off" },
            e.cpu,
            e.tsc_hz
        ),
        None => format!(
            "--smp {}, accel={}, icount={} (the kernel printed no BENCH-ENV)",
            r.run.smp,
            r.run.accel,
            if r.run.icount { "on" } else { "off" }
        ),
    };
    let _ = writeln!(s, "guest  {guest}");
    for b in &r.run.boots {
        let _ = writeln!(s, "boot   {b}");
    }
    let _ = writeln!(s, "unit   {}", r.run.unit_why);
    s
}

/// Our figures, one line each.
pub fn kernel_table(r: &BenchReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "in-kernel benchmarks (median, p99, min over reps)");
    if r.kernel.benches.is_empty() {
        let _ = writeln!(s, "  (no figures from the kernel in this run)");
        return s;
    }
    let _ = writeln!(
        s,
        "  {:<18} {:>10} {:>10} {:>10}  {:<5} {:>7}  what",
        "benchmark", "median", "p99", "min", "unit", "reps"
    );
    let mut caveat = false;
    for b in &r.kernel.benches {
        let unit = r.run.timebase.read(b.unit);
        let mut what = b.desc.clone();
        if real_time_only(&b.name) && !r.run.timebase.is_parallel() {
            what.push_str(&format!(" [{REAL_TIME_ONLY}]"));
            caveat = true;
        }
        let _ = writeln!(
            s,
            "  {:<18} {:>10} {:>10} {:>10}  {:<5} {:>7}  {what}",
            b.name,
            num(b.median),
            num(b.p99),
            num(b.min),
            unit.as_str(),
            b.reps
        );
    }
    for n in &r.kernel.notes {
        let _ = writeln!(s, "  note {}: {}", n.name, n.text);
    }
    for n in &r.kernel.skips {
        let _ = writeln!(s, "  skipped {}: {}", n.name, n.text);
    }
    if caveat && let Some(c) = real_time_caveat(r.run.timebase) {
        let _ = writeln!(s, "  [{REAL_TIME_ONLY}]: {c}.");
    }
    if !r.kernel.done {
        let _ = writeln!(
            s,
            "  warning: no BENCH-DONE line: the kernel stopped before finishing the list"
        );
    }
    s
}

fn side_cells(side: Option<&Side>) -> [String; 4] {
    match side {
        None => ["".into(), "".into(), "".into(), "".into()],
        Some(sd) if sd.insn_lower_bound => [
            sd.insn
                .map_or_else(|| "-".into(), |v| format!("{}+", num(v))),
            cell(sd.ns),
            sd.insn_ratio
                .map_or_else(|| "-".into(), |r| format!("<{}", num(r))),
            ratio(sd.ns_ratio),
        ],
        Some(sd) => [
            cell(sd.insn),
            cell(sd.ns),
            ratio(sd.insn_ratio),
            ratio(sd.ns_ratio),
        ],
    }
}

fn ours_cells(row: &Row) -> [String; 2] {
    match &row.ours {
        None => ["not run".into(), "".into()],
        Some(o) if o.unit == Unit::Insn => [num(o.value), "-".into()],
        Some(o) => ["-".into(), num(o.value)],
    }
}

/// The side-by-side table, with its legend, memory and fib lines and the
/// skip messages.
pub fn compare_table(r: &BenchReport) -> String {
    let mut s = String::new();
    let Some(c) = &r.compare else {
        return s;
    };
    let tool_name = |t: Tool| match c.tool(t).status {
        super::compare::ToolStatus::Ran { ref version } => format!("{} ({version})", t.label()),
        super::compare::ToolStatus::Skipped { .. } => format!("{} (skipped)", t.label()),
    };
    let _ = writeln!(
        s,
        "comparison, per operation: ours vs {}",
        Tool::ALL.map(tool_name).join(" vs ")
    );
    // Two tools per block: four in one line would not fit a terminal.
    block(&mut s, r, [Tool::Go, Tool::Linux]);
    block(&mut s, r, [Tool::Tokio, Tool::May]);
    let _ = writeln!(s, "  counterparts:");
    for p in PAIRS {
        for tool in Tool::ALL {
            if let Some(c) = p.counterpart(tool) {
                let _ = writeln!(
                    s,
                    "    {:<17} {:<6} {}: {}",
                    p.ours,
                    short(tool),
                    c.op,
                    c.what
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "  insn: ours = every instruction the guest ran (icount); the others = callgrind's count \
         of user-space instructions, two iteration counts with the difference divided out"
    );
    let _ = writeln!(
        s,
        "  +: the host kernel's work inside futex, sched_yield and clone (Linux) and the eventfd \
         write of every may spawn is not counted, so the figure is a lower bound and the ratio \
         (<) an upper bound; Go's counts leave out its own system calls too (futex sleeps, \
         mostly across two Ps); tokio's and may's other operations make none"
    );
    let ns_note = match r.run.timebase {
        _ if r.kernel.benches.is_empty() => "ns: the others native (median of runs)",
        Timebase::RealNs => "ns: ours in real time under KVM, the others native (median of runs)",
        Timebase::EmulatedNs => {
            "ns: ours is emulated TCG time, not comparable with native time, so no time ratio"
        }
        Timebase::Instructions | Timebase::Lockstep => {
            "ns: the others native (median of runs); ours is in instructions in this run \
             (real time needs --accel kvm on real hardware)"
        }
    };
    let _ = writeln!(s, "  {ns_note}");
    let _ = writeln!(
        s,
        "  ratio ours/theirs: below 1 means ours is cheaper; formed only between like units"
    );
    for row in &r.rows {
        for side in Tool::ALL.into_iter().filter_map(|t| row.side(t)) {
            for e in &side.errors {
                let _ = writeln!(s, "  error {} {}: {e}", row.op, side.op);
            }
        }
    }
    mem_line(r, &mut s);
    fib_lines(r, &mut s);
    for m in c.skip_messages() {
        let _ = writeln!(s, "{m}");
    }
    s
}

/// One block of the comparison: our figures beside two tools'. A row is
/// in the block when either tool has a counterpart for it.
fn block(s: &mut String, r: &BenchReport, [a, b]: [Tool; 2]) {
    let has = |op: &str| {
        PAIRS
            .iter()
            .any(|p| p.ours == op && (p.counterpart(a).is_some() || p.counterpart(b).is_some()))
    };
    let line = |s: &mut String, c: [&str; 11]| {
        let _ = writeln!(
            s,
            "  {:<17}|{:>9} {:>8} |{:>8} {:>8} {:>6} {:>6} |{:>8} {:>8} {:>6} {:>6}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]
        );
    };
    let (ra, rb) = (abbrev(a), abbrev(b));
    let (ia, na, ib, nb) = (
        format!("{ra} in"),
        format!("{ra} ns"),
        format!("{rb} in"),
        format!("{rb} ns"),
    );
    line(
        s,
        [
            "",
            "ours",
            "",
            short(a),
            "",
            "ours/",
            "ours/",
            short(b),
            "",
            "ours/",
            "ours/",
        ],
    );
    line(
        s,
        [
            "operation",
            "insn",
            "ns",
            "insn",
            "ns",
            &ia,
            &na,
            "insn",
            "ns",
            &ib,
            &nb,
        ],
    );
    for row in r.rows.iter().filter(|row| has(&row.op)) {
        let [oi, on] = ours_cells(row);
        let x = side_cells(row.side(a));
        let y = side_cells(row.side(b));
        line(
            s,
            [
                &row.op, &oi, &on, &x[0], &x[1], &x[2], &x[3], &y[0], &y[1], &y[2], &y[3],
            ],
        );
    }
}

/// The tool's name over its columns.
fn short(t: Tool) -> &'static str {
    match t {
        Tool::Go => "Go",
        Tool::Linux => "Linux",
        Tool::Tokio => "tokio",
        Tool::May => "may",
    }
}

/// The tool's name in the ratio columns' headers.
fn abbrev(t: Tool) -> &'static str {
    match t {
        Tool::Go => "Go",
        Tool::Linux => "Lx",
        Tool::Tokio => "tk",
        Tool::May => "may",
    }
}

fn mem_line(r: &BenchReport, s: &mut String) {
    let ours = r
        .kernel
        .bench("mem-parked-g")
        .filter(|b| b.unit == Unit::Bytes);
    let go = r.compare.as_ref().and_then(|c| c.go.mem.as_ref());
    let rss = |t: Tool| r.compare.as_ref().and_then(|c| c.tool(t).rss.as_ref());
    if ours.is_none() && go.is_none() && rss(Tool::Tokio).is_none() && rss(Tool::May).is_none() {
        return;
    }
    let ours_s = ours.map_or_else(|| "not run".into(), |b| format!("{} bytes", num(b.median)));
    let go_s = go.map_or_else(
        || "-".into(),
        |m| {
            format!(
                "{} bytes (stack {} + heap {}, {} goroutines blocked on a channel, runtime.MemStats)",
                num(m.bytes_per_g),
                num(m.stack_per_g),
                num(m.heap_per_g),
                m.gs
            )
        },
    );
    let _ = writeln!(s, "  memory per parked G: ours {ours_s}; Go {go_s}");
    if let (Some(o), Some(g)) = (ours, go)
        && g.bytes_per_g > 0.0
    {
        let _ = writeln!(s, "    ours/Go = {:.2}", o.median / g.bytes_per_g);
    }
    for (tool, what) in [
        (Tool::Tokio, "tasks awaiting a oneshot"),
        (Tool::May, "coroutines parked in a channel recv"),
    ] {
        let Some(m) = rss(tool) else {
            continue;
        };
        let ratio = match ours {
            Some(o) if m.bytes_per_task > 0.0 => {
                format!(
                    "; ours/{} = {:.2}",
                    short(tool),
                    o.median / m.bytes_per_task
                )
            }
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "    {} {} bytes (resident-set growth over {} {what}){ratio}",
            short(tool),
            num(m.bytes_per_task),
            m.tasks
        );
    }
}

fn fib_lines(r: &BenchReport, s: &mut String) {
    let ours = r.ours_fib();
    let go = r.compare.as_ref().map(|c| &c.go.fib[..]).unwrap_or(&[]);
    if ours.is_empty() && go.is_empty() {
        return;
    }
    let params = r
        .compare
        .as_ref()
        .and_then(|c| c.go.fib_params)
        .map(|p| format!("Go fib({}), cutoff {}", p.n, p.cutoff))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "  fib spawn tree, wall time and speedup over procs=1 ({}{}):",
        params,
        match r.run.timebase {
            Timebase::RealNs => "",
            Timebase::Lockstep => "; ours in instructions on per-core clocks (--lockstep)",
            _ => "; ours not in real time in this run",
        }
    );
    let mut procs: Vec<u32> = ours
        .iter()
        .map(|p| p.0)
        .chain(go.iter().map(|p| p.procs))
        .collect();
    procs.sort_unstable();
    procs.dedup();
    let base_o = ours.iter().find(|p| p.0 == 1).map(|p| p.1);
    let base_g = go.iter().find(|p| p.procs == 1).map(|p| p.ns);
    for k in procs {
        let o = ours.iter().find(|p| p.0 == k).map(|p| p.1);
        let g = go.iter().find(|p| p.procs == k).map(|p| p.ns);
        let sp = |b: Option<f64>, v: Option<f64>| match (b, v) {
            (Some(b), Some(v)) if v > 0.0 => format!("{:.2}x", b / v),
            _ => "-".into(),
        };
        let ours_part = if ours.is_empty() {
            String::new()
        } else {
            format!(
                "ours {:>12} {:<4} {:>7}   ",
                cell(o),
                r.run.unit.as_str(),
                sp(base_o, o)
            )
        };
        let _ = writeln!(
            s,
            "    procs={k:<3} {ours_part}Go {:>12} ns {:>7}",
            cell(g),
            sp(base_g, g)
        );
    }
}

/// The targets, one line each.
pub fn targets_table(r: &BenchReport) -> String {
    let mut s = String::from("targets\n");
    for t in &r.targets {
        let mark = match t.status {
            Status::Met => "met   ",
            Status::Missed => "MISSED",
            Status::Unknown => "n/a   ",
        };
        let _ = writeln!(s, "  {mark} {:<52} {}", t.goal, t.detail);
    }
    s
}

/// Everything, in order.
pub fn render(r: &BenchReport) -> String {
    let mut s = header(r);
    s.push('\n');
    s.push_str(&kernel_table(r));
    if r.compare.is_some() {
        s.push('\n');
        s.push_str(&compare_table(r));
    }
    s.push('\n');
    s.push_str(&targets_table(r));
    s
}
