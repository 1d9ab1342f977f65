//! The `KEYS` table against the struct, the formatter and itself: every row
//! is parsed, printed and documented, every struct field has a row, and the
//! defaults written twice (table text, `Default`) agree.

use super::{BootOptions, KEYS, ok, spec};
use crate::options::field::{Field, IntAt};
use crate::options::value::{Duration, List, Size};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

const DEFAULT_LINE: &str = "procs=auto seed=auto stack=16K workload=producer-consumer \
     preempt=async tick=1ms forcepreempt=10ms sched=gmp policy=go runnext=on fairness61=on steal=on \
     spinning=on schedtrace=0 scheddetail=off trace=off flight=256 tracking=off metrics=off icount=off lockstep=0 duration=10 chaos=0 \
     stopat=18446744073709551615 mix=all fault=none \
     bench=all parked=100000";

#[test]
fn display_of_defaults_is_the_documented_line() {
    assert_eq!(BootOptions::default().to_string(), DEFAULT_LINE);
}

#[test]
fn default_matches_the_table_default_column() {
    let d = BootOptions::default();
    for k in KEYS {
        let token = format!("{}={}", k.name, k.default);
        assert_eq!(ok(&token), d, "{token} is not what Default says");
    }
    let all: Vec<String> = KEYS
        .iter()
        .map(|k| format!("{}={}", k.name, k.default))
        .collect();
    assert_eq!(ok(&all.join(" ")), d);
}

#[test]
fn the_default_column_is_canonical() {
    // So `--help` shows exactly what the kernel prints.
    let line = BootOptions::default().to_string();
    let tokens: Vec<&str> = line.split(' ').collect();
    for (k, token) in KEYS.iter().zip(tokens) {
        assert_eq!(token, format!("{}={}", k.name, k.default));
    }
}

#[test]
fn formatter_prints_every_row_once_in_table_order() {
    let line = BootOptions::default().to_string();
    let names: Vec<&str> = line
        .split(' ')
        .map(|t| t.split_once('=').unwrap().0)
        .collect();
    let rows: Vec<&str> = KEYS.iter().map(|k| k.name).collect();
    assert_eq!(names, rows);
}

/// The tokens of `o`'s full display.
fn tokens(o: &BootOptions) -> Vec<String> {
    o.to_string().split(' ').map(String::from).collect()
}

#[test]
fn every_row_example_sets_its_own_field_and_only_that() {
    let d = BootOptions::default();
    let default_tokens = tokens(&d);
    for (i, k) in KEYS.iter().enumerate() {
        let o = ok(&format!("{}={}", k.name, k.example));
        assert_ne!(o, d, "{}'s example is its default", k.name);
        for (j, other) in KEYS.iter().enumerate() {
            assert_eq!(
                other.field.same(&o, &d),
                i != j,
                "{}={} and row {}",
                k.name,
                k.example,
                other.name
            );
        }
        // The formatter shows the change in this row's token and nowhere else.
        let changed: Vec<usize> = tokens(&o)
            .iter()
            .zip(&default_tokens)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(changed, [i], "{}={}", k.name, k.example);
        assert_eq!(o.to_boot_string(), format!("{}={}", k.name, k.example));
    }
}

#[test]
fn every_struct_field_has_a_row() {
    // `{:#?}` puts each field of the struct on its own line, indented by
    // four spaces; a field added without a KEYS row shows up here.
    let debug = format!("{:#?}", BootOptions::default());
    let fields = debug
        .lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .count();
    assert_eq!(fields, KEYS.len(), "{debug}");
}

#[test]
fn table_is_well_formed() {
    for (i, k) in KEYS.iter().enumerate() {
        assert!(
            !k.name.is_empty()
                && k.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
            "{:?}",
            k.name
        );
        assert!(
            KEYS[..i].iter().all(|o| o.name != k.name),
            "{} twice",
            k.name
        );
        assert!(!k.help.is_empty() && !k.help.contains('\n'), "{}", k.name);
        assert_eq!(spec(k.name).map(|s| s.name), Some(k.name));
        match k.field {
            Field::Int { min, max, at } => {
                assert!(min <= max, "{}", k.name);
                if matches!(at, IntAt::U32(_) | IntAt::OptU32(_)) {
                    assert!(max <= u64::from(u32::MAX), "{} overflows u32", k.name);
                }
            }
            Field::Duration { min, max, .. } => assert!(min <= max, "{}", k.name),
            Field::Size {
                min, max, align, ..
            } => {
                assert!(align > 0 && min <= max, "{}", k.name);
                assert!(min.is_multiple_of(align) && max.is_multiple_of(align));
            }
            Field::Choice { choices, .. } => {
                assert!(!choices.is_empty(), "{}", k.name);
                for (n, (name, help)) in choices.iter().enumerate() {
                    assert!(!name.is_empty() && !name.contains([' ', '=', '\0']));
                    assert!(!help.is_empty() && !help.contains('\n'), "{name}");
                    assert!(choices[..n].iter().all(|(o, _)| o != name), "{name}");
                    // Every choice parses to itself.
                    let o = ok(&format!("{}={name}", k.name));
                    assert!(o.to_string().contains(&format!(" {}={name}", k.name)));
                }
            }
            Field::Bool(_) | Field::List { .. } | Field::Mix(_) => {}
        }
    }
    assert_eq!(spec("nosuchkey").map(|s| s.name), None);
}

#[test]
fn to_boot_string_prints_only_non_defaults_in_table_order() {
    assert_eq!(BootOptions::default().to_boot_string(), "");
    let o = ok("seed=42 procs=4 stack=16384 tick=1000us workload=producer-consumer");
    assert_eq!(o.to_boot_string(), "procs=4 seed=42");
    let o = ok("bench=spawn tick=250000ns stack=64KiB runnext=0 preempt=off");
    assert_eq!(
        o.to_boot_string(),
        "stack=64K preempt=off tick=250us runnext=off bench=spawn"
    );
    assert_eq!(ok(&o.to_boot_string()), o);
}

#[test]
fn help_columns() {
    let procs = spec("procs").unwrap();
    assert_eq!(procs.value_name(), "N");
    assert_eq!(procs.default, "auto");
    assert_eq!(
        procs.allowed().to_string(),
        "an integer from 1 to 1024, or auto"
    );
    let tick = spec("tick").unwrap();
    assert_eq!(tick.value_name(), "DURATION");
    assert_eq!(
        tick.allowed().to_string(),
        "a duration from 50us to 100ms, unit ns, us, ms or s (e.g. 50us)"
    );
    assert_eq!(spec("stack").unwrap().value_name(), "SIZE");
    assert_eq!(spec("steal").unwrap().value_name(), "on|off");
    assert_eq!(spec("workload").unwrap().value_name(), "NAME");
    assert_eq!(spec("bench").unwrap().value_name(), "LIST");
    assert_eq!(
        spec("stack").unwrap().allowed().to_string(),
        "a multiple of 4K from 8K to 1M, in bytes or with K, KiB, M or MiB (e.g. 8K)"
    );
}

#[test]
fn canonical_spellings() {
    assert_eq!(Duration(1).to_string(), "1ns");
    assert_eq!(Duration(1_500).to_string(), "1500ns");
    assert_eq!(Duration(1_500_000).to_string(), "1500us");
    assert_eq!(Duration(1_000_000).to_string(), "1ms");
    assert_eq!(Duration(10_000_000_000).to_string(), "10s");
    assert_eq!(Duration(0).to_string(), "0s");
    assert_eq!(Duration(u64::MAX).to_string(), "18446744073709551615ns");
    assert_eq!(Size(100).to_string(), "100");
    assert_eq!(Size(12 << 10).to_string(), "12K");
    assert_eq!(Size(1536 << 10).to_string(), "1536K");
    assert_eq!(Size(3 << 20).to_string(), "3M");
    assert_eq!(Size(0).to_string(), "0");
    assert_eq!(List(&[]).to_string(), "all");
    assert_eq!(List(&["a".into(), "b".into()]).to_string(), "a,b");
}
