//! Kernel boot options on the host: collected from `KEY=VALUE` arguments
//! and the sugar flags, checked by the kernel's own parser, and handed to
//! QEMU as a fw_cfg string.
//!
//! Design note: the host runs `gmp_sched::options::parse` — the very code
//! the kernel runs — on the very string the kernel will read, so a typo is
//! refused in one sentence before QEMU starts, and host and kernel cannot
//! disagree about what is valid. Each token remembers where it came from so
//! that a duplicate given once as a flag (`--procs 2`) and once as a token
//! (`procs=3`) is explained in the user's own terms. `raw` text skips the
//! check on purpose: the tests use it to prove the kernel's rejection path.

use std::fmt;

use gmp_sched::options::{self, BootOptions, OptionError};

/// The fw_cfg file the kernel reads its boot options from.
pub use gmp_sched::options::FW_CFG_FILE as FW_CFG_NAME;

/// One `key=value` token and the runner flag that produced it, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Token {
    text: String,
    flag: Option<&'static str>,
}

/// The boot options of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootArgs {
    tokens: Vec<Token>,
    raw: Option<String>,
}

/// A refused boot option string; `Display` is the parser's one sentence,
/// plus which runner flag wrote a token when that helps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootOptionError {
    error: OptionError,
    flags: Vec<(&'static str, String)>,
}

impl BootOptionError {
    /// The parser's own error.
    pub fn option_error(&self) -> &OptionError {
        &self.error
    }
}

impl fmt::Display for BootOptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        for (i, (flag, token)) in self.flags.iter().enumerate() {
            let sep = if i == 0 { " (" } else { ", " };
            write!(f, "{sep}{flag} gave {token}")?;
        }
        if !self.flags.is_empty() {
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for BootOptionError {}

impl BootArgs {
    /// Adds a `key=value` token written by the user.
    pub fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(Token {
            text: token.into(),
            flag: None,
        });
    }

    /// Adds `key=value` on behalf of the runner flag `flag` (`--procs`).
    pub fn push_from_flag(&mut self, flag: &'static str, key: &str, value: &str) {
        self.tokens.push(Token {
            text: format!("{key}={value}"),
            flag: Some(flag),
        });
    }

    /// Whether a checked token sets `key`.
    pub fn has_key(&self, key: &str) -> bool {
        self.tokens
            .iter()
            .any(|t| t.text.split_once('=').is_some_and(|(k, _)| k == key))
    }

    /// Appends `raw` to the string handed to the kernel, unchecked.
    pub fn set_raw(&mut self, raw: impl Into<String>) {
        self.raw = Some(raw.into());
    }

    /// The checked tokens, joined by spaces.
    fn checked_text(&self) -> String {
        let texts: Vec<&str> = self.tokens.iter().map(|t| t.text.as_str()).collect();
        texts.join(" ")
    }

    /// Runs the kernel's parser over the checked tokens.
    pub fn validate(&self) -> Result<BootOptions, BootOptionError> {
        options::parse(&self.checked_text()).map_err(|error| {
            let flags = self
                .tokens
                .iter()
                .filter_map(|t| Some((t.flag?, t.text.clone())))
                .filter(|(_, text)| mentions(&error, text))
                .collect();
            BootOptionError { error, flags }
        })
    }

    /// The string the kernel receives: checked tokens, then the raw text.
    /// `None` when there is nothing to pass.
    pub fn kernel_string(&self) -> Option<String> {
        let mut s = self.checked_text();
        if let Some(raw) = &self.raw {
            if !s.is_empty() && !raw.is_empty() {
                s.push(' ');
            }
            s.push_str(raw);
        }
        (!s.trim().is_empty()).then_some(s)
    }
}

/// Whether `token`'s key is the one `error` is about.
fn mentions(error: &OptionError, token: &str) -> bool {
    let key = token.split_once('=').map_or(token, |(k, _)| k);
    match error {
        OptionError::UnknownKey { key: k } => k == key,
        OptionError::MissingValue { key: k }
        | OptionError::Duplicate { key: k, .. }
        | OptionError::BadValue { key: k, .. } => *k == key,
        OptionError::MissingKey { .. } => false,
    }
}

/// The `-fw_cfg` argument that hands `text` to the kernel. QEMU splits
/// option values at commas; a literal comma is written as two.
pub fn fw_cfg_arg(text: &str) -> String {
    format!("name={FW_CFG_NAME},string={}", escape_commas(text))
}

/// Doubles every comma, QEMU's escape inside option values.
pub fn escape_commas(text: &str) -> String {
    text.replace(',', ",,")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_flags_join_in_order_and_raw_comes_last() {
        let mut b = BootArgs::default();
        assert_eq!(b.kernel_string(), None);
        b.push("seed=7");
        b.push_from_flag("--procs", "procs", "2");
        b.set_raw("procz=1");
        assert_eq!(b.kernel_string().as_deref(), Some("seed=7 procs=2 procz=1"));
        assert_eq!(b.validate().unwrap().procs, Some(2));
    }

    #[test]
    fn raw_text_alone_is_passed_unchecked() {
        let mut b = BootArgs::default();
        b.set_raw("procz=1");
        assert!(b.validate().is_ok());
        assert_eq!(b.kernel_string().as_deref(), Some("procz=1"));
    }

    #[test]
    fn an_unknown_key_is_refused_by_name() {
        let mut b = BootArgs::default();
        b.push("procz=1");
        let e = b.validate().unwrap_err().to_string();
        assert!(e.contains("unknown boot option \"procz\""), "{e}");
    }

    #[test]
    fn a_key_given_by_flag_and_token_names_the_flag() {
        let mut b = BootArgs::default();
        b.push_from_flag("--procs", "procs", "2");
        b.push("procs=3");
        let e = b.validate().unwrap_err().to_string();
        assert!(e.contains("given twice"), "{e}");
        assert!(e.ends_with("(--procs gave procs=2)"), "{e}");
    }

    #[test]
    fn commas_are_doubled_for_qemu() {
        assert_eq!(
            fw_cfg_arg("bench=spawn,yield seed=1"),
            "name=opt/gmp-metal/cmdline,string=bench=spawn,,yield seed=1"
        );
    }
}
