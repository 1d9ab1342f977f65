//! The on/off keys: every spelling of true and false, and the refusals.

use super::{BootOptions, KEYS, bad_value, ok};
use crate::options::field::Field;

/// Every key whose value is a boolean, straight from the table.
fn bool_keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter()
        .filter(|k| matches!(k.field, Field::Bool(_)))
        .map(|k| k.name)
}

/// Reads the named boolean through the struct field, not the table.
fn get(o: &BootOptions, key: &str) -> bool {
    match key {
        "runnext" => o.runnext,
        "fairness61" => o.fairness61,
        "steal" => o.steal,
        "spinning" => o.spinning,
        "scheddetail" => o.scheddetail,
        "tracking" => o.tracking,
        "metrics" => o.metrics,
        "icount" => o.icount,
        _ => panic!("no boolean field for {key}"),
    }
}

#[test]
fn the_boolean_keys_are_the_documented_ones() {
    let keys: alloc::vec::Vec<_> = bool_keys().collect();
    assert_eq!(
        keys,
        [
            "runnext",
            "fairness61",
            "steal",
            "spinning",
            "scheddetail",
            "tracking",
            "metrics",
            "icount"
        ]
    );
}

#[test]
fn boolean_defaults() {
    let d = BootOptions::default();
    for key in ["runnext", "fairness61", "steal", "spinning"] {
        assert!(get(&d, key), "{key} defaults to on");
    }
    for key in ["scheddetail", "tracking", "metrics"] {
        assert!(!get(&d, key), "{key} defaults to off");
    }
}

#[test]
fn every_spelling_of_on_and_off() {
    for key in bool_keys() {
        for v in ["on", "1", "true"] {
            assert!(get(&ok(&alloc::format!("{key}={v}")), key), "{key}={v}");
        }
        for v in ["off", "0", "false"] {
            assert!(!get(&ok(&alloc::format!("{key}={v}")), key), "{key}={v}");
        }
    }
}

#[test]
fn setting_one_boolean_leaves_the_others_alone() {
    let o = ok("steal=off");
    assert!(!o.steal);
    assert!(o.runnext && o.fairness61 && o.spinning);
}

#[test]
fn anything_else_is_refused() {
    for key in bool_keys() {
        for v in ["yes", "no", "ON", "Off", "2", "-1", "tru", "onn", "enabled"] {
            bad_value(
                &alloc::format!("{key}={v}"),
                key,
                v,
                &["on or off", "1/0", "true/false"],
            );
        }
    }
}
