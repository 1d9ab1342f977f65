//! Integer, size and duration keys: accepted spellings, both ends of each
//! range accepted, one step past each end refused, malformed numbers refused.

use super::{bad_value, ok};

const PROCS: &[&str] = &["an integer from 1 to 1024", ", or auto"];

#[test]
fn procs_accepts_1_to_1024_and_auto() {
    assert_eq!(ok("").procs, None);
    assert_eq!(ok("procs=auto").procs, None);
    assert_eq!(ok("procs=1").procs, Some(1));
    assert_eq!(ok("procs=4").procs, Some(4));
    assert_eq!(ok("procs=1024").procs, Some(1024));
    assert_eq!(ok("procs=007").procs, Some(7));
}

#[test]
fn procs_refuses_out_of_range_and_malformed() {
    bad_value("procs=0", "procs", "0", PROCS);
    bad_value("procs=1025", "procs", "1025", PROCS);
    for v in [
        "-1",
        "+4",
        "4.0",
        "0x4",
        "4_0",
        "four",
        "Auto",
        "99999999999999999999999999",
        "٤",
    ] {
        bad_value(&alloc::format!("procs={v}"), "procs", v, PROCS);
    }
}

#[test]
fn procs_error_reads_as_documented() {
    let (_, msg) = super::refused("procs=0");
    assert_eq!(
        msg,
        "bad value \"0\" for boot option \"procs\": expected an integer from 1 to 1024, or auto"
    );
}

#[test]
fn seed_accepts_the_whole_u64_range_and_auto() {
    assert_eq!(ok("").seed, None);
    assert_eq!(ok("seed=auto").seed, None);
    assert_eq!(ok("seed=0").seed, Some(0));
    assert_eq!(ok("seed=42").seed, Some(42));
    assert_eq!(
        ok("seed=18446744073709551615").seed,
        Some(18_446_744_073_709_551_615)
    );
}

#[test]
fn seed_refuses_past_u64_max_and_negatives() {
    let allowed = &["an integer from 0 to 18446744073709551615, or auto"];
    bad_value(
        "seed=18446744073709551616",
        "seed",
        "18446744073709551616",
        allowed,
    );
    bad_value("seed=-1", "seed", "-1", allowed);
    bad_value("seed=tsc", "seed", "tsc", allowed);
}

const STACK: &[&str] = &["a multiple of 4K from 8K to 1M", "K, KiB, M or MiB"];

#[test]
fn stack_accepts_bytes_k_kib_m_mib() {
    assert_eq!(ok("").stack_size, 16 << 10);
    for v in ["16384", "16K", "16KiB"] {
        assert_eq!(ok(&alloc::format!("stack={v}")).stack_size, 16384, "{v}");
    }
    for v in ["1048576", "1024K", "1M", "1MiB"] {
        assert_eq!(ok(&alloc::format!("stack={v}")).stack_size, 1 << 20, "{v}");
    }
    assert_eq!(ok("stack=12K").stack_size, 12 << 10);
}

#[test]
fn stack_accepts_both_ends() {
    assert_eq!(ok("stack=8K").stack_size, 8192);
    assert_eq!(ok("stack=8192").stack_size, 8192);
    assert_eq!(ok("stack=1M").stack_size, 1 << 20);
}

#[test]
fn stack_refuses_one_page_past_each_end() {
    bad_value("stack=4K", "stack", "4K", STACK);
    bad_value("stack=1028K", "stack", "1028K", STACK);
    bad_value("stack=8191", "stack", "8191", STACK);
    bad_value("stack=1048577", "stack", "1048577", STACK);
    bad_value("stack=0", "stack", "0", STACK);
}

#[test]
fn stack_refuses_sizes_that_are_not_whole_pages() {
    bad_value("stack=10K", "stack", "10K", STACK);
    bad_value("stack=16383", "stack", "16383", STACK);
}

#[test]
fn stack_refuses_unknown_suffixes() {
    for v in [
        "16k",
        "16KB",
        "1G",
        "K",
        "M",
        "16Ki",
        "0x4000",
        "-16K",
        "18446744073709551615K",
    ] {
        bad_value(&alloc::format!("stack={v}"), "stack", v, STACK);
    }
}

const TICK: &[&str] = &["a duration from 50us to 100ms", "ns, us, ms or s"];

#[test]
fn tick_accepts_every_unit() {
    assert_eq!(ok("").tick_ns, 1_000_000);
    assert_eq!(ok("tick=250us").tick_ns, 250_000);
    assert_eq!(ok("tick=10ms").tick_ns, 10_000_000);
    assert_eq!(ok("tick=2000000ns").tick_ns, 2_000_000);
}

#[test]
fn tick_accepts_both_ends_in_any_unit() {
    assert_eq!(ok("tick=50us").tick_ns, 50_000);
    assert_eq!(ok("tick=50000ns").tick_ns, 50_000);
    assert_eq!(ok("tick=100ms").tick_ns, 100_000_000);
    assert_eq!(ok("tick=100000000ns").tick_ns, 100_000_000);
}

#[test]
fn tick_refuses_one_past_each_end() {
    bad_value("tick=49999ns", "tick", "49999ns", TICK);
    bad_value("tick=49us", "tick", "49us", TICK);
    bad_value("tick=100000001ns", "tick", "100000001ns", TICK);
    bad_value("tick=101ms", "tick", "101ms", TICK);
    bad_value("tick=1s", "tick", "1s", TICK);
    bad_value("tick=0s", "tick", "0s", TICK);
}

#[test]
fn durations_need_a_known_unit_and_whole_numbers() {
    for v in [
        "1",
        "ms",
        "1.5ms",
        "1m",
        "1MS",
        "1µs",
        "1h",
        "-1ms",
        "+1ms",
        "1ms1",
        "18446744073709551615s",
        "99999999999999999999999ns",
    ] {
        bad_value(&alloc::format!("tick={v}"), "tick", v, TICK);
    }
}

const FORCEPREEMPT: &[&str] = &["a duration from 100us to 10s"];

#[test]
fn forcepreempt_accepts_both_ends() {
    assert_eq!(ok("").forcepreempt_ns, 10_000_000);
    assert_eq!(ok("forcepreempt=100us").forcepreempt_ns, 100_000);
    assert_eq!(ok("forcepreempt=20ms").forcepreempt_ns, 20_000_000);
    assert_eq!(ok("forcepreempt=10s").forcepreempt_ns, 10_000_000_000);
    assert_eq!(
        ok("forcepreempt=10000000000ns").forcepreempt_ns,
        10_000_000_000
    );
}

#[test]
fn forcepreempt_refuses_one_past_each_end() {
    bad_value("forcepreempt=99us", "forcepreempt", "99us", FORCEPREEMPT);
    bad_value(
        "forcepreempt=99999ns",
        "forcepreempt",
        "99999ns",
        FORCEPREEMPT,
    );
    bad_value(
        "forcepreempt=10001ms",
        "forcepreempt",
        "10001ms",
        FORCEPREEMPT,
    );
    bad_value(
        "forcepreempt=10000000001ns",
        "forcepreempt",
        "10000000001ns",
        FORCEPREEMPT,
    );
    bad_value("forcepreempt=11s", "forcepreempt", "11s", FORCEPREEMPT);
}

#[test]
fn schedtrace_accepts_0_to_u32_max() {
    assert_eq!(ok("").schedtrace_ms, 0);
    assert_eq!(ok("schedtrace=0").schedtrace_ms, 0);
    assert_eq!(ok("schedtrace=1000").schedtrace_ms, 1000);
    assert_eq!(ok("schedtrace=4294967295").schedtrace_ms, u32::MAX);
}

#[test]
fn schedtrace_refuses_past_u32_max_and_units() {
    let allowed = &["an integer from 0 to 4294967295"];
    bad_value("schedtrace=4294967296", "schedtrace", "4294967296", allowed);
    bad_value("schedtrace=1s", "schedtrace", "1s", allowed);
    bad_value("schedtrace=-1", "schedtrace", "-1", allowed);
    // Plain integer keys have no `auto`.
    bad_value("schedtrace=auto", "schedtrace", "auto", allowed);
    let (_, msg) = super::refused("schedtrace=auto");
    assert!(!msg.contains("or auto"), "{msg}");
}

#[test]
fn duration_accepts_1_to_86400() {
    assert_eq!(ok("").duration_secs, 10);
    assert_eq!(ok("duration=1").duration_secs, 1);
    assert_eq!(ok("duration=86400").duration_secs, 86_400);
}

#[test]
fn duration_refuses_one_past_each_end() {
    let allowed = &["an integer from 1 to 86400"];
    bad_value("duration=0", "duration", "0", allowed);
    bad_value("duration=86401", "duration", "86401", allowed);
    bad_value("duration=10s", "duration", "10s", allowed);
}

#[test]
fn parked_accepts_1_to_100_million() {
    assert_eq!(ok("").parked_gs, 100_000);
    assert_eq!(ok("parked=1").parked_gs, 1);
    assert_eq!(ok("parked=1000000").parked_gs, 1_000_000);
    assert_eq!(ok("parked=100000000").parked_gs, 100_000_000);
    let allowed = &["an integer from 1 to 100000000"];
    bad_value("parked=0", "parked", "0", allowed);
    bad_value("parked=100000001", "parked", "100000001", allowed);
}
