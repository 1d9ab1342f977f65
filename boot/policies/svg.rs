//! The tournament's charts: one SVG per chart of [`CHARTS`], one panel per
//! metric in it, grouped bars (x: workloads, one bar per policy).
//!
//! Design note: workloads differ in scale by orders of magnitude, so every
//! bar is the policy's figure over the baseline's on the same workload
//! (baseline = 1.0, a dashed line); where the baseline's figure is 0 the
//! workload's bars are over its largest figure instead, and the tooltip
//! says so. Each bar (`class="bar"`) carries a `<title>` with the real
//! figure. A workload without a figure (`jain=-`) draws no bar. Plain SVG
//! 1.1 with the bench's escaping, no plotting crate.

use std::fmt::Write as _;

use super::table::{CHARTS, Grid, Metric, of_chart};
use crate::bench::svg::esc;

const W: f64 = 960.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 84.0;
const PANEL_H: f64 = 200.0;
/// Room under a panel for its workload names and its title.
const PANEL_GAP: f64 = 64.0;
const BOTTOM: f64 = 30.0;

/// One colour per policy, in the order given (registry order repeats past
/// twelve).
const COLOURS: [&str; 12] = [
    "#1c7ed6", "#d9480f", "#5c940d", "#7048e8", "#e67700", "#0c8599", "#c2255c", "#868e96",
    "#2b8a3e", "#f08c00", "#364fc7", "#a61e4d",
];

/// The SVG of `chart` (a key of [`CHARTS`]).
pub fn chart(g: &Grid, chart: &str, caption: &str) -> String {
    let metrics = of_chart(chart);
    let title = CHARTS
        .iter()
        .find(|(k, _)| *k == chart)
        .map_or(chart, |(_, t)| t);
    let h = TOP + metrics.len() as f64 * (PANEL_H + PANEL_GAP) + BOTTOM;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" viewBox="0 0 {W} {h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="{}" y="22" text-anchor="middle" font-size="15">{}</text>
<text x="{}" y="40" text-anchor="middle" font-size="11" fill="#555">{}</text>"##,
        W / 2.0,
        esc(title),
        W / 2.0,
        esc(caption)
    );
    let per_row = ((W - LEFT - RIGHT) / 120.0).floor().max(1.0) as usize;
    for (i, p) in g.policies.iter().enumerate() {
        let x = LEFT + (i % per_row) as f64 * 120.0;
        let y = 50.0 + (i / per_row) as f64 * 14.0;
        let _ = writeln!(
            s,
            r#"<rect x="{x}" y="{y}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            COLOURS[i % COLOURS.len()],
            x + 14.0,
            y + 9.0,
            esc(p)
        );
    }
    for (pi, m) in metrics.iter().enumerate() {
        panel(&mut s, g, m, TOP + pi as f64 * (PANEL_H + PANEL_GAP));
    }
    s.push_str("</svg>\n");
    s
}

/// One metric's panel, its plot area's top at `y0`.
fn panel(s: &mut String, g: &Grid, m: &Metric, y0: f64) {
    let base = g.baseline();
    let pw = W - LEFT - RIGHT;
    let top = g
        .workloads
        .iter()
        .flat_map(|w| g.policies.iter().map(move |p| (p, w)))
        .filter_map(|(p, w)| g.normalised(m, p, w).map(|(v, _)| v))
        .fold(1.0, f64::max)
        * 1.1;
    let y_of = |v: f64| y0 + PANEL_H * (1.0 - v / top);
    for t in 0..=4 {
        let v = top * t as f64 / 4.0;
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="10">{v:.2}</text>"##,
            y_of(v),
            LEFT + pw,
            y_of(v),
            LEFT - 4.0,
            y_of(v) + 3.0
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="16" y="{:.1}" text-anchor="middle" font-size="10" transform="rotate(-90 16 {:.1})">relative to {} = 1.0</text>"#,
        y0 + PANEL_H / 2.0,
        y0 + PANEL_H / 2.0,
        esc(base)
    );
    let gw = pw / g.workloads.len().max(1) as f64;
    let bw = (gw * 0.8 / g.policies.len().max(1) as f64).min(60.0);
    let group = bw * g.policies.len() as f64;
    for (wi, w) in g.workloads.iter().enumerate() {
        let gx = LEFT + wi as f64 * gw + (gw - group) / 2.0;
        for (i, p) in g.policies.iter().enumerate() {
            let (Some((v, to_base)), Some(real)) = (g.normalised(m, p, w), g.value(m, p, w)) else {
                continue;
            };
            let how = if to_base {
                format!("{v:.3}x {base}")
            } else {
                format!("{v:.3}x the largest ({base}'s is 0)")
            };
            let _ = writeln!(
                s,
                r#"<rect class="bar" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"><title>{} on {}: {} = {:.*} ({})</title></rect>"#,
                gx + i as f64 * bw,
                y_of(v),
                (bw * 0.9).max(0.5),
                (y_of(0.0) - y_of(v)).max(0.0),
                COLOURS[i % COLOURS.len()],
                esc(p),
                esc(w),
                esc(m.key),
                m.decimals,
                real,
                esc(&how)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
            gx + group / 2.0,
            y0 + PANEL_H + 14.0,
            esc(w)
        );
    }
    let _ = writeln!(
        s,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000" stroke-dasharray="5 4"/>
<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#000"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">{} — {} is better (x: workload)</text>"##,
        y_of(1.0),
        LEFT + pw,
        y_of(1.0),
        y_of(0.0),
        LEFT + pw,
        y_of(0.0),
        LEFT + pw / 2.0,
        y0 + PANEL_H + 34.0,
        esc(m.title),
        m.better.word()
    );
}

#[cfg(test)]
mod tests {
    use super::super::table::tests::grid;
    use super::*;

    #[test]
    fn one_svg_with_a_bar_per_policy_and_workload_with_data() {
        let g = grid();
        let svg = chart(&g, "throughput", "--smp 4");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("</svg>").count(), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3 * 2);
        assert_eq!(
            svg.matches("<rect").count(),
            svg.matches("</rect>").count() + 1 + 3,
            "the background and the legend's swatches close themselves"
        );
        assert!(svg.contains("<title>no-steal on tour-fib: insn/unit = 300 (3.000x go)</title>"));
        // jain=- on tour-fib: only tour-pc's three bars.
        let fair = chart(&g, "fairness", "");
        assert_eq!(fair.matches(r#"class="bar""#).count(), 3);
        // Four panels in the latency chart.
        let lat = chart(&g, "latency", "");
        assert_eq!(lat.matches(r#"class="bar""#).count(), 4 * 6);
        assert_eq!(lat.matches("is better").count(), 4);
    }

    #[test]
    fn names_are_escaped() {
        let mut g = grid();
        g.policies[2] = "a<b".into();
        let svg = chart(&g, "throughput", "x & y");
        assert!(svg.contains("a&lt;b") && svg.contains("x &amp; y"));
        assert!(!svg.contains("a<b"));
    }
}
