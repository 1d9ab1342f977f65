//! The check of `lab policy`: read the tournament's `policies.json` (the
//! runner's `policies` command wrote it and printed `wrote PATH`) and judge
//! the lab's policy against Go's on the figures the lab names.
//!
//! Design note: the grade is a function of the tournament's figures only,
//! and those come from lockstep runs (per-core instruction clocks), which
//! are deterministic: the same policy always gets the same grade.

use serde_json::Value;

/// The lab's target: the policy under test, the workload and figure it
/// must improve, and by how much (its figure at most `ratio` × Go's).
pub const YOURS: &str = "yours";
pub const TARGET_WORKLOAD: &str = "tour-server";
pub const TARGET_FIGURE: &str = "wake-p99";
pub const TARGET_RATIO: f64 = 0.5;
/// The other workloads' throughput (instructions per unit of work) may be
/// at most this much worse than Go's.
pub const MARGIN: f64 = 0.05;
pub const THROUGHPUT: &str = "insn/unit";

/// One figure of the JSON: `metrics[figure]` of `policy` on `workload`.
fn figure(v: &Value, policy: &str, workload: &str, key: &str) -> Result<f64, String> {
    v["results"]
        .as_array()
        .ok_or("policies.json has no results")?
        .iter()
        .find(|c| c["policy"] == policy && c["workload"] == workload)
        .ok_or_else(|| format!("policies.json has no result for {policy} on {workload}"))?["metrics"]
        [key]
        .as_f64()
        .ok_or_else(|| format!("policies.json: {policy} on {workload} has no {key} figure"))
}

/// The verdict on a tournament's JSON text.
pub fn judge(json: &str) -> Result<(), String> {
    let v: Value = serde_json::from_str(json).map_err(|e| format!("policies.json: {e}"))?;
    let go = figure(&v, "go", TARGET_WORKLOAD, TARGET_FIGURE)?;
    let yours = figure(&v, YOURS, TARGET_WORKLOAD, TARGET_FIGURE)?;
    if yours > go * TARGET_RATIO {
        return Err(format!(
            "{TARGET_FIGURE} on {TARGET_WORKLOAD}: yours {yours:.0} against go's {go:.0}; it must be at most {:.0} ({}% of go's)",
            go * TARGET_RATIO,
            TARGET_RATIO * 100.0
        ));
    }
    let workloads: Vec<&str> = v["workloads"]
        .as_array()
        .ok_or("policies.json has no workloads")?
        .iter()
        .filter_map(Value::as_str)
        .filter(|w| *w != TARGET_WORKLOAD)
        .collect();
    for w in workloads {
        let (g, y) = (
            figure(&v, "go", w, THROUGHPUT)?,
            figure(&v, YOURS, w, THROUGHPUT)?,
        );
        if y > g * (1.0 + MARGIN) {
            return Err(format!(
                "{THROUGHPUT} on {w}: yours {y:.0} against go's {g:.0}, more than {}% worse",
                MARGIN * 100.0
            ));
        }
    }
    Ok(())
}

/// The QEMU check's verify: find `wrote .../policies.json` in the output,
/// read it, judge it.
pub(super) fn yours_beats_go(out: &str) -> Result<(), String> {
    let path = out
        .lines()
        .find_map(|l| {
            l.strip_prefix("wrote ")
                .filter(|p| p.ends_with("policies.json"))
        })
        .ok_or("the tournament printed no `wrote .../policies.json` line")?;
    let text = std::fs::read_to_string(path.trim()).map_err(|e| format!("{path}: {e}"))?;
    judge(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(go: [f64; 3], yours: [f64; 3]) -> String {
        let cell = |p: &str, w: &str, insn: f64, wake: f64| {
            format!(
                r#"{{"policy":"{p}","workload":"{w}","metrics":{{"insn/unit":{insn},"wake-p99":{wake}}}}}"#
            )
        };
        format!(
            r#"{{"workloads":["tour-server","tour-pc"],"results":[{},{},{},{}]}}"#,
            cell("go", "tour-server", 100.0, go[0]),
            cell("go", "tour-pc", go[1], go[2]),
            cell("yours", "tour-server", 100.0, yours[0]),
            cell("yours", "tour-pc", yours[1], yours[2]),
        )
    }

    #[test]
    fn half_the_wake_latency_within_the_margin_passes() {
        assert_eq!(
            judge(&json([1000.0, 500.0, 1.0], [500.0, 525.0, 1.0])),
            Ok(())
        );
    }

    #[test]
    fn not_enough_gain_or_too_much_loss_fails_saying_which() {
        let e = judge(&json([1000.0, 500.0, 1.0], [501.0, 500.0, 1.0])).unwrap_err();
        assert!(e.contains("wake-p99 on tour-server"), "{e}");
        let e = judge(&json([1000.0, 500.0, 1.0], [100.0, 526.0, 1.0])).unwrap_err();
        assert!(e.contains("insn/unit on tour-pc"), "{e}");
        assert!(judge("{}").is_err());
        assert!(yours_beats_go("no such line").is_err());
    }
}
