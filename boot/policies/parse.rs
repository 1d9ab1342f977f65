//! The `POLICY-RESULT` line a tournament workload prints at its end.
//!
//! Design note: one line, `key=value` words after the tag, so the parser
//! is a lookup per key; every key is required (a missing one names
//! itself), integers are instructions under `--icount`, and `jain` is a
//! decimal or `-` when the workload has no group of equal Gs. Extra keys
//! are ignored, so the kernel may add figures without breaking the runner.

use serde::Serialize;

/// The tag that opens the line.
pub const TAG: &str = "POLICY-RESULT";

/// One workload's figures under one policy, as the kernel printed them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub workload: String,
    pub cores: u32,
    /// Units of work done (items, Gs, requests...), at least 1.
    pub units: u64,
    /// Wall time of the work on the cores' clocks, instructions.
    pub elapsed: u64,
    /// Cores × elapsed, instructions.
    pub core_time: u64,
    /// How many latencies the percentiles are drawn from.
    pub lat_n: u64,
    pub lat_p50: u64,
    pub lat_p99: u64,
    pub lat_p999: u64,
    /// 99th percentile from a wake-up to the G running, instructions.
    pub wake_p99: u64,
    /// Jain's fairness index over a group of equal Gs, or none.
    pub jain: Option<f64>,
    /// Instructions spent spinning without finding work.
    pub spin_wasted: u64,
    /// Steal attempts that found nothing.
    pub steal_miss: u64,
    pub steals: u64,
    pub migrations: u64,
    /// Idle Ms woken.
    pub wakeups: u64,
}

/// The first `POLICY-RESULT` line of `serial`, parsed; `Ok(None)` if there
/// is none.
pub fn find(serial: &str) -> Result<Option<Figures>, String> {
    serial
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix(TAG)
                .filter(|r| r.is_empty() || r.starts_with(' '))
        })
        .map(line)
        .transpose()
}

/// The words after the tag, parsed.
pub fn line(rest: &str) -> Result<Figures, String> {
    let word = |key: &str| -> Result<&str, String> {
        rest.split_whitespace()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
            .ok_or_else(|| format!("the {TAG} line has no {key}="))
    };
    let int = |key: &str| -> Result<u64, String> {
        let v = word(key)?;
        v.parse()
            .map_err(|_| format!("{TAG} {key}={v} is not a whole number"))
    };
    let jain = match word("jain")? {
        "-" => None,
        v => Some(
            v.parse::<f64>()
                .ok()
                .filter(|j| j.is_finite() && *j >= 0.0)
                .ok_or_else(|| format!("{TAG} jain={v} is neither a decimal nor -"))?,
        ),
    };
    let cores = int("cores")?;
    Ok(Figures {
        workload: word("workload")?.to_string(),
        cores: u32::try_from(cores).map_err(|_| format!("{TAG} cores={cores} is too large"))?,
        units: int("units")?.max(1),
        elapsed: int("elapsed")?,
        core_time: int("core_time")?,
        lat_n: int("lat_n")?,
        lat_p50: int("lat_p50")?,
        lat_p99: int("lat_p99")?,
        lat_p999: int("lat_p999")?,
        wake_p99: int("wake_p99")?,
        jain,
        spin_wasted: int("spin_wasted")?,
        steal_miss: int("steal_miss")?,
        steals: int("steals")?,
        migrations: int("migrations")?,
        wakeups: int("wakeups")?,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A canned line as the kernel prints it.
    pub fn canned(workload: &str, core_time: u64, p99: u64, jain: &str) -> String {
        format!(
            "{TAG} workload={workload} cores=4 units=1000 elapsed={} core_time={core_time} \
             lat_n=1000 lat_p50=500 lat_p99={p99} lat_p999={} wake_p99=3000 jain={jain} \
             spin_wasted=20000 steal_miss=7 steals=40 migrations=12 wakeups=90",
            core_time / 4,
            p99 * 2
        )
    }

    #[test]
    fn a_good_line_is_read_among_other_serial_output() {
        let serial = format!(
            "boot...\nPOLICY-RESULTS are below\n{}\nall done\n",
            canned("tour-pc", 400_000, 9000, "0.9876")
        );
        let f = find(&serial).unwrap().unwrap();
        assert_eq!(f.workload, "tour-pc");
        assert_eq!((f.cores, f.units, f.elapsed), (4, 1000, 100_000));
        assert_eq!(
            (f.core_time, f.lat_p99, f.lat_p999),
            (400_000, 9000, 18_000)
        );
        assert_eq!(f.jain, Some(0.9876));
        assert_eq!(
            (
                f.spin_wasted,
                f.steal_miss,
                f.steals,
                f.migrations,
                f.wakeups
            ),
            (20_000, 7, 40, 12, 90)
        );
    }

    #[test]
    fn jain_dash_is_no_fairness_figure() {
        let f = find(&canned("tour-fib", 1, 1, "-")).unwrap().unwrap();
        assert_eq!(f.jain, None);
        let e = find(&canned("tour-fib", 1, 1, "x")).unwrap_err();
        assert!(e.contains("jain=x"), "{e}");
    }

    #[test]
    fn a_missing_field_names_itself() {
        let l = canned("tour-pc", 1, 1, "1.0").replace(" steal_miss=7", "");
        let e = find(&l).unwrap_err();
        assert_eq!(e, "the POLICY-RESULT line has no steal_miss=");
        let e = find(&l.replace("units=1000", "units=many")).unwrap_err();
        assert!(e.contains("units=many"), "{e}");
    }

    #[test]
    fn no_line_is_none() {
        assert_eq!(find("boot\npanic\n").unwrap(), None);
        // A key that only starts like another is not it.
        let l = canned("tour-pc", 1, 1, "-").replace("lat_p99=1 ", "lat_p99x=1 ");
        assert!(find(&l).unwrap_err().contains("lat_p99="));
    }
}
