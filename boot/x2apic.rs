//! x2APIC guests: when a run needs one, what it adds to QEMU's command
//! line, and which QEMU can give it.
//!
//! Design note: an xAPIC names a core in 8 bits and 0xff is "all cores", so
//! a guest whose cores have APIC ids above 254 — any `--smp` above 255, and
//! some sparse topologies below it — can only be run with x2APIC, whose ids
//! are 32 bits. QEMU's TCG offers x2APIC only on request (`-cpu
//! max,+x2apic`), and only the `q35` machine holds more than 255 cores
//! (`pc` stops at 255). The runner adds both itself when the topology needs
//! them, or when asked (`--x2apic`), so a user never has to know the
//! flags. Older QEMUs refuse either part in their own words after the
//! machine is half built; the runner asks the binary its version first
//! (`qemu-system-x86_64 --version`, a few milliseconds, and only for runs
//! that need x2APIC) and refuses with one sentence below
//! [`MIN_QEMU`]. QEMU 7.2 (Debian 12) rejects `+x2apic` under TCG; 9.0 is
//! the oldest release this project asks for (the kernel's x2APIC path was
//! tested with 10.0).

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::process::Command;

/// The oldest QEMU the runner starts an x2APIC guest with.
pub const MIN_QEMU: QemuVersion = QemuVersion { major: 9, minor: 0 };

/// The machine type an x2APIC guest needs (`pc` holds at most 255 cores).
pub const MACHINE: &str = "q35";

/// A QEMU release, as `--version` prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct QemuVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for QemuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl QemuVersion {
    /// The version in `--version`'s first line, e.g. `QEMU emulator version
    /// 10.0.2 (Debian 1:10.0.2+ds-2)`.
    pub fn parse(text: &str) -> Option<QemuVersion> {
        let rest = text.lines().next()?.split("version ").nth(1)?;
        let mut parts = rest.split(|c: char| !c.is_ascii_digit());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some(QemuVersion { major, minor })
    }

    /// Asks `program --version`. `None` if it cannot be run or prints no
    /// version (the caller then lets QEMU itself speak when it starts).
    pub fn probe(program: &OsStr) -> Option<QemuVersion> {
        let out = Command::new(program).arg("--version").output().ok()?;
        QemuVersion::parse(&String::from_utf8_lossy(&out.stdout))
    }
}

/// Why a run needs an x2APIC guest, for the refusal sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// `--x2apic` (or `Run::x2apic(true)`).
    Asked,
    /// The `--smp` topology gives a core an APIC id above 254.
    Smp { spec: String, max_apic_id: u32 },
}

/// A QEMU too old for the x2APIC guest a run needs; `Display` is one
/// sentence with the fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooOld {
    pub program: OsString,
    pub version: QemuVersion,
    pub why: Why,
}

impl fmt::Display for TooOld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.why {
            Why::Asked => write!(f, "--x2apic needs")?,
            Why::Smp { spec, max_apic_id } => write!(
                f,
                "--smp {spec} gives APIC ids up to {max_apic_id}, beyond the 254 an xAPIC can address, and so needs"
            )?,
        }
        write!(
            f,
            " an x2APIC guest on QEMU {MIN_QEMU} or newer, but {} is QEMU {}: give a newer one with --qemu PATH (.ci/get-qemu10 fetches QEMU 10 into target/qemu10/)",
            self.program.to_string_lossy(),
            self.version
        )
    }
}

impl std::error::Error for TooOld {}

/// Checks that `program` can run an x2APIC guest. A QEMU whose version
/// cannot be read passes: if it is missing, starting it says so.
pub fn check(program: &OsStr, why: Why) -> Result<(), TooOld> {
    match QemuVersion::probe(program) {
        Some(version) if version < MIN_QEMU => Err(TooOld {
            program: program.to_os_string(),
            version,
            why,
        }),
        _ => Ok(()),
    }
}

/// The CPU model with x2APIC added: `max` → `max,+x2apic`.
pub fn cpu_model(base: &str) -> String {
    format!("{base},+x2apic")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_the_first_line() {
        let v = |s| QemuVersion::parse(s);
        assert_eq!(
            v("QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-2+deb13u1~bpo12+1)\nCopyright"),
            Some(QemuVersion {
                major: 10,
                minor: 0
            })
        );
        assert_eq!(
            v("QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"),
            Some(QemuVersion { major: 7, minor: 2 })
        );
        assert_eq!(
            v("QEMU emulator version 9.0.0"),
            Some(QemuVersion { major: 9, minor: 0 })
        );
        assert_eq!(v("not qemu"), None);
        assert_eq!(v(""), None);
    }

    #[test]
    fn nine_point_oh_is_the_oldest_accepted() {
        assert!(QemuVersion { major: 8, minor: 2 } < MIN_QEMU);
        assert!(QemuVersion { major: 9, minor: 0 } >= MIN_QEMU);
        assert!(
            QemuVersion {
                major: 10,
                minor: 0
            } > MIN_QEMU
        );
    }

    #[test]
    fn refusals_are_one_sentence_naming_the_cause_and_the_fix() {
        let old = |why| TooOld {
            program: "qemu-system-x86_64".into(),
            version: QemuVersion { major: 7, minor: 2 },
            why,
        };
        let msg = old(Why::Smp {
            spec: "288".into(),
            max_apic_id: 287,
        })
        .to_string();
        assert_eq!(
            msg,
            "--smp 288 gives APIC ids up to 287, beyond the 254 an xAPIC can address, and so needs \
             an x2APIC guest on QEMU 9.0 or newer, but qemu-system-x86_64 is QEMU 7.2: give a newer \
             one with --qemu PATH (.ci/get-qemu10 fetches QEMU 10 into target/qemu10/)"
        );
        let msg = old(Why::Asked).to_string();
        assert!(
            msg.starts_with("--x2apic needs an x2APIC guest on QEMU 9.0"),
            "{msg}"
        );
        assert_eq!(msg.matches(". ").count(), 0, "one sentence: {msg}");
    }

    #[test]
    fn an_unreadable_version_is_left_to_qemu() {
        assert!(check(OsStr::new("/nonexistent/qemu"), Why::Asked).is_ok());
    }
}
