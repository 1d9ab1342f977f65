//! Reading what `workload=bench` prints on the serial console.
//!
//! Design note: the kernel's bench output is a line protocol mixed into the
//! ordinary boot log (`BENCH-ENV`, `BENCH`, `BENCH-NOTE`, `BENCH-SKIP`,
//! `BENCH-DONE`), so the parser looks only at lines whose first word is one
//! of those and
//! ignores everything else. A line that claims to be bench output but does
//! not follow the contract is an error naming the line and what is wrong,
//! never silently dropped: a figure that cannot be read must not vanish
//! from a comparison table. Values are `key=value` or `key="text with
//! spaces"`; keys this runner does not know are kept, so the kernel can add
//! fields without breaking older runners.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The unit of one figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Executed instructions (the guest TSC under `-icount shift=0`).
    Insn,
    /// Nanoseconds (virtual TCG time, or real time under KVM).
    Ns,
    Bytes,
    Count,
}

impl Unit {
    fn parse(s: &str) -> Option<Unit> {
        Some(match s {
            "insn" => Unit::Insn,
            "ns" => Unit::Ns,
            "bytes" => Unit::Bytes,
            "count" => Unit::Count,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Insn => "insn",
            Unit::Ns => "ns",
            Unit::Bytes => "bytes",
            Unit::Count => "count",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `BENCH-ENV`: the machine as the kernel saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelEnv {
    pub cores: u32,
    pub procs: u32,
    pub accel: String,
    pub icount: bool,
    /// The lockstep quantum (per-core clocks); 0 = off, and absent from a
    /// kernel older than the mode.
    #[serde(default)]
    pub lockstep: u32,
    pub cpu: String,
    pub tsc_hz: u64,
    pub unit: Unit,
}

/// One `BENCH` line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelBench {
    pub name: String,
    pub unit: Unit,
    pub reps: u64,
    pub median: f64,
    pub p99: f64,
    pub min: f64,
    pub desc: String,
    /// Fields the contract does not name, kept as printed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

/// One `BENCH-NOTE` line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KernelNote {
    pub name: String,
    pub text: String,
}

impl KernelNote {
    /// The `key=value` words of the note whose value is a number, e.g.
    /// `max_parked=1200000`.
    pub fn numbers(&self) -> impl Iterator<Item = (&str, f64)> {
        self.text.split_whitespace().filter_map(|w| {
            let (k, v) = w.split_once('=')?;
            let v = v.trim_end_matches([',', ';', ')']).replace('_', "");
            Some((k, v.parse().ok()?))
        })
    }
}

/// Everything the bench workload printed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KernelReport {
    pub env: Option<KernelEnv>,
    pub benches: Vec<KernelBench>,
    pub notes: Vec<KernelNote>,
    /// `BENCH-SKIP <name> <why>`: benchmarks the kernel did not run.
    #[serde(default)]
    pub skips: Vec<KernelNote>,
    /// `BENCH-DONE` was seen: the list is complete.
    pub done: bool,
}

impl KernelReport {
    pub fn bench(&self, name: &str) -> Option<&KernelBench> {
        self.benches.iter().find(|b| b.name == name)
    }

    /// Adds the output of another boot: its benchmarks, notes and skips;
    /// the first boot's environment is kept; complete only if both are.
    pub fn merge(&mut self, other: KernelReport) -> Result<(), String> {
        for b in &other.benches {
            if self.bench(&b.name).is_some() {
                return Err(format!("benchmark {} reported by two boots", b.name));
            }
        }
        let first = self.env.is_none() && self.benches.is_empty() && self.skips.is_empty();
        if self.env.is_none() {
            self.env = other.env;
        }
        self.benches.extend(other.benches);
        self.notes.extend(other.notes);
        self.skips.extend(other.skips);
        self.done = if first {
            other.done
        } else {
            self.done && other.done
        };
        Ok(())
    }

    pub fn notes_for<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a KernelNote> {
        self.notes.iter().filter(move |n| n.name == name)
    }
}

/// A bench line that breaks the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number in the serial log.
    pub line_no: usize,
    pub line: String,
    pub why: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "serial line {}: {} (line: {:?})",
            self.line_no, self.why, self.line
        )
    }
}

impl std::error::Error for ParseError {}

/// One recognised line.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Env(KernelEnv),
    Bench(KernelBench),
    Note(KernelNote),
    Skip(KernelNote),
    Done,
}

/// Parses a whole serial log. Lines that are not bench output are skipped.
pub fn parse(serial: &str) -> Result<KernelReport, ParseError> {
    let mut report = KernelReport::default();
    for (i, raw) in serial.lines().enumerate() {
        let fail = |why: String| ParseError {
            line_no: i + 1,
            line: raw.to_string(),
            why,
        };
        match parse_line(raw).map_err(fail)? {
            None => {}
            Some(Line::Env(env)) => {
                if report.env.is_some() {
                    return Err(fail("a second BENCH-ENV line".into()));
                }
                report.env = Some(env);
            }
            Some(Line::Bench(b)) => {
                if report.bench(&b.name).is_some() {
                    return Err(fail(format!("benchmark {} reported twice", b.name)));
                }
                report.benches.push(b);
            }
            Some(Line::Note(n)) => report.notes.push(n),
            Some(Line::Skip(n)) => report.skips.push(n),
            Some(Line::Done) => report.done = true,
        }
    }
    Ok(report)
}

/// Parses one line: `Ok(None)` for a line that is not bench output.
pub fn parse_line(line: &str) -> Result<Option<Line>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
    match head {
        "BENCH-ENV" => parse_env(rest).map(|e| Some(Line::Env(e))),
        "BENCH" => parse_bench(rest).map(|b| Some(Line::Bench(b))),
        "BENCH-NOTE" => name_and_text(rest).map(|n| Some(Line::Note(n))),
        "BENCH-SKIP" => name_and_text(rest).map(|n| Some(Line::Skip(n))),
        "BENCH-DONE" if rest.trim().is_empty() => Ok(Some(Line::Done)),
        "BENCH-DONE" => Err("BENCH-DONE takes no fields".into()),
        _ => Ok(None),
    }
}

/// `<name> <free text>`.
fn name_and_text(rest: &str) -> Result<KernelNote, String> {
    let rest = rest.trim_start();
    let (name, text) = rest.split_once(' ').unwrap_or((rest, ""));
    check_name(name)?;
    Ok(KernelNote {
        name: name.to_string(),
        text: text.trim().to_string(),
    })
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("missing benchmark name".into());
    }
    if name.contains('=') || name.contains('"') {
        return Err(format!("{name:?} is not a benchmark name"));
    }
    Ok(())
}

/// `key=value key="quoted value"` into an ordered map; a key given twice,
/// a word without `=` or an unterminated quote is an error.
pub fn fields(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("{:?} is not key=value", first_word(rest)))?;
        if key.is_empty() || key.contains(char::is_whitespace) || key.contains('"') {
            return Err(format!("{:?} is not key=value", first_word(rest)));
        }
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("{key}: unterminated quote"))?;
            let after = &quoted[end + 1..];
            if !(after.is_empty() || after.starts_with(char::is_whitespace)) {
                return Err(format!("{key}: text right after the closing quote"));
            }
            (&quoted[..end], after)
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            let value = &after[..end];
            if value.contains('"') {
                return Err(format!("{key}: stray quote in {value:?}"));
            }
            (value, &after[end..])
        };
        if out.insert(key.to_string(), value.to_string()).is_some() {
            return Err(format!("{key} given twice"));
        }
        rest = after.trim_start();
    }
    Ok(out)
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

/// Takes a required field out of `map` and converts it.
fn take<T>(
    map: &mut BTreeMap<String, String>,
    key: &str,
    conv: impl FnOnce(&str) -> Option<T>,
    what: &str,
) -> Result<T, String> {
    let v = map.remove(key).ok_or_else(|| format!("missing {key}="))?;
    conv(&v).ok_or_else(|| format!("{key}={v:?} is not {what}"))
}

fn float(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
}

fn parse_env(rest: &str) -> Result<KernelEnv, String> {
    let mut m = fields(rest)?;
    let env = KernelEnv {
        cores: take(&mut m, "cores", |s| s.parse().ok(), "a core count")?,
        procs: take(&mut m, "procs", |s| s.parse().ok(), "a P count")?,
        accel: take(
            &mut m,
            "accel",
            |s| matches!(s, "tcg" | "kvm").then(|| s.to_string()),
            "tcg or kvm",
        )?,
        icount: take(
            &mut m,
            "icount",
            |s| match s {
                "on" => Some(true),
                "off" => Some(false),
                _ => None,
            },
            "on or off",
        )?,
        lockstep: match m.remove("lockstep") {
            None => 0,
            Some(s) => s
                .parse()
                .map_err(|_| format!("lockstep={s} is not a quantum in instructions"))?,
        },
        cpu: take(&mut m, "cpu", |s| Some(s.to_string()), "text")?,
        tsc_hz: take(&mut m, "tsc_hz", |s| s.parse().ok(), "a frequency in Hz")?,
        unit: take(
            &mut m,
            "unit",
            |s| Unit::parse(s).filter(|u| matches!(u, Unit::Insn | Unit::Ns)),
            "insn or ns",
        )?,
    };
    Ok(env)
}

fn parse_bench(rest: &str) -> Result<KernelBench, String> {
    let rest = rest.trim_start();
    let (name, fields_text) = rest.split_once(' ').unwrap_or((rest, ""));
    check_name(name)?;
    let mut m = fields(fields_text)?;
    let b = KernelBench {
        name: name.to_string(),
        unit: take(&mut m, "unit", Unit::parse, "insn, ns, bytes or count")?,
        reps: take(
            &mut m,
            "reps",
            |s| s.parse().ok().filter(|&r| r > 0),
            "a positive count",
        )?,
        median: take(&mut m, "median", float, "a number >= 0")?,
        p99: take(&mut m, "p99", float, "a number >= 0")?,
        min: take(&mut m, "min", float, "a number >= 0")?,
        desc: take(&mut m, "desc", |s| Some(s.to_string()), "text")?,
        extra: m,
    };
    if b.min > b.median || b.median > b.p99 {
        return Err(format!(
            "{}: expected min <= median <= p99, got {} / {} / {}",
            b.name, b.min, b.median, b.p99
        ));
    }
    Ok(b)
}

#[cfg(test)]
mod tests;
