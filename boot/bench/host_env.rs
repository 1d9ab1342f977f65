//! The host as the bench header describes it: date, CPU model, cores.
//!
//! Design note: no date crate for one line: the UTC calendar date comes
//! from the Unix time by the days-to-civil conversion (proleptic
//! Gregorian), which is tested against known dates.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// The machine the bench ran on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostEnv {
    /// `YYYY-MM-DD HH:MM UTC`.
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub os: String,
}

impl HostEnv {
    pub fn detect() -> HostEnv {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        HostEnv {
            date: utc_date(secs),
            cpu: cpu_model(&std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default())
                .unwrap_or_else(|| std::env::consts::ARCH.to_string()),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: crate::bench::compare::linux::kernel_release(),
        }
    }
}

/// `model name` of the first CPU in /proc/cpuinfo text.
pub fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == "model name").then(|| v.trim().to_string())
    })
}

/// `YYYY-MM-DD HH:MM UTC` for a Unix time.
pub fn utc_date(unix_secs: u64) -> String {
    let days = (unix_secs / 86_400) as i64;
    let rem = unix_secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_gregorian_utc() {
        assert_eq!(utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc_date(1_709_210_096), "2024-02-29 12:34 UTC");
        assert_eq!(utc_date(4_102_444_799), "2099-12-31 23:59 UTC");
    }

    #[test]
    fn the_cpu_model_comes_from_cpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n";
        assert_eq!(cpu_model(text).as_deref(), Some("AMD EPYC"));
        assert_eq!(cpu_model("processor : 0\n"), None);
    }
}
