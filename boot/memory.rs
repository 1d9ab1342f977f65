//! `--memory SIZE`: QEMU's `-m` syntax, checked on the host.
//!
//! Design note: QEMU reads a bare number as MiB and accepts the suffixes
//! B, K, M, G, T (either case) and decimal fractions (`1.5G`). The runner
//! reads the same syntax, insists on whole MiB (what the guest's memory map
//! can represent without QEMU rounding it silently), refuses sizes the
//! kernel cannot boot in, and hands QEMU the canonical `<n>M`.

use std::fmt;

/// Below this the bootloader, the kernel's page tables and heap and the
/// per-core stacks do not fit.
pub const MIN_MIB: u64 = 64;

/// A validated memory size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    mib: u64,
}

/// Why a `--memory` value was refused; `Display` is one sentence naming
/// `--memory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryError {
    spec: String,
    why: String,
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--memory {}: {}", self.spec, self.why)
    }
}

impl std::error::Error for MemoryError {}

impl Memory {
    /// Parses `512M`, `2G`, `1.5G`, `1024` (MiB), ...
    pub fn parse(spec: &str) -> Result<Memory, MemoryError> {
        let err = |why: String| MemoryError {
            spec: spec.to_string(),
            why,
        };
        let syntax = || {
            err("expected a size like 512M or 2G (suffixes K, M, G, T; no suffix means MiB)".into())
        };
        let text = spec.trim();
        let (number, shift) = match text.char_indices().last() {
            Some((i, c)) if c.is_ascii_alphabetic() => {
                let shift = match c.to_ascii_uppercase() {
                    'B' => 0,
                    'K' => 10,
                    'M' => 20,
                    'G' => 30,
                    'T' => 40,
                    _ => return Err(syntax()),
                };
                (&text[..i], shift)
            }
            _ => (text, 20),
        };
        let bytes = parse_scaled(number, shift).ok_or_else(syntax)?;
        if bytes == 0 {
            return Err(err("the machine needs some memory".into()));
        }
        if !bytes.is_multiple_of(1 << 20) {
            return Err(err("not a whole number of MiB".into()));
        }
        let mib = bytes >> 20;
        if mib < MIN_MIB {
            return Err(err(format!(
                "{} is too small to boot (at least {MIN_MIB}M)",
                human(bytes)
            )));
        }
        Ok(Memory { mib })
    }

    /// The size in MiB.
    pub fn mib(self) -> u64 {
        self.mib
    }

    /// The value for QEMU's `-m`.
    pub fn qemu_arg(self) -> String {
        format!("{}M", self.mib)
    }
}

/// `digits[.digits]` times 2^shift, exactly; `None` on bad syntax, on a
/// fraction that is not a whole number of bytes, or on overflow.
fn parse_scaled(number: &str, shift: u32) -> Option<u64> {
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (number.contains('.') && frac.is_empty())
    {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_shl(shift)?;
    if whole >> shift != int.parse::<u64>().ok()? {
        return None;
    }
    if frac.is_empty() {
        return Some(whole);
    }
    // frac / 10^len * 2^shift must be an integer number of bytes.
    let scale = 10u128.checked_pow(u32::try_from(frac.len()).ok()?)?;
    let part = frac.parse::<u128>().ok()? << shift;
    if !part.is_multiple_of(scale) {
        return None;
    }
    whole.checked_add(u64::try_from(part / scale).ok()?)
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib(s: &str) -> u64 {
        Memory::parse(s).unwrap().mib()
    }

    #[test]
    fn reads_qemu_sizes() {
        assert_eq!(mib("1G"), 1024);
        assert_eq!(mib("1g"), 1024);
        assert_eq!(mib("512M"), 512);
        assert_eq!(mib("512"), 512);
        assert_eq!(mib("1.5G"), 1536);
        assert_eq!(mib("65536K"), 64);
        assert_eq!(mib("1T"), 1 << 20);
        assert_eq!(Memory::parse("2G").unwrap().qemu_arg(), "2048M");
    }

    fn refusal(s: &str) -> String {
        Memory::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn refuses_nonsense_and_tiny_machines() {
        assert_eq!(
            refusal("1M"),
            "--memory 1M: 1 MiB is too small to boot (at least 64M)"
        );
        assert!(refusal("63M").contains("too small to boot"));
        assert!(refusal("4K").contains("not a whole number of MiB"));
        assert!(refusal("lots").contains("expected a size like 512M"));
        assert!(refusal("1X").contains("expected a size"));
        assert!(refusal("1.G").contains("expected a size"));
        assert!(refusal("").contains("expected a size"));
        assert!(refusal("-1G").contains("expected a size"));
        assert!(refusal("0").contains("needs some memory"));
        assert!(refusal("99999999999999999999G").contains("expected a size"));
        assert!(refusal("17179869184T").contains("expected a size"));
    }
}
