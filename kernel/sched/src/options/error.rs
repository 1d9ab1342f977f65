//! Why a boot option string was refused.
//!
//! Design note: a refused boot string stops the machine before anything
//! runs, so each message is one sentence that names the offending key or
//! value and says what would have been accepted; the allowed values come
//! from the `KEYS` row, never from a second copy. The variants hold only
//! the offending pieces (the key is a `&'static str` out of the table), so
//! errors compare with `==` in tests and cost nothing until displayed.

use super::keys::{KEYS, spec};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A boot option string that [`parse`](super::parse) refused. The parser
/// stops at the first bad token, reading left to right.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionError {
    /// A token whose name is not a key in `KEYS` (`procz=2`, `verbose`).
    UnknownKey { key: String },
    /// A token with nothing before its `=` (`=4`).
    MissingKey { token: String },
    /// A known key with no value (`procs`, `procs=`).
    MissingValue { key: &'static str },
    /// A key given a second time; `first` and `second` are the two tokens.
    Duplicate {
        key: &'static str,
        first: String,
        second: String,
    },
    /// A value the key does not accept.
    BadValue { key: &'static str, value: String },
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionError::UnknownKey { key } => {
                write!(f, "unknown boot option \"{key}\" (")?;
                if let Some(near) = nearest_key(key) {
                    write!(f, "did you mean \"{near}\"? ")?;
                }
                f.write_str("known options: ")?;
                known_keys(f)?;
                f.write_str(")")
            }
            OptionError::MissingKey { token } => {
                write!(
                    f,
                    "boot option \"{token}\" has no name before \"=\" (known options: "
                )?;
                known_keys(f)?;
                f.write_str(")")
            }
            OptionError::MissingValue { key } => {
                write!(f, "boot option \"{key}\" needs a value, e.g. {key}=")?;
                match spec(key) {
                    Some(spec) => write!(f, "{} (expected {})", spec.example, spec.allowed()),
                    None => f.write_str("..."),
                }
            }
            OptionError::Duplicate { key, first, second } => write!(
                f,
                "boot option \"{key}\" given twice (\"{first}\", then \"{second}\"); give it once"
            ),
            OptionError::BadValue { key, value } => {
                write!(
                    f,
                    "bad value \"{value}\" for boot option \"{key}\": expected "
                )?;
                match spec(key) {
                    Some(spec) => write!(f, "{}", spec.allowed()),
                    None => f.write_str("a valid value"),
                }
            }
        }
    }
}

fn known_keys(f: &mut fmt::Formatter<'_>) -> fmt::Result {
    for (i, k) in KEYS.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(k.name)?;
    }
    Ok(())
}

/// The known key closest to `key` (ignoring ASCII case), if it is within two
/// edits: `procz` -> `procs`, `PREEMPT` -> `preempt`.
fn nearest_key(key: &str) -> Option<&'static str> {
    const MAX_EDITS: usize = 2;
    // Keys are short; don't spend time on a pasted novel.
    if key.len() > 32 {
        return None;
    }
    let key: Vec<char> = key.chars().map(|c| c.to_ascii_lowercase()).collect();
    KEYS.iter()
        // The length difference is a lower bound on the distance.
        .filter(|k| key.len().abs_diff(k.name.len()) <= MAX_EDITS)
        .map(|k| (edit_distance(&key, k.name), k.name))
        .filter(|&(d, _)| d <= MAX_EDITS)
        .min_by_key(|&(d, _)| d)
        .map(|(_, name)| name)
}

/// Levenshtein distance between `a` and the ASCII key `b`.
fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = alloc::vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let replace = prev[j] + usize::from(ca != cb);
            cur[j + 1] = replace.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dist(a: &str, b: &str) -> usize {
        edit_distance(&a.chars().collect::<Vec<_>>(), b)
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(dist("procs", "procs"), 0);
        assert_eq!(dist("procz", "procs"), 1);
        assert_eq!(dist("prcs", "procs"), 1);
        assert_eq!(dist("proccs", "procs"), 1);
        assert_eq!(dist("", "seed"), 4);
        assert_eq!(dist("tick", "trace"), 3);
    }

    #[test]
    fn nearest_key_suggests_close_names_only() {
        assert_eq!(nearest_key("procz"), Some("procs"));
        assert_eq!(nearest_key("PREEMPT"), Some("preempt"));
        assert_eq!(nearest_key("stel"), Some("steal"));
        assert_eq!(nearest_key("verbose"), None);
        assert_eq!(nearest_key(&"x".repeat(100)), None);
    }
}
