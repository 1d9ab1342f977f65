//! The boot option reference that the runner's `--help` prints.
//!
//! Design note: rendered here, from `KEYS`, rather than in the runner, so
//! the help can never list a key, value or default the parser disagrees
//! with; the runner only decides where to print it. Plain text, at most
//! 120 columns, no terminal tricks: it also goes into README files.

use super::field::Field;
use super::keys::KEYS;
use core::fmt;

/// Width of the `key=VALUE` column.
const KEY_COLUMN: usize = 22;

/// The reference of every boot option: `key=VALUE`, help, allowed values,
/// default, and for name-valued keys each name with its description.
/// `format!("{}", boot_options_help())`.
pub fn boot_options_help() -> impl fmt::Display {
    Help
}

struct Help;

impl fmt::Display for Help {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Boot options: key=value tokens separated by spaces; each key at most once."
        )?;
        for k in KEYS {
            let usage = alloc::format!("{}={}", k.name, k.value_name());
            writeln!(f, "  {usage:<KEY_COLUMN$} {}", k.help)?;
            let pad = "";
            let choices = k.choices();
            if choices.is_empty() {
                writeln!(
                    f,
                    "  {pad:<KEY_COLUMN$} {}; default {}",
                    k.allowed(),
                    k.default
                )?;
            } else {
                let which = match k.field {
                    Field::Mix(_) => "all, or any of these, comma-separated",
                    _ => "one of",
                };
                writeln!(f, "  {pad:<KEY_COLUMN$} default {}; {which}:", k.default)?;
                let width = choices.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
                for (name, description) in choices {
                    writeln!(f, "      {name:<width$}  {description}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn help_lists_every_key_value_default_and_choice() {
        let help = boot_options_help().to_string();
        for k in KEYS {
            let usage = alloc::format!("  {}={} ", k.name, k.value_name());
            assert!(help.contains(&usage), "{help} lacks {usage:?}");
            assert!(help.contains(k.help), "{help} lacks {:?}", k.help);
            assert!(
                help.contains(&alloc::format!("default {}", k.default)),
                "{} default",
                k.name
            );
            if k.choices().is_empty() {
                assert!(help.contains(&k.allowed().to_string()), "{}", k.name);
            }
            // A key's choices follow its usage line (two keys may share a
            // choice name: `off`).
            let from = help.find(&usage).expect("checked above");
            for (name, description) in k.choices() {
                let line = help[from..]
                    .lines()
                    .find(|l| l.trim_start().starts_with(&alloc::format!("{name} ")))
                    .unwrap_or_else(|| panic!("no line for {name}"));
                assert!(line.ends_with(description), "{line}");
            }
        }
    }

    #[test]
    fn help_lines_are_plain_and_not_too_wide() {
        let help = boot_options_help().to_string();
        for line in help.lines() {
            assert!(line.chars().count() <= 120, "{line}");
            assert!(!line.contains('\t') && !line.contains('\x1b'), "{line}");
        }
    }
}
