//! Why a run could not start.
//!
//! Design note: every refusal happens before QEMU starts and is one
//! sentence that names the option or the missing piece and says how to fix
//! it; the binary prints it after `error: ` and exits with status 2. The
//! variants keep the typed errors of the checks they come from, so tests
//! can tell them apart without matching on text.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use crate::accel::KvmError;
use crate::bootopts::BootOptionError;
use crate::exit;
use crate::memory::MemoryError;
use crate::ovmf::OvmfError;
use crate::smp::SmpError;
use crate::x2apic::TooOld;

/// A run that did not start.
#[derive(Debug)]
pub enum RunError {
    /// `--smp` was refused.
    Smp(SmpError),
    /// `--memory` was refused.
    Memory(MemoryError),
    /// A kernel boot option was refused by the kernel's own parser.
    BootOption(BootOptionError),
    /// `--accel kvm` cannot be used on this host.
    Kvm(KvmError),
    /// `--uefi` found no usable OVMF.
    Ovmf(OvmfError),
    /// Two options that cannot be combined.
    Conflict(String),
    /// The guest needs x2APIC and the QEMU binary is too old for it.
    QemuTooOld(TooOld),
    /// The QEMU binary does not exist.
    QemuNotFound { program: OsString },
    /// The QEMU binary exists but could not be started.
    QemuSpawn {
        program: OsString,
        source: std::io::Error,
    },
    /// The boot image the build produced is gone.
    ImageMissing(PathBuf),
    /// `--trace`'s directory could not be created or cleared.
    TraceDir {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl RunError {
    /// The runner's exit status for this error (always [`exit::USAGE`]).
    pub fn exit_code(&self) -> i32 {
        exit::USAGE
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Smp(e) => e.fmt(f),
            RunError::Memory(e) => e.fmt(f),
            RunError::BootOption(e) => e.fmt(f),
            RunError::Kvm(e) => e.fmt(f),
            RunError::Ovmf(e) => e.fmt(f),
            RunError::Conflict(why) => f.write_str(why),
            RunError::QemuTooOld(e) => e.fmt(f),
            RunError::QemuNotFound { program } => write!(
                f,
                "QEMU ({}) was not found: install it with `sudo apt install qemu-system-x86` (Debian/Ubuntu), `sudo dnf install qemu-system-x86` (Fedora) or `brew install qemu` (macOS), or give its path with --qemu PATH (or GMP_QEMU)",
                program.to_string_lossy()
            ),
            RunError::QemuSpawn { program, source } => write!(
                f,
                "could not start QEMU ({}): {source}",
                program.to_string_lossy()
            ),
            RunError::ImageMissing(p) => write!(
                f,
                "the boot image {} is missing: rebuild with `cargo build`",
                p.display()
            ),
            RunError::TraceDir { dir, source } => write!(
                f,
                "could not prepare the trace directory {}: {source}; give another with --trace=DIR",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::QemuSpawn { source, .. } | RunError::TraceDir { source, .. } => Some(source),
            _ => None,
        }
    }
}
