//! Checks of a QEMU check's whole output beyond the lines it must contain:
//! counters of the per-P summary and the lines some workloads print.

/// The numbers of the per-P summary's `all` row: Gs run, spawned, steals
/// in, steals out, global takes, overflows, idle.
pub fn summary_totals(out: &str) -> Option<Vec<u64>> {
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with("all ") && !l.contains("Ms online"))?;
    Some(
        row.split_whitespace()
            .skip(1)
            .filter_map(|w| w.parse().ok())
            .collect(),
    )
}

fn totals(out: &str) -> Result<Vec<u64>, String> {
    summary_totals(out)
        .filter(|t| t.len() >= 7)
        .ok_or_else(|| "no per-P summary (the `all` row) in the output".to_string())
}

pub(super) fn overflowed(out: &str) -> Result<(), String> {
    let t = totals(out)?;
    match t[5] {
        0 => Err("bursts of 300 Gs into a 256-slot ring, yet no G overflowed to the global queue (the summary's overflows column is 0)".into()),
        _ => Ok(()),
    }
}

pub(super) fn stole(out: &str) -> Result<(), String> {
    let t = totals(out)?;
    match (t[2], t[3]) {
        (0, _) => Err("no P stole a G (the summary's steals-in column is 0)".into()),
        (i, o) if i != o => Err(format!("{i} Gs stolen in but {o} stolen out")),
        _ => Ok(()),
    }
}

/// The main G, the generator, 4 workers and the closer: at least 6 Gs (the closing can be done without a G of its own), or
/// the work was not spread over Gs.
pub(super) fn pipeline_gs(out: &str) -> Result<(), String> {
    let created = out
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Gs: "))
        .and_then(|rest| rest.split(' ').next()?.parse::<u64>().ok())
        .ok_or("no `Gs: N spawned ...` line in the summary")?;
    if created < 6 {
        return Err(format!(
            "only {created} Gs created: the main G, a generator and 4 workers are 6"
        ));
    }
    Ok(())
}

/// Two hogs on one P for 400 ms with 2 ms slices: sysmon must move the P
/// between them; 400 / 2 = 200 slices is the most there can be.
pub(super) fn handed_over_often(out: &str) -> Result<(), String> {
    let n = out
        .lines()
        .find_map(|l| l.split_once("handed it over "))
        .and_then(|(_, rest)| rest.split(' ').next()?.parse::<u64>().ok())
        .ok_or("no `handed it over N times` line")?;
    match n {
        0 => Err("the two hogs never handed the P over: no time slice ever ended".into()),
        n if n > 200 => Err(format!(
            "handed over {n} times in 400 ms: more than one per 2 ms slice"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_checks_read_the_summary() {
        let out = "  all       2405      2403         56         56         61       2193  2404\n  Ms parked 1 times in all (2 Ms)\n  Gs: 2403 spawned = 2403 exited + 0 live (0 running, 0 runnable, 0 waiting, 0 in blocking calls); 31 G structs allocated\n";
        assert_eq!(
            summary_totals(out),
            Some(vec![2405, 2403, 56, 56, 61, 2193, 2404])
        );
        assert_eq!(overflowed(out), Ok(()));
        assert_eq!(stole(out), Ok(()));
        assert_eq!(pipeline_gs(out), Ok(()));
        assert!(overflowed("  all 1 1 0 0 0 0 0\n").is_err());
        assert!(stole("  all 1 1 3 2 0 0 0\n").is_err());
        assert!(pipeline_gs("  Gs: 3 spawned = 2 exited + 1 live (1 running, 0 runnable, 0 waiting, 0 in blocking calls); 3 G structs allocated").is_err());
        assert!(pipeline_gs("  Ms parked 1 times in all (2 Ms, 2377 Gs created)").is_err());
        assert!(handed_over_often("handed it over 29 times in 400 ms").is_ok());
        assert!(handed_over_often("handed it over 0 times in 400 ms").is_err());
    }
}
