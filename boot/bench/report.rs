//! Everything one `gmp-metal bench` run found, as one value: printed as
//! tables, written as JSON (`--json PATH`) and drawn as SVG.
//!
//! Design note: the printed tables, the JSON and the charts are all
//! rendered from this one value, so they cannot disagree. The JSON carries
//! a schema number; a change that would break readers bumps it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::compare::CompareReport;
use super::compare::pairs::{Row, rows};
use super::host_env::HostEnv;
use super::kernel_output::{KernelReport, Unit};
use super::targets::{Target, evaluate};
use super::timebase::Timebase;

/// The JSON schema version.
pub const SCHEMA: u32 = 1;

/// How the kernel was run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunInfo {
    pub accel: String,
    pub icount: bool,
    pub smp: String,
    /// Guest memory (`--memory`).
    #[serde(default)]
    pub memory: String,
    /// The benchmarks asked for (empty: all).
    pub selected: Vec<String>,
    /// The kernel boot option strings, one per boot.
    #[serde(default)]
    pub boots: Vec<String>,
    pub timebase: Timebase,
    /// The unit of the kernel's time figures.
    pub unit: Unit,
    /// Why that unit.
    pub unit_why: String,
}

/// One bench run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    pub schema: u32,
    pub host: HostEnv,
    pub run: RunInfo,
    pub kernel: KernelReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<CompareReport>,
    pub rows: Vec<Row>,
    pub targets: Vec<Target>,
}

impl BenchReport {
    /// Assembles the report: rows and targets are derived here.
    pub fn new(
        host: HostEnv,
        run: RunInfo,
        kernel: KernelReport,
        compare: Option<CompareReport>,
    ) -> BenchReport {
        let tb = run.timebase;
        let rows = compare
            .as_ref()
            .map(|c| rows(&kernel, c, tb))
            .unwrap_or_default();
        let targets = evaluate(&kernel, &rows, compare.as_ref(), tb, &run.memory);
        BenchReport {
            schema: SCHEMA,
            host,
            run,
            kernel,
            compare,
            rows,
            targets,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    pub fn from_json(text: &str) -> Result<BenchReport, String> {
        let r: BenchReport = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if r.schema != SCHEMA {
            return Err(format!("schema {} (this runner reads {SCHEMA})", r.schema));
        }
        Ok(r)
    }

    /// Our fib tree wall times: (procs, ns), by procs.
    pub fn ours_fib(&self) -> Vec<(u32, f64)> {
        let mut v: Vec<(u32, f64)> = self
            .kernel
            .benches
            .iter()
            .filter_map(|b| Some((super::catalog::fib_procs(&b.name)?, b.median)))
            .collect();
        v.sort_by_key(|p| p.0);
        v
    }

    /// Writes the JSON to `path` and the charts beside it; the paths written.
    pub fn write_files(&self, path: &Path) -> Result<Vec<std::path::PathBuf>, String> {
        let mut written = Vec::new();
        let mut put = |p: std::path::PathBuf, text: String| {
            std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            written.push(p);
            Ok::<(), String>(())
        };
        put(path.to_path_buf(), self.to_json())?;
        put(
            with_suffix(path, ".svg"),
            super::svg::comparison_chart(self),
        )?;
        put(with_suffix(path, ".fib.svg"), super::svg::fib_chart(self))?;
        Ok(written)
    }
}

/// `PATH` with `suffix` appended (`out.json` -> `out.json.svg`).
pub fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}
