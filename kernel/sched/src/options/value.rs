//! The value syntax shared by all boot options: decimal integers, durations
//! with a unit, sizes with a binary suffix, booleans and comma lists.
//!
//! Design note: every parser here is total over `&str`. It returns `None` on
//! anything it does not accept (signs, hex, overflow, unknown units), never
//! panics and never wraps, so the caller attaches the key and the allowed
//! values to the error in one place (`KeySpec::allowed`). Each parser has a
//! matching formatter that prints the *canonical* spelling, and parsing a
//! canonical spelling gives back the same number: that is what lets the
//! kernel print its options and the runner hand them on unchanged.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// A plain decimal integer: ASCII digits only (no sign, no `0x`, no `_`).
pub(crate) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Only digits are left, so the one way this fails is overflow.
    s.parse().ok()
}

/// A `u64` written as exactly 20 digits (zero-padded) by a loop of fixed
/// length: `stopat`'s value, whose printing must cost the same number of
/// instructions whatever it is (see `runtime::diag::chaos::check_stop_at`).
pub struct Fixed20(pub u64);

impl core::fmt::Display for Fixed20 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut digits = [b'0'; 20];
        let mut n = self.0;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
        }
        // Only ASCII digits were written.
        f.write_str(core::str::from_utf8(&digits).map_err(|_| core::fmt::Error)?)
    }
}

/// Splits `"250us"` into `("250", "us")` at the first non-digit.
fn split_number(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s.split_at(end)
}

/// Duration units, largest first (the formatter picks the first that divides).
const TIME_UNITS: [(&str, u64); 4] = [
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("ns", 1),
];

/// A duration in nanoseconds written as digits and a unit: `250us`, `10ms`,
/// `1s`, `500ns`. A bare number is refused: `tick=1` would be ambiguous.
pub(crate) fn parse_duration(s: &str) -> Option<u64> {
    let (digits, unit) = split_number(s);
    let n = parse_u64(digits)?;
    let (_, scale) = TIME_UNITS.iter().find(|(name, _)| *name == unit)?;
    n.checked_mul(*scale)
}

/// Prints nanoseconds in the largest unit that divides them exactly.
pub(crate) struct Duration(pub u64);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (unit, scale) = TIME_UNITS
            .iter()
            .find(|(_, scale)| self.0.is_multiple_of(*scale))
            .copied()
            .unwrap_or(("ns", 1));
        write!(f, "{}{unit}", self.0 / scale)
    }
}

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// Size suffixes. `K`/`M` are binary, like the `KiB`/`MiB` spellings.
const SIZE_UNITS: [(&str, u64); 5] = [("", 1), ("K", KIB), ("KiB", KIB), ("M", MIB), ("MiB", MIB)];

/// A size in bytes: `16384`, `16K`, `16KiB`, `1M`, `1MiB`.
pub(crate) fn parse_size(s: &str) -> Option<usize> {
    let (digits, unit) = split_number(s);
    let n = parse_u64(digits)?;
    let (_, scale) = SIZE_UNITS.iter().find(|(name, _)| *name == unit)?;
    usize::try_from(n.checked_mul(*scale)?).ok()
}

/// Prints bytes as `NM`, `NK` or plain bytes, whichever is exact and shortest.
pub(crate) struct Size(pub usize);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0 as u64;
        if n != 0 && n.is_multiple_of(MIB) {
            write!(f, "{}M", n / MIB)
        } else if n != 0 && n.is_multiple_of(KIB) {
            write!(f, "{}K", n / KIB)
        } else {
            write!(f, "{n}")
        }
    }
}

/// `on`/`off`, `1`/`0`, `true`/`false`. The canonical spelling is `on`/`off`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "on" | "1" | "true" => Some(true),
        "off" | "0" | "false" => Some(false),
        _ => None,
    }
}

pub(crate) fn bool_str(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// The word that stands for an empty list ("no selection = everything").
pub(crate) const LIST_ALL: &str = "all";

/// Characters allowed in a list item. Kept narrow so that an item can never
/// contain the separators of the option string (space, `=`, `,`).
pub(crate) fn is_list_item_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// `all` (the empty list) or `a,b,c`. Empty items and `all` inside a longer
/// list are refused: both are almost certainly typos.
pub(crate) fn parse_list(s: &str) -> Option<Vec<String>> {
    if s == LIST_ALL {
        return Some(Vec::new());
    }
    s.split(',')
        .map(|item| {
            let ok = !item.is_empty() && item != LIST_ALL && item.chars().all(is_list_item_char);
            ok.then(|| item.to_string())
        })
        .collect()
}

/// Prints a list as `a,b,c`, or `all` when it is empty.
pub(crate) struct List<'a>(pub &'a [String]);

impl fmt::Display for List<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str(LIST_ALL);
        }
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(item)?;
        }
        Ok(())
    }
}
