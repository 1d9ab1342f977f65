//! Hand-written SVG charts of a bench report: the comparison (grouped bars
//! per operation, log scale) and the fib speedup against procs.
//!
//! Design note: a few rectangles, lines and labels need no plotting crate;
//! the output is plain SVG 1.1 that browsers and image viewers open. The
//! bar chart uses a log scale because the figures span orders of magnitude
//! (a register swap is ~16 instructions, a thread spawn tens of thousands).
//! Bars and points carry a class (`bar`, `point`) and a `<title>` with the
//! exact figure, so the chart can be checked by a program and read by a
//! human hovering over it. Only figures in one unit share a chart.

use std::fmt::Write;

use super::compare::Tool;
use super::kernel_output::Unit;
use super::report::BenchReport;
use super::table::num;
use super::timebase::Timebase;

const W: f64 = 760.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 90.0;

/// Series colours: ours, then the tools in [`Tool::ALL`] order.
const COLOURS: [&str; 5] = ["#d9480f", "#1c7ed6", "#5c940d", "#7048e8", "#e67700"];
const SERIES: [&str; 5] = ["gmp-metal", "Go", "Linux threads", "tokio", "may"];
/// Horizontal room for one legend entry: five fit in the plot's width.
const LEGEND_STEP: f64 = 130.0;

/// Escapes text for XML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(s: &mut String, title: &str) {
    let _ = writeln!(
        s,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        W / 2.0,
        esc(title)
    );
}

fn legend(s: &mut String, names: &[&str], colours: &[&str]) {
    for (i, (n, c)) in names.iter().zip(colours).enumerate() {
        let x = LEFT + i as f64 * LEGEND_STEP;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="32" width="10" height="10" fill="{c}"/><text x="{}" y="41">{}</text>"#,
            x + 14.0,
            esc(n)
        );
    }
}

/// Closes a chart with nothing to plot: `why` stands in its middle, so an
/// empty chart still opens and says what is missing.
fn empty(mut s: String, why: &str) -> String {
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{why}</text>"#,
        W / 2.0,
        H / 2.0
    );
    s.push_str("</svg>\n");
    s
}

/// The values drawn for one operation: (series index, value).
type Group = (String, Vec<(usize, f64)>);

/// The comparison chart's groups and unit.
pub fn comparison_groups(r: &BenchReport) -> (Unit, Vec<Group>) {
    let unit = if r.run.timebase == Timebase::RealNs {
        Unit::Ns
    } else {
        Unit::Insn
    };
    let groups = r
        .rows
        .iter()
        .map(|row| {
            let mut bars = Vec::new();
            if let Some(o) = row.ours.as_ref().filter(|o| o.unit == unit) {
                bars.push((0, o.value));
            }
            for (i, t) in (1..).zip(Tool::ALL) {
                let v = row.side(t).and_then(|sd| match unit {
                    Unit::Ns => sd.ns,
                    _ => sd.insn,
                });
                if let Some(v) = v.filter(|v| *v > 0.0) {
                    bars.push((i, v));
                }
            }
            (row.op.clone(), bars)
        })
        .collect();
    (unit, groups)
}

/// Grouped bars per operation, log scale.
pub fn comparison_chart(r: &BenchReport) -> String {
    let (unit, groups) = comparison_groups(r);
    let what = if unit == Unit::Ns {
        "ns per operation (real time)"
    } else {
        "instructions per operation"
    };
    let mut s = String::new();
    open(
        &mut s,
        &format!("gmp-metal vs Go vs Linux threads vs tokio vs may: {what}"),
    );
    legend(&mut s, &SERIES, &COLOURS);
    let values: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.1.iter().map(|b| b.1))
        .collect();
    if values.is_empty() {
        return empty(s, "no comparable figures in this run");
    }
    let lo = values
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min)
        .log10()
        .floor()
        .min(0.0);
    let hi = values
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        .log10()
        .ceil()
        .max(lo + 1.0);
    let plot_h = H - TOP - BOTTOM;
    let y_of = |v: f64| TOP + plot_h * (1.0 - (v.log10() - lo) / (hi - lo));
    // Decades.
    let mut e = lo as i32;
    while e as f64 <= hi {
        let y = y_of(10f64.powi(e));
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">1e{e}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
        e += 1;
    }
    let n = groups.len().max(1) as f64;
    let gw = (W - LEFT - RIGHT) / n;
    let bw = (gw - 16.0) / SERIES.len() as f64;
    for (gi, (op, bars)) in groups.iter().enumerate() {
        let gx = LEFT + gi as f64 * gw + 8.0;
        for &(series, v) in bars {
            let x = gx + series as f64 * bw;
            let y = y_of(v);
            let _ = writeln!(
                s,
                r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{}: {} {} {}</title></rect>"#,
                bw - 2.0,
                (TOP + plot_h - y).max(0.5),
                COLOURS[series],
                esc(op),
                SERIES[series],
                num(v),
                unit
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" transform="rotate(-30 {:.1} {:.1})">{}</text>"#,
            gx + gw / 2.0,
            TOP + plot_h + 16.0,
            gx + gw / 2.0,
            TOP + plot_h + 16.0,
            esc(op)
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#333"/>"##,
        TOP + plot_h,
        W - RIGHT,
        TOP + plot_h
    );
    if unit == Unit::Insn {
        let _ = writeln!(
            s,
            r##"<text x="{LEFT}" y="{}" font-size="11" fill="#555">ours: icount; the others: callgrind, user-space instructions only (work inside system calls is not counted)</text>"##,
            H - 8.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle">{} (log scale)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        unit
    );
    s.push_str("</svg>\n");
    s
}

/// One speedup series: name, colour, points (procs, speedup).
pub type Series = (&'static str, &'static str, Vec<(u32, f64)>);

/// The speedup series of the fib chart.
pub fn fib_series(r: &BenchReport) -> Vec<Series> {
    let speedups = |pts: Vec<(u32, f64)>| -> Vec<(u32, f64)> {
        let Some(base) = pts.iter().find(|p| p.0 == 1).map(|p| p.1) else {
            return Vec::new();
        };
        pts.into_iter()
            .filter(|p| p.1 > 0.0)
            .map(|(k, v)| (k, base / v))
            .collect()
    };
    let mut out = Vec::new();
    let ours = speedups(r.ours_fib());
    if !ours.is_empty() {
        out.push((SERIES[0], COLOURS[0], ours));
    }
    if let Some(c) = &r.compare {
        let go = speedups(c.go.fib.iter().map(|p| (p.procs, p.ns)).collect());
        if !go.is_empty() {
            out.push((SERIES[1], COLOURS[1], go));
        }
    }
    out
}

/// fib speedup over procs=1 against procs, with the ideal line.
pub fn fib_chart(r: &BenchReport) -> String {
    let series = fib_series(r);
    let mut s = String::new();
    let when = match r.run.timebase {
        Timebase::RealNs => "real time",
        Timebase::Lockstep => "per-core instruction clocks, --lockstep",
        _ => "ours NOT in real time in this run",
    };
    open(
        &mut s,
        &format!("fib spawn tree: speedup over procs=1 ({when})"),
    );
    let names: Vec<&str> = series.iter().map(|x| x.0).collect();
    let colours: Vec<&str> = series.iter().map(|x| x.1).collect();
    legend(&mut s, &names, &colours);
    let kmax = series
        .iter()
        .flat_map(|x| x.2.iter().map(|p| p.0))
        .max()
        .unwrap_or(0);
    if kmax == 0 {
        return empty(s, "no fib figures in this run");
    }
    let smax = series
        .iter()
        .flat_map(|x| x.2.iter().map(|p| p.1))
        .fold(kmax as f64, f64::max)
        .ceil();
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let pad = 24.0;
    let x_of =
        |k: f64| LEFT + pad + (plot_w - 2.0 * pad) * (k - 1.0) / ((kmax as f64 - 1.0).max(1.0));
    let y_of = |v: f64| TOP + plot_h * (1.0 - v / smax);
    for k in 1..=kmax {
        let x = x_of(k as f64);
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{k}</text>"#,
            TOP + plot_h + 16.0
        );
    }
    for v in 0..=(smax as u32) {
        let y = y_of(v as f64);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{v}x</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#999" stroke-dasharray="4 4"><title>ideal</title></line>"##,
        x_of(1.0),
        y_of(1.0),
        x_of(kmax as f64),
        y_of(kmax as f64)
    );
    for (name, colour, pts) in &series {
        let path: Vec<String> = pts
            .iter()
            .map(|&(k, v)| format!("{:.1},{:.1}", x_of(k as f64), y_of(v)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            path.join(" ")
        );
        for &(k, v) in pts {
            let _ = writeln!(
                s,
                r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="4" fill="{colour}"><title>{}: procs={k} speedup {v:.2}x</title></circle>"#,
                x_of(k as f64),
                y_of(v),
                esc(name)
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">procs (GOMAXPROCS)</text>"#,
        LEFT + plot_w / 2.0,
        H - 40.0
    );
    s.push_str("</svg>\n");
    s
}
