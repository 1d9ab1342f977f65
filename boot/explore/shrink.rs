//! `explore --shrink`: a failing case made smaller while it still fails.
//!
//! Design note: the candidates go from the most reducing to the least —
//! half the cores, one core fewer, half the duration, no chaos, half as
//! many chaos points, then each torture operation left out in turn
//! (`mix=`) — and the
//! search is greedy: the first candidate that still fails becomes the case,
//! and the list starts again from it. Every case runs once at most, so the
//! search ends; what it prints is a local minimum, not the smallest case
//! there is.

use std::time::Duration;

use gmp_sched::options::{Mix, Op};

use super::{Case, Found, try_case};

/// `--mix`: the kernel's own parser of `mix=`.
pub(super) fn parse_mix(s: &str) -> Result<Mix, String> {
    Mix::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Op::ALL.iter().map(|op| op.name()).collect();
        format!(
            "expected all or a comma-separated list of: {}",
            names.join(", ")
        )
    })
}

/// The smaller cases to try after `c` failed, most reducing first.
pub fn shrink_candidates(c: &Case) -> Vec<Case> {
    let mut v = Vec::new();
    if let Ok(n) = c.smp.parse::<u32>() {
        // Half the cores, then one fewer (each at least 2: one core has
        // no other core to race with).
        let mut fewer = vec![n / 2, n.saturating_sub(1)];
        fewer.dedup();
        for k in fewer.into_iter().filter(|&k| k >= 2 && k < n) {
            v.push(Case {
                smp: k.to_string(),
                ..c.clone()
            });
        }
    }
    if c.duration > 1 {
        v.push(Case {
            duration: c.duration / 2,
            ..c.clone()
        });
    }
    if c.chaos > 0 {
        // No chaos at all first: a failure that needs none says so at once.
        v.push(Case {
            chaos: 0,
            ..c.clone()
        });
        if c.chaos < 1_000_000 / 2 {
            v.push(Case {
                chaos: c.chaos * 2,
                ..c.clone()
            });
        }
    }
    // One torture operation fewer, each in turn (at least one stays).
    if c.workload == "torture" {
        for op in Op::ALL.into_iter().filter(|&op| c.mix.has(op)) {
            let mix = c.mix.without(op);
            if !mix.is_empty() {
                v.push(Case { mix, ..c.clone() });
            }
        }
    }
    v.dedup();
    v
}

/// Shrink `found` greedily: take the first candidate that still fails,
/// and start again from it, until none does. A case is run once at most.
pub fn shrink(found: Found, timeout: Duration, say: impl Fn(&str)) -> Result<Found, String> {
    let mut best = found;
    let mut tried = std::collections::HashSet::new();
    'outer: loop {
        for c in shrink_candidates(&best.case) {
            if !tried.insert(c.clone()) {
                continue;
            }
            say(&format!(
                "explore: shrink: trying --smp {} duration={} chaos={} mix={}",
                c.smp, c.duration, c.chaos, c.mix
            ));
            if let (Some(f), _) = try_case(&c, timeout)? {
                say(&format!("explore: shrink: still fails: {}", f.fingerprint));
                best = f;
                continue 'outer;
            }
        }
        return Ok(best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::tests::case;

    #[test]
    fn shrinking_tries_fewer_cores_shorter_runs_rarer_points_and_fewer_operations() {
        let got: Vec<(String, u32, u32, String)> = shrink_candidates(&case())
            .into_iter()
            .map(|c| (c.smp, c.duration, c.chaos, c.mix.to_string()))
            .collect();
        assert_eq!(
            got[..5],
            [
                ("2".to_string(), 2, 20, "all".to_string()),
                ("3".to_string(), 2, 20, "all".to_string()),
                ("4".to_string(), 1, 20, "all".to_string()),
                ("4".to_string(), 2, 0, "all".to_string()),
                ("4".to_string(), 2, 40, "all".to_string())
            ]
        );
        // Then every operation left out in turn, in `mix=`'s order.
        assert_eq!(got.len(), 5 + Op::ALL.len());
        for (c, op) in got[5..].iter().zip(Op::ALL) {
            assert_eq!(c.3, Mix::ALL.without(op).to_string());
        }
        // The smallest case has nothing left to try.
        let small = Case {
            smp: "2".into(),
            duration: 1,
            chaos: 0,
            mix: Mix::parse("send").unwrap(),
            ..case()
        };
        assert!(shrink_candidates(&small).is_empty());
        // A topology is left alone; a workload other than torture keeps
        // its mix (it has none).
        let topo = Case {
            smp: "6,sockets=2,cores=3".into(),
            workload: "producer-consumer".into(),
            duration: 1,
            chaos: 0,
            ..case()
        };
        assert!(shrink_candidates(&topo).is_empty());
    }

    #[test]
    fn a_mix_short_of_all_is_in_the_replay() {
        let c = Case {
            mix: Mix::parse("lock,send").unwrap(),
            ..case()
        };
        assert!(
            c.replay_command()
                .ends_with(" mix=send,lock fault=getg-race"),
            "{}",
            c.replay_command()
        );
        assert!(!case().replay_command().contains("mix="));
        assert!(parse_mix("fly").unwrap_err().contains("spawn, yield"));
    }
}
