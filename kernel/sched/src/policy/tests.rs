use super::*;
use crate::options::parse;
use alloc::string::ToString;
use alloc::vec::Vec;

#[test]
fn go_comes_first_and_is_the_option_default() {
    assert_eq!(POLICIES[0].name, "go");
    assert_eq!(parse("").unwrap().policy, "go");
    assert_eq!(parse("").unwrap().effective_policy(), go::policy());
}

#[test]
fn go_policy_has_gos_constants() {
    let p = go::policy();
    assert_eq!(p.ready, Ready::Runnext);
    assert!(p.runnext_inherits);
    assert_eq!(p.runnext_cap, 0);
    assert_eq!(p.runq_size, RUNQ_SIZE);
    assert_eq!(
        u64::from(p.global_interval),
        crate::findrunnable::GLOBAL_FAIRNESS_TICKS
    );
    assert_eq!(p.steal_amount, StealAmount::Half);
    assert_eq!(p.steal_runnext, StealRunnext::LastPass);
    assert_eq!(p.spin_cap, SpinCap::Half);
    assert_eq!(p.timeslice_ns, 10_000_000);
    assert_eq!(p.wake, Wake::OneSpinner);
}

#[test]
fn every_policy_is_sound_named_once_and_differs_from_go() {
    let mut names: Vec<&str> = POLICIES.iter().map(|r| r.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), POLICIES.len(), "a policy name is listed twice");
    assert!(POLICIES.len() >= 6, "Go's policy and at least five others");
    for r in POLICIES {
        (r.policy)()
            .check()
            .unwrap_or_else(|e| panic!("{}: {e}", r.name));
        assert!(
            r.rationale.len() > 150,
            "{}: rationale is a paragraph",
            r.name
        );
        assert!(!r.help.is_empty());
        if r.name != "go" {
            assert_ne!((r.policy)(), go::policy(), "{} is Go's policy", r.name);
        }
        assert_eq!(
            parse(&alloc::format!("policy={}", r.name)).unwrap().policy,
            r.name
        );
    }
}

#[test]
fn no_two_policies_are_the_same() {
    for (i, a) in POLICIES.iter().enumerate() {
        for b in &POLICIES[i + 1..] {
            assert_ne!(
                (a.policy)(),
                (b.policy)(),
                "{} and {} decide alike",
                a.name,
                b.name
            );
        }
    }
}

#[test]
fn an_unknown_policy_is_refused_with_the_list() {
    let e = parse("policy=cfs").unwrap_err().to_string();
    assert!(e.contains("policy"), "{e}");
    assert!(e.contains("tokio") && e.contains("go"), "{e}");
}

#[test]
fn the_historical_switches_apply_on_top_of_the_policy() {
    let o =
        parse("policy=tokio runnext=off fairness61=off steal=off spinning=off forcepreempt=2ms")
            .unwrap();
    let p = o.effective_policy();
    assert_eq!(p.ready, Ready::Tail);
    assert_eq!(p.global_interval, 0);
    assert!(!p.steal);
    assert_eq!(p.spin_cap, SpinCap::All);
    assert_eq!(p.timeslice_ns, 2_000_000);
    // What the switches do not touch stays the policy's.
    assert_eq!(p.runnext_cap, 3);
    assert_eq!(p.steal_runnext, StealRunnext::Never);
    // A policy's own slice survives the default forcepreempt.
    assert_eq!(
        parse("policy=slice-1ms")
            .unwrap()
            .effective_policy()
            .timeslice_ns,
        1_000_000
    );
}

#[test]
fn runnext_cap_sends_the_fourth_readied_g_to_the_tail() {
    let t = tokio::policy();
    assert!(t.ready_to_runnext(0));
    assert!(t.ready_to_runnext(2));
    assert!(!t.ready_to_runnext(3));
    assert!(go::policy().ready_to_runnext(1_000_000));
    assert!(!fifo::policy().ready_to_runnext(0));
}

#[test]
fn steal_passes_and_amounts() {
    let go = go::policy();
    let passes = |p: &Policy| {
        (0..4)
            .filter(|&i| p.steal_runnext_on(i, 4))
            .collect::<Vec<_>>()
    };
    assert_eq!(passes(&go), [3]);
    assert!(passes(&tokio::policy()).is_empty());
    assert_eq!(passes(&tokio_stealable::policy()), [0, 1, 2, 3]);
    assert_eq!(go.steal_max(), u32::MAX);
    assert_eq!(steal_one::policy().steal_max(), 1);
}

#[test]
fn spinning_caps() {
    // 8 Ps, 2 idle: 6 busy, Go allows up to 3 spinners.
    let (procs, idle) = (8, 2);
    let allowed = |p: &Policy| {
        (0..8)
            .filter(|&n| p.may_start_spinning(n, procs, idle))
            .count()
    };
    assert_eq!(allowed(&go::policy()), 3);
    assert_eq!(allowed(&spin_one::policy()), 1);
    assert_eq!(allowed(&spin_all::policy()), 8);
}

#[test]
fn global_interval() {
    let go = go::policy();
    assert!(go.global_first(61) && go.global_first(0) && !go.global_first(60));
    assert!(tokio::policy().global_first(31));
    let never = Policy {
        global_interval: 0,
        ..go
    };
    assert!(!(0..200).any(|t| never.global_first(t)));
}

#[test]
fn check_refuses_unsound_values() {
    let go = go::policy();
    assert!(Policy { runq_size: 1, ..go }.check().is_err());
    assert!(
        Policy {
            runq_size: 257,
            ..go
        }
        .check()
        .is_err()
    );
    assert!(
        Policy {
            timeslice_ns: 10,
            ..go
        }
        .check()
        .is_err()
    );
}

/// `lab policy`'s host check: the lab's policy is sound and is not Go's.
#[test]
fn yours_is_a_sound_policy_other_than_gos() {
    let p = yours::policy();
    p.check().unwrap_or_else(|e| panic!("yours: {e}"));
    assert_ne!(p, go::policy(), "yours decides exactly as Go does");
}
