//! Property tests: any valid `BootOptions` survives format -> parse, valid
//! spellings generated from the table are accepted, and more than 100,000
//! random inputs (arbitrary text and structured near-misses) never panic
//! the parser and always get an error that points at a real token.

use super::{
    BootOptions, Fault, KEYS, OptionError, Preempt, SchedModel, TraceMode, WORKLOADS, parse, spec,
};
use crate::options::field::{Field, IntAt};
use crate::options::tokens;
use crate::options::{Mix, Op};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

/// Cases of the two "never panics" properties; together over 100,000.
const GARBAGE_TEXT_CASES: u32 = 45_000;
const GARBAGE_TOKEN_CASES: u32 = 60_000;
const _: () = assert!(GARBAGE_TEXT_CASES + GARBAGE_TOKEN_CASES >= 100_000);
/// Cases of the round-trip properties (each case covers every key).
const ROUND_TRIP_CASES: u32 = 5_000;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Much cheaper than the default ChaCha in a debug build.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

// Strings are built from vectors of chars rather than regexes or
// `any::<String>()`: in a debug build those cost 100-300 us a case, which
// would put 100,000 cases far over the time budget.

/// A string of `len` chars drawn from `alphabet`.
fn text_from(alphabet: &'static str, len: core::ops::Range<usize>) -> BoxedStrategy<String> {
    vec(select(alphabet.chars().collect::<Vec<_>>()), len)
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

/// Any Unicode text without separators (they would split the token).
fn unicode_word(len: core::ops::Range<usize>) -> BoxedStrategy<String> {
    vec(any::<char>(), len)
        .prop_map(|v| {
            v.into_iter()
                .map(|c| {
                    if c.is_whitespace() || c == '\0' {
                        '_'
                    } else {
                        c
                    }
                })
                .collect()
        })
        .boxed()
}

const DIGITS: &str = "0123456789";
const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
const NAME_CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

/// A benchmark name the list syntax accepts (anything but the word `all`).
fn bench_name() -> impl Strategy<Value = String> {
    text_from(NAME_CHARS, 1..9).prop_map(|s| if s == "all" { "all2".into() } else { s })
}

/// Any non-empty set of torture operations.
fn mix() -> impl Strategy<Value = Mix> {
    vec(select(Op::ALL.to_vec()), 1..6)
        .prop_map(|ops| ops.into_iter().fold(Mix::ALL, |m, op| m.without(op)))
        .prop_filter("at least one operation", |m| !m.is_empty())
}

/// Any valid `BootOptions`, built field by field without the parser.
fn any_options() -> impl Strategy<Value = BootOptions> {
    let names = |t: &'static [(&'static str, &'static str)]| -> Vec<&'static str> {
        t.iter().map(|(n, _)| *n).collect()
    };
    let scheduling = (
        proptest::option::of(1u32..=1024),
        proptest::option::of(any::<u64>()),
        (2usize..=256).prop_map(|pages| pages * 4096),
        select(names(WORKLOADS)),
        select(Preempt::ALL.to_vec()),
        50_000u64..=100_000_000,
        100_000u64..=10_000_000_000,
        select(SchedModel::ALL.to_vec()),
        select(names(crate::policy::POLICY_CHOICES)),
    );
    let rest = (
        any::<[bool; 8]>(),
        any::<u32>(),
        1u32..=86_400,
        select(Fault::ALL.to_vec()),
        vec(bench_name(), 0..4),
        (1u32..=100_000_000, mix()),
        (
            select(TraceMode::ALL.to_vec()),
            4u32..=1 << 20,
            0u32..=1_000_000,
            any::<u64>(),
            0u32..=10_000_000,
        ),
    );
    (scheduling, rest).prop_map(
        |(
            (procs, seed, stack_size, workload, preempt, tick_ns, forcepreempt_ns, sched, policy),
            (
                flags,
                schedtrace_ms,
                duration_secs,
                fault,
                bench,
                (parked_gs, mix),
                (trace, flight_kib, chaos, stopat, lockstep),
            ),
        )| {
            let [
                runnext,
                fairness61,
                steal,
                spinning,
                scheddetail,
                tracking,
                metrics,
                icount,
            ] = flags;
            BootOptions {
                procs,
                seed,
                stack_size,
                workload,
                preempt,
                tick_ns,
                forcepreempt_ns,
                sched,
                policy,
                runnext,
                fairness61,
                steal,
                spinning,
                schedtrace_ms,
                scheddetail,
                trace,
                flight_kib,
                tracking,
                metrics,
                icount,
                lockstep,
                duration_secs,
                chaos,
                stopat,
                mix,
                fault,
                bench,
                parked_gs,
            }
        },
    )
}

const TIME_UNITS: [(&str, u64); 4] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];

/// Every accepted spelling of `n` nanoseconds.
fn duration_spellings(n: u64) -> Vec<String> {
    TIME_UNITS
        .iter()
        .filter(|(_, scale)| n.is_multiple_of(*scale))
        .map(|(unit, scale)| format!("{}{unit}", n / scale))
        .collect()
}

/// Every accepted spelling of `n` bytes.
fn size_spellings(n: usize) -> Vec<String> {
    let mut out = alloc::vec![n.to_string()];
    for (unit, scale) in [
        ("K", 1 << 10),
        ("KiB", 1 << 10),
        ("M", 1 << 20),
        ("MiB", 1 << 20),
    ] {
        if n.is_multiple_of(scale) {
            out.push(format!("{}{unit}", n / scale));
        }
    }
    out
}

/// A valid value for the row `k`, in any accepted spelling, derived from
/// the row's kind (so a new row is covered without touching this file).
fn valid_value(k: &'static crate::options::KeySpec) -> BoxedStrategy<String> {
    match k.field {
        Field::Int { min, max, at } => {
            let n = (min..=max).prop_map(|n| n.to_string());
            let padded = (min..=max).prop_map(|n| format!("00{n}"));
            let ends = select(alloc::vec![min.to_string(), max.to_string()]);
            if matches!(at, IntAt::U32(_) | IntAt::U64(_)) {
                prop_oneof![n, padded, ends].boxed()
            } else {
                prop_oneof![n, padded, ends, Just("auto".to_string())].boxed()
            }
        }
        Field::Duration { min, max, .. } => {
            let any_ns = (min..=max).prop_map(|n| format!("{n}ns"));
            let round = (min..=max, select(TIME_UNITS.to_vec())).prop_filter_map(
                "no multiple of the unit in range",
                move |(n, (_, scale))| {
                    let n = n / scale * scale;
                    (n >= min).then(|| duration_spellings(n).pop().unwrap())
                },
            );
            let mut ends = duration_spellings(min);
            ends.extend(duration_spellings(max));
            prop_oneof![any_ns, round, select(ends)].boxed()
        }
        Field::Size {
            min, max, align, ..
        } => (min / align..=max / align, any::<proptest::sample::Index>())
            .prop_map(move |(k, i)| i.get(&size_spellings(k * align)).clone())
            .boxed(),
        Field::Bool(_) => select(alloc::vec!["on", "off", "1", "0", "true", "false"])
            .prop_map(String::from)
            .boxed(),
        Field::Choice { choices, .. } => select(choices.to_vec())
            .prop_map(|(n, _)| n.to_string())
            .boxed(),
        Field::List { .. } => prop_oneof![
            Just("all".to_string()),
            vec(bench_name(), 1..4).prop_map(|v| v.join(",")),
        ]
        .boxed(),
        Field::Mix(_) => prop_oneof![
            Just("all".to_string()),
            vec(select(Op::ALL.to_vec()), 1..6).prop_map(|ops| ops
                .iter()
                .map(|op| op.name())
                .collect::<Vec<_>>()
                .join(",")),
        ]
        .boxed(),
    }
}

/// Every key once, each with probability 1/2, valid values, shuffled.
fn valid_string() -> impl Strategy<Value = String> {
    let per_key: Vec<BoxedStrategy<Option<String>>> = KEYS
        .iter()
        .map(|k| {
            proptest::option::of(valid_value(k).prop_map(move |v| format!("{}={v}", k.name)))
                .boxed()
        })
        .collect();
    per_key
        .prop_map(|tokens| tokens.into_iter().flatten().collect::<Vec<_>>())
        .prop_shuffle()
        .prop_map(|tokens| tokens.join(" "))
}

/// Values that are mostly wrong for most keys, and sometimes right.
fn garbage_value() -> BoxedStrategy<String> {
    let words: Vec<String> = KEYS
        .iter()
        .flat_map(|k| [k.default, k.example])
        .chain(WORKLOADS.iter().chain(&Fault::CHOICES).map(|(n, _)| *n))
        .chain([
            "auto", "all", "on", "yes", "-1", "+1", "0x10", "1.5ms", "µs", "", "=",
        ])
        .map(String::from)
        .collect();
    let units = alloc::vec![
        "", "ns", "us", "ms", "s", "m", "h", "K", "KiB", "M", "MiB", "G", "k", "KB", "x"
    ];
    prop_oneof![
        select(words),
        // Numbers of every size, including far past u64::MAX.
        text_from(DIGITS, 1..41),
        (text_from(DIGITS, 1..23), select(units)).prop_map(|(n, u)| format!("{n}{u}")),
        (
            select(alloc::vec!["", "-", "+"]),
            text_from(DIGITS, 0..7),
            select(alloc::vec!["", ".", ",", "_"]),
            text_from(DIGITS, 0..5)
        )
            .prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}")),
        text_from("abcdefghijklmnopqrstuvwxyz0123456789,=._-", 0..13),
        unicode_word(0..12),
    ]
    .boxed()
}

/// A key name, a near miss of one, or random text.
fn garbage_key() -> BoxedStrategy<String> {
    let names: Vec<&'static str> = KEYS.iter().map(|k| k.name).collect();
    prop_oneof![
        4 => select(names.clone()).prop_map(String::from),
        1 => (select(names.clone()), text_from(NAME_CHARS, 1..2)).prop_map(|(k, c)| format!("{k}{c}")),
        1 => select(names).prop_map(|k| k.to_uppercase()),
        1 => text_from(LOWER, 1..13),
        1 => unicode_word(1..12),
    ]
    .boxed()
}

/// One token: valid, `key=garbage`, `key`, `key=`, `=value`, or any text.
fn garbage_token() -> BoxedStrategy<String> {
    let valid = select(KEYS.iter().collect::<Vec<_>>())
        .prop_flat_map(|k| valid_value(k).prop_map(move |v| format!("{}={v}", k.name)));
    prop_oneof![
        3 => valid,
        4 => (garbage_key(), garbage_value()).prop_map(|(k, v)| format!("{k}={v}")),
        1 => garbage_key(),
        1 => garbage_key().prop_map(|k| format!("{k}=")),
        1 => garbage_value().prop_map(|v| format!("={v}")),
        1 => unicode_word(0..16),
    ]
    .boxed()
}

/// Several tokens with mixed separators; repeats make duplicates likely.
fn garbage_tokens() -> impl Strategy<Value = String> {
    let tokens = vec(
        (
            garbage_token(),
            select(alloc::vec![" ", "  ", "\t", "\n", "\0", " \r\n"]),
        ),
        0..8,
    );
    // Sometimes repeat one of the tokens at the end.
    let repeat = proptest::option::weighted(0.2, any::<proptest::sample::Index>());
    (tokens, repeat).prop_map(|(tokens, repeat)| {
        let mut s = String::new();
        for (t, sep) in &tokens {
            s.push_str(t);
            s.push_str(sep);
        }
        if let Some(i) = repeat.filter(|_| !tokens.is_empty()) {
            s.push_str(&i.get(&tokens).0);
        }
        s
    })
}

/// Any text: Unicode at large, or printable ASCII with separators.
fn arbitrary_text() -> impl Strategy<Value = String> {
    let ascii = (0x20u8..0x7f).prop_map(char::from).boxed();
    let separator = select(alloc::vec!['\t', '\n', '\0', '\u{3000}', '\u{85}']).boxed();
    prop_oneof![
        vec(any::<char>(), 0..48).prop_map(|v| v.into_iter().collect::<String>()),
        vec(prop_oneof![8 => ascii, 1 => separator], 0..48)
            .prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

/// The name part of a token.
fn name_of(token: &str) -> &str {
    token.split_once('=').map_or(token, |(name, _)| name)
}

/// Checks one input: accepted inputs round-trip; a refused input's error
/// points at a real token, the tokens before it are fine, and the message
/// quotes the offending piece.
fn check(input: &str) -> Result<(), TestCaseError> {
    let err = match parse(input) {
        Ok(o) => {
            prop_assert_eq!(parse(&o.to_string()), Ok(o.clone()));
            prop_assert_eq!(parse(&o.to_boot_string()), Ok(o));
            return Ok(());
        }
        Err(e) => e,
    };
    let msg = err.to_string();
    prop_assert!(!msg.is_empty());
    let toks: Vec<&str> = tokens(input).collect();
    let at = |pred: &dyn Fn(&str) -> bool| toks.iter().position(|t| pred(t));
    let (index, quoted): (Option<usize>, String) = match &err {
        OptionError::UnknownKey { key } => {
            prop_assert!(spec(key).is_none() && !key.is_empty());
            prop_assert!(msg.starts_with("unknown boot option"));
            (at(&|t| name_of(t) == key), key.clone())
        }
        OptionError::MissingKey { token } => {
            prop_assert!(token.starts_with('='));
            (at(&|t| t == token), token.clone())
        }
        OptionError::MissingValue { key } => {
            prop_assert!(msg.contains("needs a value"));
            (
                at(&|t| name_of(t) == *key && !t.contains("=") || *t == format!("{key}=")),
                key.to_string(),
            )
        }
        OptionError::Duplicate { key, first, second } => {
            let first_at = at(&|t| t == first);
            let second_at = toks
                .iter()
                .enumerate()
                .position(|(i, t)| Some(i) > first_at && t == second);
            prop_assert!(first_at.is_some() && name_of(first) == *key && name_of(second) == *key);
            prop_assert!(msg.contains(first.as_str()) && msg.contains(second.as_str()));
            (second_at, key.to_string())
        }
        OptionError::BadValue { key, value } => {
            let head = format!("for boot option \"{key}\": expected ");
            prop_assert!(msg.contains(&head));
            (at(&|t| *t == format!("{key}={value}")), value.clone())
        }
    };
    prop_assert!(
        msg.contains(&format!("\"{quoted}\"")),
        "{:?} does not quote {:?}",
        msg,
        quoted
    );
    let Some(index) = index else {
        return Err(TestCaseError::fail(format!(
            "{err:?} names no token of {input:?}"
        )));
    };
    // The parser reports the first bad token: everything before it parses.
    let before = toks[..index].join(" ");
    prop_assert!(parse(&before).is_ok(), "{:?} before {:?}", before, err);
    Ok(())
}

proptest! {
    #![proptest_config(config(ROUND_TRIP_CASES))]

    #[test]
    fn format_then_parse_is_identity(o in any_options()) {
        let line = o.to_string();
        prop_assert_eq!(parse(&line), Ok(o.clone()));
        prop_assert_eq!(parse(&o.to_boot_string()), Ok(o.clone()));
        // Canonical: printing the parsed options prints the same line.
        prop_assert_eq!(parse(&line).unwrap().to_string(), line);
    }

    #[test]
    fn valid_spellings_are_accepted_key_by_key(s in valid_string()) {
        let all = parse(&s);
        prop_assert!(all.is_ok(), "{:?}: {}", s, all.unwrap_err());
        let all = all.unwrap();
        // Each token sets its own field exactly as it does on its own.
        for token in tokens(&s) {
            let one = parse(token).unwrap();
            let k = spec(name_of(token)).unwrap();
            prop_assert!(k.field.same(&all, &one), "{:?} in {:?}", token, s);
        }
        check(&s)?;
    }
}

proptest! {
    #![proptest_config(config(GARBAGE_TEXT_CASES))]

    #[test]
    fn arbitrary_text_never_panics(s in arbitrary_text()) {
        check(&s)?;
    }
}

proptest! {
    #![proptest_config(config(GARBAGE_TOKEN_CASES))]

    #[test]
    fn near_miss_tokens_never_panic(s in garbage_tokens()) {
        check(&s)?;
    }
}
