//! `--accel tcg|kvm`: which QEMU accelerator runs the guest.
//!
//! Design note: TCG (QEMU's software emulator) is the default and is never
//! replaced silently, because `/dev/kvm` existing says nothing about speed:
//! on a host that is itself a VM, KVM may be paravirtual and far slower than
//! TCG. KVM is used only when asked for, after checking that the device can
//! be opened read/write, so a missing module or a missing group membership
//! is one sentence on the host rather than a QEMU error.

use std::fmt;
use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::path::PathBuf;

/// Hidden override of the KVM device path, for tests that need a missing or
/// inaccessible device.
pub const KVM_DEVICE_ENV: &str = "GMP_KVM_DEVICE";

/// The QEMU accelerator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Accel {
    /// QEMU's software emulator, one host thread per core (the default).
    #[default]
    Tcg,
    /// Hardware virtualisation through /dev/kvm (Linux hosts with VT-x/AMD-V).
    Kvm,
}

impl Accel {
    /// The `-accel` and `-cpu` arguments. `icount` needs single-threaded
    /// TCG, and no x2APIC unless asked for: QEMU 9+'s `-cpu max` offers
    /// x2APIC, whose MSR accesses abort QEMU under `-icount` ("Bad icount
    /// read", seen with QEMU 10 in `test-pause`); the xAPIC's MMIO is fine.
    pub fn qemu_args(self, icount: bool) -> [&'static str; 4] {
        match (self, icount) {
            (Accel::Tcg, false) => ["-accel", "tcg,thread=multi", "-cpu", "max"],
            (Accel::Tcg, true) => ["-accel", "tcg,thread=single", "-cpu", "max,-x2apic"],
            (Accel::Kvm, _) => ["-accel", "kvm", "-cpu", "host"],
        }
    }

    /// Checks that this accelerator can be used on this host.
    pub fn check(self) -> Result<(), KvmError> {
        match self {
            Accel::Tcg => Ok(()),
            Accel::Kvm => check_kvm(),
        }
    }
}

impl fmt::Display for Accel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        })
    }
}

/// Why `--accel kvm` cannot be used; `Display` is one sentence with the fix.
#[derive(Debug)]
pub enum KvmError {
    /// The device does not exist (no KVM module, or no virtualisation).
    Missing(PathBuf),
    /// The device exists but cannot be opened read/write.
    Denied(PathBuf),
    /// Any other failure to open it.
    Other(PathBuf, std::io::Error),
}

impl fmt::Display for KvmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tcg = "or leave out --accel to use TCG, the default";
        match self {
            KvmError::Missing(p) => write!(
                f,
                "--accel kvm needs {}, which does not exist: enable hardware virtualisation (VT-x/AMD-V) in the firmware and load the KVM module (sudo modprobe kvm_intel, or kvm_amd), {tcg}",
                p.display()
            ),
            KvmError::Denied(p) => write!(
                f,
                "--accel kvm needs read/write access to {}, which was denied: add yourself to its group (sudo usermod -aG kvm $USER, then log in again), {tcg}",
                p.display()
            ),
            KvmError::Other(p, e) => {
                write!(f, "--accel kvm could not open {} ({e}), {tcg}", p.display())
            }
        }
    }
}

impl std::error::Error for KvmError {}

fn check_kvm() -> Result<(), KvmError> {
    let path = PathBuf::from(std::env::var_os(KVM_DEVICE_ENV).unwrap_or_else(|| "/dev/kvm".into()));
    match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Err(KvmError::Missing(path)),
        Err(e) if e.kind() == ErrorKind::PermissionDenied => Err(KvmError::Denied(path)),
        Err(e) => Err(KvmError::Other(path, e)),
    }
}
