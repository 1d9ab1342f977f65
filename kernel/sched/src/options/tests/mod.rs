//! Tests of the boot option parser: the grammar and every error variant
//! here, one file per group of keys, the table's own consistency in
//! `table.rs`, and the property tests in `prop.rs`.

mod bools;
mod choices;
mod numbers;
mod prop;
mod table;

use super::*;
use alloc::string::{String, ToString};

/// Parses `s`, which must be accepted.
pub(super) fn ok(s: &str) -> BootOptions {
    parse(s).unwrap_or_else(|e| panic!("{s:?} was refused: {e}"))
}

/// Parses `s`, which must be refused; returns the error and its message.
pub(super) fn refused(s: &str) -> (OptionError, String) {
    match parse(s) {
        Ok(o) => panic!("{s:?} was accepted as {o}"),
        Err(e) => {
            let msg = e.to_string();
            (e, msg)
        }
    }
}

/// Asserts that `s` is refused as a bad value of `key` and that the message
/// names the value, the key and every phrase in `allowed`.
pub(super) fn bad_value(s: &str, key: &str, value: &str, allowed: &[&str]) {
    let (e, msg) = refused(s);
    assert_eq!(
        e,
        OptionError::BadValue {
            key: spec(key).unwrap().name,
            value: value.into()
        },
        "{s:?}"
    );
    let head = alloc::format!("bad value \"{value}\" for boot option \"{key}\": expected ");
    assert!(msg.starts_with(&head), "{s:?}: {msg}");
    for phrase in allowed {
        assert!(msg.contains(phrase), "{s:?}: {msg:?} lacks {phrase:?}");
    }
}

#[test]
fn empty_and_blank_strings_are_all_defaults() {
    for s in ["", " ", "\t\n  ", "\0", " \0 \r\n"] {
        assert_eq!(ok(s), BootOptions::default(), "{s:?}");
    }
}

#[test]
fn tokens_split_on_any_whitespace_and_nul() {
    let o = ok("  procs=2\tseed=7\nworkload=fib\r\npreempt=coop\0tick=250us ");
    assert_eq!(o.procs, Some(2));
    assert_eq!(o.seed, Some(7));
    assert_eq!(o.workload, "fib");
    assert_eq!(o.preempt, Preempt::Coop);
    assert_eq!(o.tick_ns, 250_000);
    // Everything not given keeps its default.
    assert_eq!(o.stack_size, BootOptions::default().stack_size);
}

#[test]
fn order_of_tokens_does_not_matter() {
    assert_eq!(
        ok("seed=1 procs=3 steal=off"),
        ok("steal=off procs=3 seed=1")
    );
}

#[test]
fn from_str_is_parse() {
    let o: BootOptions = "procs=8".parse().unwrap();
    assert_eq!(o, ok("procs=8"));
    assert_eq!(
        "procs=0".parse::<BootOptions>().unwrap_err(),
        parse("procs=0").unwrap_err()
    );
}

#[test]
fn unknown_key_names_it_and_lists_known_keys() {
    let (e, msg) = refused("procs=2 procz=3");
    assert_eq!(
        e,
        OptionError::UnknownKey {
            key: "procz".into()
        }
    );
    assert!(msg.starts_with("unknown boot option \"procz\""), "{msg}");
    assert!(msg.contains("did you mean \"procs\"?"), "{msg}");
    let listed = msg.split("known options: ").nth(1).unwrap();
    for spec in KEYS {
        assert!(listed.contains(spec.name), "{msg} lacks {}", spec.name);
    }
}

#[test]
fn unknown_key_without_a_near_miss_gets_no_suggestion() {
    let (e, msg) = refused("verbose");
    assert_eq!(
        e,
        OptionError::UnknownKey {
            key: "verbose".into()
        }
    );
    assert!(!msg.contains("did you mean"), "{msg}");
    assert!(msg.contains("known options: procs, seed, stack"), "{msg}");
}

#[test]
fn keys_are_case_sensitive() {
    let (e, msg) = refused("PROCS=2");
    assert_eq!(
        e,
        OptionError::UnknownKey {
            key: "PROCS".into()
        }
    );
    assert!(msg.contains("did you mean \"procs\"?"), "{msg}");
}

#[test]
fn token_without_a_name_is_refused() {
    let (e, msg) = refused("procs=2 =4");
    assert_eq!(e, OptionError::MissingKey { token: "=4".into() });
    assert!(msg.contains("\"=4\" has no name before \"=\""), "{msg}");
    assert!(msg.contains("known options: procs"), "{msg}");
    let (e, _) = refused("=");
    assert_eq!(e, OptionError::MissingKey { token: "=".into() });
}

#[test]
fn key_without_value_asks_for_one_with_an_example() {
    for s in ["procs", "procs=", "seed=1 procs"] {
        let (e, msg) = refused(s);
        assert_eq!(e, OptionError::MissingValue { key: "procs" }, "{s:?}");
        assert!(
            msg.starts_with("boot option \"procs\" needs a value, e.g. procs=4"),
            "{msg}"
        );
        assert!(msg.contains("an integer from 1 to 1024"), "{msg}");
    }
    let (_, msg) = refused("preempt");
    assert!(msg.contains("e.g. preempt=coop"), "{msg}");
    assert!(msg.contains("one of async, coop, off"), "{msg}");
}

#[test]
fn duplicate_key_names_both_tokens() {
    let (e, msg) = refused("procs=2 seed=1 procs=4");
    assert_eq!(
        e,
        OptionError::Duplicate {
            key: "procs",
            first: "procs=2".into(),
            second: "procs=4".into()
        }
    );
    assert!(
        msg.starts_with("boot option \"procs\" given twice"),
        "{msg}"
    );
    assert!(msg.contains("\"procs=2\""), "{msg}");
    assert!(msg.contains("\"procs=4\""), "{msg}");
    // Even the same value twice is a mistake worth reporting.
    assert!(matches!(
        refused("trace=on trace=on").0,
        OptionError::Duplicate { key: "trace", .. }
    ));
    // And a repeated key with no value is still a repeat.
    assert!(matches!(
        refused("trace=on trace").0,
        OptionError::Duplicate { key: "trace", .. }
    ));
}

#[test]
fn first_bad_token_is_the_one_reported() {
    let (e, _) = refused("procs=0 procz=1 seed");
    assert_eq!(
        e,
        OptionError::BadValue {
            key: "procs",
            value: "0".into()
        }
    );
    let (e, _) = refused("procz=1 procs=0");
    assert_eq!(
        e,
        OptionError::UnknownKey {
            key: "procz".into()
        }
    );
}

#[test]
fn value_may_not_contain_another_equals_sign() {
    bad_value("workload=fib=2", "workload", "fib=2", &["one of boot"]);
}

#[test]
fn bad_value_for_an_unknown_key_still_displays() {
    // Errors are plain data; one built by hand must not panic when shown.
    let e = OptionError::BadValue {
        key: "nosuchkey",
        value: "x".into(),
    };
    assert!(e.to_string().contains("\"nosuchkey\""));
    let e = OptionError::MissingValue { key: "nosuchkey" };
    assert!(e.to_string().contains("\"nosuchkey\" needs a value"));
}
