//! Keys that take a name from a list (workload, preempt, sched, fault) and
//! the free-form benchmark list.

use super::{Fault, Preempt, SchedModel, WORKLOADS, bad_value, ok, refused, spec};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

#[test]
fn workload_accepts_every_table_name() {
    assert_eq!(ok("").workload, "producer-consumer");
    for (name, _) in WORKLOADS {
        assert_eq!(ok(&format!("workload={name}")).workload, *name);
    }
}

#[test]
fn workload_registry_is_well_formed() {
    // The list itself lives in one place (the kernel's registry.rs, which
    // `WORKLOADS` includes); here only its shape is checked.
    let names: Vec<&str> = WORKLOADS.iter().map(|(n, _)| *n).collect();
    for (i, n) in names.iter().enumerate() {
        assert!(!names[..i].contains(n), "workload {n} is listed twice");
        assert!(
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "workload name {n:?} is not kebab-case"
        );
    }
    for must in [
        "boot",
        "producer-consumer",
        "bounded-buffer",
        "torture",
        "bench",
    ] {
        assert!(names.contains(&must), "workload {must} is missing");
    }
    // Demos come first; every name after them is a self-test or an
    // experiment, and says so in --help.
    let first_test = names
        .iter()
        .position(|n| n.starts_with("test-"))
        .expect("some test- workloads");
    for (name, help) in &WORKLOADS[first_test..] {
        assert!(
            name.starts_with("test-")
                && (help.starts_with("test: ") || help.starts_with("experiment: ")),
            "{name}: {help}"
        );
    }
    for (name, help) in &WORKLOADS[..first_test] {
        assert!(
            !help.starts_with("test: ") && !help.is_empty(),
            "{name}: {help}"
        );
    }
}

#[test]
fn workload_refusal_lists_every_name() {
    let (_, msg) = refused("workload=Fib");
    bad_value(
        "workload=Fib",
        "workload",
        "Fib",
        &["expected one of boot, "],
    );
    for (name, _) in WORKLOADS {
        assert!(msg.contains(name), "{msg} lacks {name}");
    }
    bad_value("workload=fib2", "workload", "fib2", &["sieve"]);
}

#[test]
fn preempt_accepts_its_three_modes() {
    assert_eq!(ok("").preempt, Preempt::Async);
    assert_eq!(ok("preempt=async").preempt, Preempt::Async);
    assert_eq!(ok("preempt=coop").preempt, Preempt::Coop);
    assert_eq!(ok("preempt=off").preempt, Preempt::Off);
}

#[test]
fn preempt_error_reads_as_documented() {
    let (_, msg) = refused("preempt=fast");
    assert_eq!(
        msg,
        "bad value \"fast\" for boot option \"preempt\": expected one of async, coop, off"
    );
    // `off` is a preempt mode, but the boolean spellings are not.
    bad_value("preempt=0", "preempt", "0", &["one of async, coop, off"]);
}

#[test]
fn preempt_names_round_trip() {
    for m in Preempt::ALL {
        assert_eq!(Preempt::from_name(m.as_str()), Some(m));
        assert_eq!(format!("{m}"), m.as_str());
    }
    assert_eq!(Preempt::from_name("ASYNC"), None);
}

#[test]
fn sched_accepts_gmp_and_gm() {
    assert_eq!(ok("").sched, SchedModel::Gmp);
    assert_eq!(ok("sched=gmp").sched, SchedModel::Gmp);
    assert_eq!(ok("sched=gm").sched, SchedModel::Gm);
    bad_value("sched=g", "sched", "g", &["one of gmp, gm"]);
    bad_value("sched=GMP", "sched", "GMP", &["one of gmp, gm"]);
    for m in SchedModel::ALL {
        assert_eq!(SchedModel::from_name(m.as_str()), Some(m));
        assert_eq!(format!("{m}"), m.as_str());
    }
}

#[test]
fn fault_accepts_every_table_name() {
    assert_eq!(ok("").fault, Fault::None);
    assert_eq!(ok("fault=panic-ap").fault, Fault::PanicAp);
    for f in Fault::ALL {
        assert_eq!(ok(&format!("fault={f}")).fault, f);
        assert_eq!(Fault::from_name(f.as_str()), Some(f));
    }
    bad_value("fault=oops", "fault", "oops", &["one of none, panic-ap"]);
}

#[test]
fn choice_descriptions_reach_help() {
    assert_eq!(spec("workload").unwrap().choices(), WORKLOADS);
    assert_eq!(spec("fault").unwrap().choices(), &Fault::CHOICES[..]);
    assert_eq!(spec("preempt").unwrap().choices(), &Preempt::CHOICES[..]);
    assert_eq!(spec("sched").unwrap().choices(), &SchedModel::CHOICES[..]);
    assert!(spec("procs").unwrap().choices().is_empty());
    assert_eq!(
        Preempt::CHOICES[1],
        (Preempt::Coop.as_str(), Preempt::Coop.describe())
    );
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| String::from(*s)).collect()
}

#[test]
fn bench_takes_all_or_a_list() {
    assert!(ok("").bench.is_empty());
    assert!(ok("bench=all").bench.is_empty());
    assert_eq!(ok("bench=spawn").bench, strings(&["spawn"]));
    assert_eq!(
        ok("bench=spawn,yield,chan-ping_2.v1").bench,
        strings(&["spawn", "yield", "chan-ping_2.v1"])
    );
    // Names are free-form here (the kernel checks them), repeats included.
    assert_eq!(ok("bench=x,x").bench, strings(&["x", "x"]));
}

#[test]
fn bench_refuses_empty_items_all_in_a_list_and_odd_characters() {
    let allowed = &["all or a comma-separated list of benchmark names"];
    for v in [
        "a,,b",
        ",a",
        "a,",
        ",",
        "all,spawn",
        "spawn,all",
        "sp=awn",
        "ß",
        "a;b",
        "a/b",
    ] {
        bad_value(&format!("bench={v}"), "bench", v, allowed);
    }
}
