//! `tracking=on`: scheduling latency and per-G CPU time, end to end.
//!
//! Design note: the histogram arithmetic is host-tested in
//! `gmp_sched::timehist`; these boots check what only a real run shows:
//! that every G that ran gave a latency sample, that the summary's
//! percentiles are ordered and its causes add up, that the busiest Gs of
//! `hog` are its hogs, and that scheddetail's G lines carry `cputime=`.

mod common;

use common::{check, expect_line, line_with, run_ok, summary_totals};

/// `p50 X p90 Y p99 Z max W` of a summary line, in ns.
fn percentiles(line: &str) -> Vec<u64> {
    let words: Vec<&str> = line.split_whitespace().collect();
    ["p50", "p90", "p99", "max"]
        .iter()
        .map(|k| {
            let i = words.iter().position(|w| w == k).expect(k);
            ns(words[i + 1])
        })
        .collect()
}

/// `123ns`, `4.5us`, `6.78ms` in ns.
fn ns(w: &str) -> u64 {
    let (num, scale) = if let Some(n) = w.strip_suffix("ns") {
        (n, 1.0)
    } else if let Some(n) = w.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = w.strip_suffix("ms") {
        (n, 1e6)
    } else {
        panic!("not a duration: {w}")
    };
    (num.parse::<f64>().unwrap() * scale) as u64
}

/// The number before ` samples` on a line.
fn samples(line: &str) -> u64 {
    let before = &line[..line.find(" samples").expect("samples")];
    before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn every_run_g_gives_a_latency_sample_and_the_causes_add_up() {
    let o = run_ok("2", "producer-consumer", &["tracking=on"]);
    let total = line_with(&o, "sched latency (runnable -> running,")
        .unwrap_or_else(|| panic!("no latency line"))
        .to_string();
    let gs_run = summary_totals(&o)[0];
    let n = samples(&total);
    // `2408 samples; 3 starts without a wait)`
    let unstamped: u64 = total
        .split("; ")
        .nth(1)
        .and_then(|w| w.split(' ').next())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no `; N starts without a wait` in {total:?}"));
    // Each execute of a G that waited in a queue is one sample; the others
    // (a park aborted by its unlock function) are counted apart. The
    // summary is read from a stopped world, so this is exact (issue 22: a
    // summary read while Ms ran gave 2408 samples for 2407 Gs run).
    check(
        &o,
        n + unstamped == gs_run && n >= 2400,
        format!("{n} samples + {unstamped} starts without a wait for {gs_run} Gs run"),
    );
    let p = percentiles(&total);
    check(
        &o,
        p.windows(2).all(|w| w[0] <= w[1]) && p[0] > 0,
        format!("percentiles out of order: {p:?}"),
    );
    let mut by_cause = 0;
    for cause in ["spawned", "readied", "preempted", "yielded", "stolen"] {
        if let Some(l) = o
            .lines()
            .find(|l| l.trim_start().starts_with(cause) && l.contains(" samples: p50"))
        {
            by_cause += samples(l);
        }
    }
    check(
        &o,
        by_cause == n,
        format!("causes add to {by_cause}, not {n}"),
    );
    // producer-consumer's Gs are spawned: most samples are.
    expect_line(&o, &["spawned", "samples: p50"]);
    let top = line_with(&o, "top Gs by CPU time: ").expect("top Gs line");
    check(
        &o,
        top.matches(" (").count() == 5,
        "the top-Gs line lists five Gs",
    );
}

#[test]
fn the_hogs_are_the_busiest_gs_and_scheddetail_shows_cputime() {
    let o = run_ok(
        "2",
        "hog",
        &[
            "preempt=async",
            "tracking=on",
            "schedtrace=100",
            "scheddetail=on",
        ],
    );
    // `hog: preempt=async: CPU time: hogs 935 ms (96%), victims 29 ms (3%)`
    let share = line_with(&o, "hog: preempt=async: CPU time: hogs ").expect("CPU line");
    let pct: Vec<u64> = share
        .split('(')
        .skip(1)
        .map(|s| s[..s.find('%').unwrap()].parse().unwrap())
        .collect();
    check(
        &o,
        pct.len() == 2 && pct[0] > 50,
        format!("hog share {pct:?}"),
    );
    let hog_ms: u64 = share["hog: preempt=async: CPU time: hogs ".len()..]
        .split(' ')
        .next()
        .and_then(|w| w.parse().ok())
        .expect("hogs N ms");
    // The two hogs top the list. Not "500 ms each": a hog spins 500 ms of
    // nanotime, and after a preemption it may wait in a run queue behind
    // the other hog, so its CPU time is 500 ms less that wait (389 ms in
    // one CI run under load). What holds is the gap: a victim yields at
    // once and runs a few ms in all, a hog hundreds.
    let top = line_with(&o, "top Gs by CPU time: ").expect("top Gs line");
    // `top Gs by CPU time: G3 469.25ms (exited), G2 466.63ms (exited), ...`
    let list = &top[top.find(": ").unwrap() + 2..];
    let busiest: Vec<u64> = list
        .split(", ")
        .map(|g| ns(g.split_whitespace().nth(1).unwrap()))
        .collect();
    let first_two = &busiest[..2];
    check(
        &o,
        busiest.len() >= 3 && first_two.iter().all(|&n| n > 5 * busiest[2]),
        format!("the busiest two Gs ran {first_two:?} ns, the third {busiest:?}: not the hogs"),
    );
    // Each hog adds its own CPU time as its last act, and the summary
    // reads the hogs' from a stopped world after they exited: the same two
    // figures, up to the printing (the demo floors the sum to ms, the
    // summary truncates each G to 10 us) and the few microseconds between
    // a hog's last read and its exit.
    let summary_ms = first_two.iter().sum::<u64>() / 1_000_000;
    check(
        &o,
        summary_ms.abs_diff(hog_ms) <= 1,
        format!(
            "the demo says the hogs ran {hog_ms} ms, the summary's two busiest Gs {summary_ms} ms"
        ),
    );
    let g_line = o
        .lines()
        .find(|l| l.starts_with("  G") && l.contains(" lockedm=nil cputime="))
        .map(str::to_string);
    check(
        &o,
        g_line.as_ref().is_some_and(|l| l.ends_with("ns")),
        "scheddetail's G lines end in cputime=Nns with tracking=on",
    );
}
