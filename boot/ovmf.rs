//! `--uefi`: finding OVMF (UEFI firmware for QEMU) and giving each run its
//! own copy of the firmware's variable store.
//!
//! Design note: OVMF is split into a read-only code image and a writable
//! variable store. The store is a template: UEFI writes boot entries into
//! it, so every run gets a fresh temporary copy — runs in parallel (the
//! tests) must not share one, and the installed template must stay
//! untouched. Distributions install the pair under different names; the
//! runner looks in the usual places and `GMP_OVMF_CODE` / `GMP_OVMF_VARS`
//! override the search.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Override for the firmware code image.
pub const CODE_ENV: &str = "GMP_OVMF_CODE";
/// Override for the variable store template (default: next to the code).
pub const VARS_ENV: &str = "GMP_OVMF_VARS";

/// Known (code, vars) pairs: Debian/Ubuntu (4M and 2M builds), Fedora,
/// Arch, QEMU's own edk2 build (Linux, Homebrew on Apple silicon and Intel).
const CANDIDATES: &[(&str, &str)] = &[
    (
        "/usr/share/OVMF/OVMF_CODE_4M.fd",
        "/usr/share/OVMF/OVMF_VARS_4M.fd",
    ),
    (
        "/usr/share/OVMF/OVMF_CODE.fd",
        "/usr/share/OVMF/OVMF_VARS.fd",
    ),
    (
        "/usr/share/edk2/ovmf/OVMF_CODE.fd",
        "/usr/share/edk2/ovmf/OVMF_VARS.fd",
    ),
    (
        "/usr/share/edk2/x64/OVMF_CODE.4m.fd",
        "/usr/share/edk2/x64/OVMF_VARS.4m.fd",
    ),
    (
        "/usr/share/edk2/x64/OVMF_CODE.fd",
        "/usr/share/edk2/x64/OVMF_VARS.fd",
    ),
    (
        "/usr/share/edk2-ovmf/x64/OVMF_CODE.fd",
        "/usr/share/edk2-ovmf/x64/OVMF_VARS.fd",
    ),
    (
        "/usr/share/qemu/edk2-x86_64-code.fd",
        "/usr/share/qemu/edk2-i386-vars.fd",
    ),
    (
        "/opt/homebrew/share/qemu/edk2-x86_64-code.fd",
        "/opt/homebrew/share/qemu/edk2-i386-vars.fd",
    ),
    (
        "/usr/local/share/qemu/edk2-x86_64-code.fd",
        "/usr/local/share/qemu/edk2-i386-vars.fd",
    ),
];

/// An installed OVMF: the code image and the variable store template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ovmf {
    pub code: PathBuf,
    pub vars: PathBuf,
}

/// Why no usable OVMF was found; `Display` is one sentence naming the
/// package to install.
#[derive(Debug)]
pub enum OvmfError {
    /// Nothing in the usual places and no override.
    NotFound,
    /// `GMP_OVMF_CODE` names a file that does not exist.
    BadOverride(PathBuf),
    /// The code image was found but no variable store next to it.
    NoVars(PathBuf),
    /// Copying the variable store failed.
    Copy(PathBuf, std::io::Error),
}

impl fmt::Display for OvmfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OvmfError::NotFound => write!(
                f,
                "--uefi needs OVMF (UEFI firmware for QEMU), which was not found: install it (sudo apt install ovmf, sudo dnf install edk2-ovmf, sudo pacman -S edk2-ovmf, or brew install qemu) or set {CODE_ENV} to its OVMF_CODE file"
            ),
            OvmfError::BadOverride(p) => {
                write!(f, "{CODE_ENV} names {}, which does not exist", p.display())
            }
            OvmfError::NoVars(p) => write!(
                f,
                "found the OVMF code image {} but no variable store beside it: set {VARS_ENV} to the matching OVMF_VARS file",
                p.display()
            ),
            OvmfError::Copy(p, e) => write!(
                f,
                "could not copy the OVMF variable store {} to a temporary file: {e}",
                p.display()
            ),
        }
    }
}

impl std::error::Error for OvmfError {}

impl Ovmf {
    /// Looks for OVMF: the environment overrides first, then the usual
    /// install paths.
    pub fn find() -> Result<Ovmf, OvmfError> {
        if let Some(code) = std::env::var_os(CODE_ENV) {
            let code = PathBuf::from(code);
            if !code.is_file() {
                return Err(OvmfError::BadOverride(code));
            }
            let vars = match std::env::var_os(VARS_ENV) {
                Some(v) => Some(PathBuf::from(v)),
                None => vars_beside(&code),
            };
            return match vars {
                Some(vars) if vars.is_file() => Ok(Ovmf { code, vars }),
                _ => Err(OvmfError::NoVars(code)),
            };
        }
        CANDIDATES
            .iter()
            .map(|(c, v)| (Path::new(c), Path::new(v)))
            .find(|(c, v)| c.is_file() && v.is_file())
            .map(|(c, v)| Ovmf {
                code: c.to_path_buf(),
                vars: v.to_path_buf(),
            })
            .ok_or(OvmfError::NotFound)
    }

    /// A fresh copy of the variable store for one run, deleted on drop.
    pub fn vars_copy(&self) -> Result<TempFile, OvmfError> {
        TempFile::copy_of(&self.vars).map_err(|e| OvmfError::Copy(self.vars.clone(), e))
    }
}

/// `OVMF_CODE_4M.fd` -> `OVMF_VARS_4M.fd`, `edk2-x86_64-code.fd` ->
/// `edk2-i386-vars.fd`: the usual sibling names.
fn vars_beside(code: &Path) -> Option<PathBuf> {
    let name = code.file_name()?.to_str()?;
    let guesses = [
        name.replace("CODE", "VARS"),
        name.replace("code", "vars"),
        name.replace("x86_64-code", "i386-vars"),
    ];
    guesses
        .into_iter()
        .filter(|g| g != name)
        .map(|g| code.with_file_name(g))
        .find(|p| p.is_file())
}

/// A file in the temporary directory that is removed when dropped.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Copies `src` to a new, uniquely named temporary file.
    pub fn copy_of(src: &Path) -> std::io::Result<TempFile> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir();
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("gmp-metal-ovmf-vars-{}-{n}.fd", std::process::id()));
            // create_new: never reuse a file another process made.
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut dst) => {
                    let file = TempFile { path };
                    std::io::copy(&mut fs::File::open(src)?, &mut dst)?;
                    return Ok(file);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vars_are_found_beside_code_under_each_naming_scheme() {
        let dir = std::env::temp_dir().join(format!("gmp-ovmf-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for (code, vars) in [
            ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd"),
            ("OVMF_CODE.4m.fd", "OVMF_VARS.4m.fd"),
            ("edk2-x86_64-code.fd", "edk2-i386-vars.fd"),
        ] {
            fs::write(dir.join(code), b"code").unwrap();
            assert_eq!(vars_beside(&dir.join(code)), None, "{vars} not yet there");
            fs::write(dir.join(vars), b"vars").unwrap();
            assert_eq!(vars_beside(&dir.join(code)), Some(dir.join(vars)));
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_vars_copy_is_private_and_removed_on_drop() {
        let src = std::env::temp_dir().join(format!("gmp-ovmf-src-{}", std::process::id()));
        fs::write(&src, b"template").unwrap();
        let ovmf = Ovmf {
            code: src.clone(),
            vars: src.clone(),
        };
        let a = ovmf.vars_copy().unwrap();
        let b = ovmf.vars_copy().unwrap();
        assert_ne!(a.path(), b.path());
        assert_eq!(fs::read(a.path()).unwrap(), b"template");
        let kept = a.path().to_path_buf();
        drop(a);
        assert!(!kept.exists());
        assert!(b.path().exists());
        fs::remove_file(&src).unwrap();
    }
}
