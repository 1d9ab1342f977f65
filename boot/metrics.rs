//! `--metrics PATH`: the kernel's `METRIC` lines, written as JSON.
//!
//! Design note. With `metrics=on` the kernel prints, after the end-of-run
//! summary, one `METRIC NAME VALUE` line per metric (`gmp_sched::metrics`
//! holds the table and the line format, so kernel and runner cannot
//! disagree). The file is what a Go user would get by turning each
//! `metrics.Sample` of `metrics.Read` into JSON: per metric its name,
//! Go's kind (`KindUint64`, `KindFloat64`, `KindFloat64Histogram`), unit,
//! cumulative flag and a description of what it means here, and its value
//! — a number, or for a histogram the `Counts` and `Buckets` of Go's
//! `metrics.Float64Histogram` (boundaries in seconds, `len(Counts)+1` of
//! them, the first and last being -Inf and +Inf, which JSON has no number
//! for: they are written as the strings `"-Inf"` and `"+Inf"`).

use std::path::Path;

use gmp_sched::metrics::{self, Desc, Value};
use serde_json::{Value as Json, json};

/// The metrics in a run's serial output, in the order printed.
pub fn from_serial(serial: &str) -> Result<Vec<(&'static Desc, Value)>, String> {
    serial
        .lines()
        .filter_map(metrics::parse_line)
        .collect::<Result<Vec<_>, _>>()
}

/// The JSON document of a sample.
pub fn to_json(sample: &[(&'static Desc, Value)]) -> Json {
    let bounds: Vec<Json> = metrics::go_time_boundaries()
        .into_iter()
        .map(|b| {
            if b == f64::NEG_INFINITY {
                json!("-Inf")
            } else if b == f64::INFINITY {
                json!("+Inf")
            } else {
                json!(b)
            }
        })
        .collect();
    let list: Vec<Json> = sample
        .iter()
        .map(|(d, v)| {
            let value = match v {
                Value::Uint64(n) => json!(n),
                Value::Float64(x) => json!(x),
                Value::Histogram(counts) => json!({ "Counts": counts, "Buckets": bounds }),
            };
            json!({
                "name": d.name,
                "kind": d.kind.as_str(),
                "unit": d.unit(),
                "cumulative": d.cumulative,
                "description": d.description,
                "value": value,
            })
        })
        .collect();
    json!({ "metrics": list })
}

/// Write the metrics of `serial` to `path`; the sentence that says what
/// was written, or why nothing was.
pub fn write(path: &Path, serial: &str) -> Result<String, String> {
    let sample = from_serial(serial)?;
    if sample.is_empty() {
        return Err(
            "the kernel printed no METRIC lines (it prints them after the end-of-run summary; \
             a run that did not reach it has none)"
                .to_string(),
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(&to_json(&sample)).expect("JSON of plain values");
    std::fs::write(path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(format!(
        "{} of Go's runtime/metrics written to {} (docs/METRICS.md)",
        sample.len(),
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIAL: &str = "workload fib: start\n\
        METRIC /sched/gomaxprocs:threads 2\n\
        METRIC /sched/latencies:seconds hist 11:29,12:3\n\
        METRIC /sync/mutex/wait/total:seconds 0.25\n\
        workload fib: ok (13 ms)\n";

    #[test]
    fn serial_lines_become_go_shaped_json() {
        let sample = from_serial(SERIAL).unwrap();
        assert_eq!(sample.len(), 3);
        let j = to_json(&sample);
        let m = j["metrics"].as_array().unwrap();
        assert_eq!(m[0]["name"], "/sched/gomaxprocs:threads");
        assert_eq!(m[0]["kind"], "KindUint64");
        assert_eq!(m[0]["unit"], "threads");
        assert_eq!(m[0]["value"], 2);
        let h = &m[1]["value"];
        assert_eq!(m[1]["kind"], "KindFloat64Histogram");
        assert_eq!(m[1]["cumulative"], true);
        let counts = h["Counts"].as_array().unwrap();
        let buckets = h["Buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), counts.len() + 1);
        assert_eq!(counts[11], 29);
        assert_eq!(counts[12], 3);
        assert_eq!(buckets[0], "-Inf");
        assert_eq!(buckets[buckets.len() - 1], "+Inf");
        assert_eq!(buckets[1], 0.0);
        assert_eq!(m[2]["value"], 0.25);
        assert_eq!(m[2]["kind"], "KindFloat64");
    }

    #[test]
    fn a_bad_line_or_none_is_an_error() {
        assert!(from_serial("METRIC /sched/nope:things 1\n").is_err());
        let dir = std::env::temp_dir().join(format!("gmp-metrics-unit-{}", std::process::id()));
        let e = write(&dir.join("m.json"), "no metrics here\n").unwrap_err();
        assert!(e.contains("no METRIC lines"), "{e}");
        let said = write(&dir.join("m.json"), SERIAL).unwrap();
        assert!(
            said.starts_with("3 of Go's runtime/metrics written to "),
            "{said}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
