//! The tournament's figures: the metrics derived from the raw
//! `POLICY-RESULT` figures, their ratios to the baseline, and the table.
//!
//! Design note: a [`Metric`] is data — a key, a heading, whether lower or
//! higher is better, and a function from [`Figures`] to a value (`None`
//! when the workload has no such figure, e.g. `jain=-`). The table, the
//! charts and the JSON all read the same list ([`METRICS`]), so they
//! cannot disagree. Per-unit figures divide by the units of work, so
//! workloads of different sizes compare; activity counts are per 1000
//! units. The baseline is `go` when it ran, else the first policy.

use std::fmt::Write as _;

use super::parse::Figures;

/// Which way a metric improves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
}

impl Better {
    pub fn word(self) -> &'static str {
        match self {
            Better::Lower => "lower",
            Better::Higher => "higher",
        }
    }
}

/// One column of the table and one panel of a chart.
pub struct Metric {
    /// Key in the JSON and the table's heading.
    pub key: &'static str,
    /// What it is, for chart panels and the legend of the table.
    pub title: &'static str,
    /// The chart (file `policies-<chart>.svg`) it is drawn in.
    pub chart: &'static str,
    pub better: Better,
    /// Decimals in the table.
    pub decimals: usize,
    pub value: fn(&Figures) -> Option<f64>,
}

fn per_unit(x: u64, f: &Figures) -> Option<f64> {
    Some(x as f64 / f.units.max(1) as f64)
}

fn per_1000(x: u64, f: &Figures) -> Option<f64> {
    Some(1000.0 * x as f64 / f.units.max(1) as f64)
}

/// Every metric, in table order.
pub static METRICS: &[Metric] = &[
    Metric {
        key: "insn/unit",
        title: "throughput: core time per unit of work (instructions)",
        chart: "throughput",
        better: Better::Lower,
        decimals: 0,
        value: |f| per_unit(f.core_time, f),
    },
    Metric {
        key: "p50",
        title: "latency p50 (instructions)",
        chart: "latency",
        better: Better::Lower,
        decimals: 0,
        value: |f| Some(f.lat_p50 as f64),
    },
    Metric {
        key: "p99",
        title: "latency p99 (instructions)",
        chart: "latency",
        better: Better::Lower,
        decimals: 0,
        value: |f| Some(f.lat_p99 as f64),
    },
    Metric {
        key: "p99.9",
        title: "latency p99.9 (instructions)",
        chart: "latency",
        better: Better::Lower,
        decimals: 0,
        value: |f| Some(f.lat_p999 as f64),
    },
    Metric {
        key: "wake-p99",
        title: "wake-up to run, p99 (instructions)",
        chart: "latency",
        better: Better::Lower,
        decimals: 0,
        value: |f| Some(f.wake_p99 as f64),
    },
    Metric {
        key: "jain",
        title: "fairness: Jain's index over equal Gs (1 = fair)",
        chart: "fairness",
        better: Better::Higher,
        decimals: 4,
        value: |f| f.jain,
    },
    Metric {
        key: "spin/unit",
        title: "wasted spinning per unit (instructions)",
        chart: "wasted",
        better: Better::Lower,
        decimals: 1,
        value: |f| per_unit(f.spin_wasted, f),
    },
    Metric {
        key: "steal-miss",
        title: "steal attempts that found nothing",
        chart: "wasted",
        better: Better::Lower,
        decimals: 0,
        value: |f| Some(f.steal_miss as f64),
    },
    Metric {
        key: "steals/1k",
        title: "steals per 1000 units",
        chart: "activity",
        better: Better::Lower,
        decimals: 1,
        value: |f| per_1000(f.steals, f),
    },
    Metric {
        key: "migr/1k",
        title: "migrations per 1000 units",
        chart: "activity",
        better: Better::Lower,
        decimals: 1,
        value: |f| per_1000(f.migrations, f),
    },
    Metric {
        key: "wakeups/1k",
        title: "idle wake-ups per 1000 units",
        chart: "activity",
        better: Better::Lower,
        decimals: 1,
        value: |f| per_1000(f.wakeups, f),
    },
];

/// The charts, in order, with their titles.
pub const CHARTS: &[(&str, &str)] = &[
    ("throughput", "Throughput: instructions per unit of work"),
    ("latency", "Latency: p50, p99, p99.9 and wake-up p99"),
    ("fairness", "Fairness: Jain's index"),
    ("wasted", "Wasted work: spinning per unit and failed steals"),
    (
        "activity",
        "Steals, migrations and idle wake-ups per 1000 units",
    ),
];

/// The metrics of `chart`.
pub fn of_chart(chart: &str) -> Vec<&'static Metric> {
    METRICS.iter().filter(|m| m.chart == chart).collect()
}

/// The metric called `key`.
pub fn metric(key: &str) -> &'static Metric {
    METRICS
        .iter()
        .find(|m| m.key == key)
        .expect("a metric of METRICS")
}

/// Every (policy, workload) run, in the order they ran.
#[derive(Clone, Debug, Default)]
pub struct Grid {
    pub policies: Vec<String>,
    pub workloads: Vec<String>,
    pub cells: Vec<(String, String, Figures)>,
}

impl Grid {
    /// The baseline policy: `go` if it ran, else the first.
    pub fn baseline(&self) -> &str {
        self.policies
            .iter()
            .find(|p| *p == "go")
            .or(self.policies.first())
            .map_or("go", String::as_str)
    }

    pub fn get(&self, policy: &str, workload: &str) -> Option<&Figures> {
        self.cells
            .iter()
            .find(|(p, w, _)| p == policy && w == workload)
            .map(|(_, _, f)| f)
    }

    /// `m` of `policy` on `workload`.
    pub fn value(&self, m: &Metric, policy: &str, workload: &str) -> Option<f64> {
        self.get(policy, workload).and_then(m.value)
    }

    /// `m` of `policy` on `workload` over the baseline's: `Some(1.0)` for
    /// the baseline itself, `None` when either is missing or the
    /// baseline's is 0.
    pub fn ratio(&self, m: &Metric, policy: &str, workload: &str) -> Option<f64> {
        let base = self.value(m, self.baseline(), workload)?;
        let v = self.value(m, policy, workload)?;
        (base > 0.0).then(|| v / base)
    }

    /// The value a chart draws for `m`: normalised to the baseline = 1.0,
    /// or, where the baseline's figure is 0 or missing, to the largest
    /// figure of the workload (the second of the pair says which).
    pub fn normalised(&self, m: &Metric, policy: &str, workload: &str) -> Option<(f64, bool)> {
        let v = self.value(m, policy, workload)?;
        if let Some(r) = self.ratio(m, policy, workload) {
            return Some((r, true));
        }
        let max = self
            .policies
            .iter()
            .filter_map(|p| self.value(m, p, workload))
            .fold(0.0, f64::max);
        Some((if max > 0.0 { v / max } else { 0.0 }, false))
    }
}

/// A ratio as the change it is: 1.123 → `+12.3%`.
pub fn percent(ratio: f64) -> String {
    format!("{:+.1}%", (ratio - 1.0) * 100.0)
}

/// A figure with `decimals`, or `n/a`.
pub fn cell(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.decimals$}"))
}

/// The column headings, in order: policy, every metric, and the two ratio
/// columns after the figures they compare.
pub fn columns() -> Vec<&'static str> {
    let mut c = vec!["policy"];
    for m in METRICS {
        c.push(m.key);
        match m.key {
            "insn/unit" => c.push("vs-base"),
            "p99" => c.push("p99-vs"),
            _ => {}
        }
    }
    c
}

/// The table: one block per workload, one row per policy.
pub fn table(g: &Grid) -> String {
    let cols = columns();
    let width = |c: &str| match c {
        "policy" => 15,
        _ => c.len().max(9),
    };
    let mut s = String::new();
    let base = g.baseline();
    for w in &g.workloads {
        let _ = writeln!(s, "{w}");
        let mut head = String::from(" ");
        for c in &cols {
            match *c {
                "policy" => {
                    let _ = write!(head, " {c:<15}");
                }
                c => {
                    let _ = write!(head, " {c:>width$}", width = width(c));
                }
            }
        }
        let _ = writeln!(s, "{}", head.trim_end());
        for p in &g.policies {
            let mut row = format!("  {p:<15}");
            for c in &cols[1..] {
                let text = match *c {
                    "vs-base" | "p99-vs" => {
                        let m = metric(if *c == "vs-base" { "insn/unit" } else { "p99" });
                        if p == base {
                            "base".to_string()
                        } else {
                            g.ratio(m, p, w).map_or_else(|| "n/a".into(), percent)
                        }
                    }
                    key => {
                        let m = metric(key);
                        cell(g.value(m, p, w), m.decimals)
                    }
                };
                let _ = write!(row, " {text:>width$}", width = width(c));
            }
            let _ = writeln!(s, "{row}");
        }
    }
    s
}

/// The legend under the table: which way each column is better.
pub fn legend(base: &str) -> String {
    let mut s = String::new();
    for m in METRICS {
        let _ = writeln!(
            s,
            "  {:<11} {} — {} is better",
            m.key,
            m.title,
            m.better.word()
        );
    }
    let _ = writeln!(
        s,
        "  vs-base, p99-vs: insn/unit and p99 against {base} (+ = more instructions = worse); n/a: no figure"
    );
    s
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::parse::{find, tests::canned};
    use super::*;

    pub fn grid() -> Grid {
        let mut g = Grid {
            policies: vec!["go".into(), "no-steal".into(), "fifo".into()],
            workloads: vec!["tour-pc".into(), "tour-fib".into()],
            cells: Vec::new(),
        };
        for (p, w, ct, p99, jain) in [
            ("go", "tour-pc", 400_000, 1000, "0.99"),
            ("no-steal", "tour-pc", 449_200, 2000, "0.50"),
            ("fifo", "tour-pc", 360_000, 500, "1.0"),
            ("go", "tour-fib", 100_000, 10, "-"),
            ("no-steal", "tour-fib", 300_000, 30, "-"),
            ("fifo", "tour-fib", 100_000, 10, "-"),
        ] {
            let f = find(&canned(w, ct, p99, jain)).unwrap().unwrap();
            g.cells.push((p.into(), w.into(), f));
        }
        g
    }

    #[test]
    fn ratios_and_normalisation_are_against_go() {
        let g = grid();
        assert_eq!(g.baseline(), "go");
        let tp = metric("insn/unit");
        assert_eq!(g.value(tp, "go", "tour-pc"), Some(400.0));
        assert_eq!(g.ratio(tp, "go", "tour-pc"), Some(1.0));
        let r = g.ratio(tp, "no-steal", "tour-pc").unwrap();
        assert!((r - 1.123).abs() < 1e-9, "{r}");
        assert_eq!(percent(r), "+12.3%");
        assert_eq!(percent(g.ratio(tp, "fifo", "tour-pc").unwrap()), "-10.0%");
        assert_eq!(g.normalised(tp, "no-steal", "tour-fib"), Some((3.0, true)));
        // jain=- has no figure, so nothing to normalise.
        assert_eq!(g.normalised(metric("jain"), "go", "tour-fib"), None);
        // Per 1000 units: 40 steals over 1000 units.
        assert_eq!(g.value(metric("steals/1k"), "go", "tour-pc"), Some(40.0));
    }

    #[test]
    fn a_zero_baseline_normalises_to_the_largest() {
        let mut g = grid();
        g.cells[0].2.steal_miss = 0;
        g.cells[1].2.steal_miss = 8;
        let m = metric("steal-miss");
        assert_eq!(g.ratio(m, "no-steal", "tour-pc"), None);
        assert_eq!(g.normalised(m, "no-steal", "tour-pc"), Some((1.0, false)));
        assert_eq!(g.normalised(m, "go", "tour-pc"), Some((0.0, false)));
    }

    #[test]
    fn without_go_the_first_policy_is_the_baseline() {
        let mut g = grid();
        g.policies.remove(0);
        assert_eq!(g.baseline(), "no-steal");
    }

    #[test]
    fn the_table_has_a_block_per_workload_and_a_row_per_policy() {
        let t = table(&grid());
        let lines: Vec<&str> = t.lines().collect();
        // Per workload: its name, the heading, three rows.
        assert_eq!(lines.len(), 2 * (2 + 3), "{t}");
        assert_eq!(lines[0], "tour-pc");
        assert_eq!(lines[5], "tour-fib");
        let ncols = columns().len();
        for row in [2, 3, 4, 7, 8, 9] {
            let cells: Vec<&str> = lines[row].split_whitespace().collect();
            assert_eq!(cells.len(), ncols, "{}", lines[row]);
        }
        assert_eq!(lines[1].split_whitespace().count(), ncols);
        assert!(
            lines[2].starts_with("  go ") && lines[2].contains(" base "),
            "{t}"
        );
        assert!(
            lines[3].contains("+12.3%") && lines[3].contains("+100.0%"),
            "{t}"
        );
        // jain=- is shown as n/a.
        assert!(lines[7].contains(" n/a "), "{t}");
        assert!(legend("go").contains("jain"));
    }
}
