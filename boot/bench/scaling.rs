//! `bench --scaling CORES`: cost per unit of work against cores, on
//! lockstep's per-core clocks, with the ideal beside it and the gap split
//! into what it is made of.
//!
//! Design note: the kernel's `scaling` workload runs a fixed amount of work
//! (the fib(26) spawn tree; the producer–consumer channel with 8192 items)
//! at GOMAXPROCS = every core and prints, per part, the core time it took
//! in all (cores × elapsed), the instructions the cores executed (busy), of
//! which spinning, and the time they sat parked (idle). The ideal is the
//! one-core figure: the work itself, which no number of cores makes
//! smaller. Per unit, then, the core time is
//!
//!   work + scheduling (busy − work − spinning) + spinning + idle,
//!
//! and everything above the work is the price of the cores. The chart
//! stacks those four per core count, one panel per part.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::args::{BenchArgs, LOCKSTEP_QUANTUM};
use super::svg::esc;
use crate::outcome::Verdict;
use crate::run::Run;

/// One `SCALE` line of the kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub part: String,
    pub cores: u32,
    pub units: u64,
    pub elapsed: u64,
    pub core_time: u64,
    pub busy: u64,
    pub spinning: u64,
    pub idle: u64,
}

/// The `SCALE` lines of a serial log.
pub fn parse(serial: &str) -> Result<Vec<Point>, String> {
    serial
        .lines()
        .filter_map(|l| l.strip_prefix("SCALE "))
        .map(|rest| {
            let mut words = rest.split_whitespace();
            let part = words.next().ok_or("a SCALE line without a part")?;
            let get = |key: &str| -> Result<u64, String> {
                rest.split_whitespace()
                    .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
                    .ok_or(format!("SCALE {part}: no {key}="))?
                    .parse()
                    .map_err(|_| format!("SCALE {part}: {key}= is not a number"))
            };
            Ok(Point {
                part: part.to_string(),
                cores: get("cores")? as u32,
                units: get("units")?.max(1),
                elapsed: get("elapsed")?,
                core_time: get("core_time")?,
                busy: get("busy")?,
                spinning: get("spinning")?,
                idle: get("idle")?,
            })
        })
        .collect()
}

/// Per unit, the four layers of a point's core time, given the work per
/// unit (the one-core figure): work, scheduling, spinning, idle.
pub fn layers(p: &Point, work: f64) -> [f64; 4] {
    let u = p.units as f64;
    let spinning = p.spinning as f64 / u;
    let idle = p.idle as f64 / u;
    let scheduling = (p.busy as f64 / u - work - spinning).max(0.0);
    [work, scheduling, spinning, idle]
}

/// The work per unit of `part`: its one-core busy time per unit.
fn work_of(points: &[Point], part: &str) -> Option<f64> {
    points
        .iter()
        .find(|p| p.part == part && p.cores == 1)
        .map(|p| p.busy as f64 / p.units as f64)
}

/// The table: per part and core count, the speedup, the core time per unit
/// and its layers.
pub fn table(points: &[Point]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "  {:<5} {:>5} {:>9} {:>9} {:>12} {:>10} {:>10} {:>10} {:>10}",
        "part", "cores", "speedup", "ideal", "per unit", "work", "sched", "spinning", "idle"
    );
    for part in parts(points) {
        let Some(work) = work_of(points, &part) else {
            let _ = writeln!(s, "  {part}: no one-core point, so no ideal");
            continue;
        };
        let t1 = points
            .iter()
            .find(|p| p.part == part && p.cores == 1)
            .map(|p| p.elapsed as f64)
            .unwrap_or(0.0);
        for p in points.iter().filter(|p| p.part == part) {
            let l = layers(p, work);
            let _ = writeln!(
                s,
                "  {:<5} {:>5} {:>8.2}x {:>8}x {:>12.0} {:>10.0} {:>10.0} {:>10.0} {:>10.0}",
                p.part,
                p.cores,
                t1 / p.elapsed.max(1) as f64,
                p.cores,
                p.core_time as f64 / p.units as f64,
                l[0],
                l[1],
                l[2],
                l[3]
            );
        }
    }
    s
}

fn parts(points: &[Point]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in points {
        if !out.contains(&p.part) {
            out.push(p.part.clone());
        }
    }
    out
}

const W: f64 = 900.0;
const H: f64 = 440.0;
const COLOURS: [&str; 4] = ["#1c7ed6", "#e67700", "#d9480f", "#adb5bd"];
const LAYERS: [&str; 4] = ["work (the one-core cost)", "scheduling", "spinning", "idle"];

/// One panel per part: a stacked bar per core count, the ideal (the work)
/// as a dashed line. Bars carry a `<title>` with the exact figures.
pub fn chart(points: &[Point], quantum: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">Core time per unit of work against cores (instructions, --lockstep={})</text>"#,
        W / 2.0,
        esc(quantum)
    );
    for (i, (name, colour)) in LAYERS.iter().zip(COLOURS).enumerate() {
        let x = 70.0 + i as f64 * 190.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="34" width="10" height="10" fill="{colour}"/><text x="{}" y="43">{}</text>"#,
            x + 14.0,
            esc(name)
        );
    }
    let ps = parts(points);
    let panel_w = (W - 40.0) / ps.len().max(1) as f64;
    for (pi, part) in ps.iter().enumerate() {
        let Some(work) = work_of(points, part) else {
            continue;
        };
        let pts: Vec<&Point> = points.iter().filter(|p| &p.part == part).collect();
        let top = pts
            .iter()
            .map(|p| layers(p, work).iter().sum::<f64>())
            .fold(work, f64::max)
            * 1.08;
        let (x0, y0, ph) = (60.0 + pi as f64 * panel_w, 60.0, H - 120.0);
        let pw = panel_w - 70.0;
        let y_of = |v: f64| y0 + ph * (1.0 - v / top);
        let unit = if part == "fib" { "G" } else { "item" };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{} (per {unit})</text>"#,
            x0 + pw / 2.0,
            y0 + ph + 40.0,
            esc(part)
        );
        for t in 0..=4 {
            let v = top * t as f64 / 4.0;
            let _ = writeln!(
                s,
                r##"<line x1="{x0:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="10">{:.0}</text>"##,
                y_of(v),
                x0 + pw,
                y_of(v),
                x0 - 4.0,
                y_of(v) + 3.0,
                v
            );
        }
        let bw = pw / pts.len().max(1) as f64;
        for (bi, p) in pts.iter().enumerate() {
            let l = layers(p, work);
            let x = x0 + bi as f64 * bw + bw * 0.15;
            let mut base = 0.0;
            for (li, v) in l.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{part} cores={}: {} {v:.0} per {unit}</title></rect>"#,
                    y_of(base + v),
                    bw * 0.7,
                    (y_of(base) - y_of(base + v)).max(0.0),
                    COLOURS[li],
                    p.cores,
                    LAYERS[li]
                );
                base += v;
            }
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
                x + bw * 0.35,
                y0 + ph + 14.0,
                p.cores
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{x0:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000" stroke-dasharray="5 4"><title>ideal: {work:.0} per {unit} at any core count</title></line>"##,
            y_of(work),
            x0 + pw,
            y_of(work)
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">cores (GOMAXPROCS = cores); dashed: ideal</text>"#,
        W / 2.0,
        H - 12.0
    );
    s.push_str("</svg>\n");
    s
}

/// Where the chart goes: next to `--json PATH`, else under `target/`.
fn chart_path(args: &BenchArgs) -> PathBuf {
    match &args.json {
        Some(p) => PathBuf::from(format!("{}.scaling.svg", p.display())),
        None => Path::new("target").join("bench-scaling.svg"),
    }
}

/// Boot the `scaling` workload at each core count; print the table and
/// write the chart. The exit status.
pub fn main(args: &BenchArgs, cores: &[u32]) -> i32 {
    let quantum = args
        .lockstep
        .map(|q| q.to_string())
        .unwrap_or_else(|| LOCKSTEP_QUANTUM.to_string());
    let mut points = Vec::new();
    for &n in cores {
        eprintln!("[bench] scaling: {n} cores, lockstep={quantum}");
        let run = Run::new()
            .qemu(args.qemu.clone())
            .smp(n.to_string())
            .memory(args.memory.clone())
            .icount(true)
            .timeout(Duration::from_secs(args.timeout))
            .echo(args.verbose)
            .boot_opt("workload=scaling")
            .boot_opt("seed=1")
            .boot_opt(format!("lockstep={quantum}"));
        let outcome = match run.prepare().and_then(|p| p.execute()) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {e}");
                return e.exit_code();
            }
        };
        if outcome.verdict != Verdict::Success {
            eprintln!(
                "gmp-metal bench --scaling: {n} cores: {}\n{}",
                outcome
                    .explain()
                    .unwrap_or_else(|| outcome.verdict.to_string()),
                outcome.serial
            );
            return outcome.exit_code();
        }
        match parse(&outcome.serial) {
            Ok(p) if !p.is_empty() => points.extend(p),
            Ok(_) => {
                eprintln!(
                    "gmp-metal bench --scaling: {n} cores: the kernel printed no SCALE lines"
                );
                return 1;
            }
            Err(e) => {
                eprintln!("gmp-metal bench --scaling: {n} cores: {e}");
                return 1;
            }
        }
    }
    points.sort_by_key(|p| (p.part.clone(), p.cores));
    println!(
        "Scaling on per-core instruction clocks (--lockstep={quantum}); per unit: fib = a G, pc = an item"
    );
    print!("{}", table(&points));
    let path = chart_path(args);
    if let Err(e) = std::fs::write(&path, chart(&points, &quantum)) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return 1;
    }
    println!("chart: {}", path.display());
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "x\nSCALE fib cores=1 units=10 elapsed=1000 core_time=1000 busy=1000 spinning=0 idle=0 causal=0\n\
SCALE fib cores=4 units=10 elapsed=400 core_time=1600 busy=1200 spinning=100 idle=400 causal=0\n";

    #[test]
    fn the_layers_add_up_to_the_core_time() {
        let pts = parse(LOG).unwrap();
        assert_eq!(pts.len(), 2);
        let work = work_of(&pts, "fib").unwrap();
        assert_eq!(work, 100.0);
        // 4 cores: 160 per G = 100 work + 10 scheduling + 10 spinning + 40 idle.
        assert_eq!(layers(&pts[1], work), [100.0, 10.0, 10.0, 40.0]);
        let t = table(&pts);
        assert!(t.contains("2.50x"), "{t}");
        let svg = chart(&pts, "20000");
        assert_eq!(svg.matches(r#"class="bar""#).count(), 8);
        assert!(svg.contains("ideal: 100 per G"));
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse("SCALE fib cores=x").unwrap_err();
        assert!(e.contains("cores"), "{e}");
    }
}
