//! Builds the boot images from the kernel ELF (an artifact dependency).
//!
//! The images carry a copy of the kernel without debug info: the BIOS
//! bootloader reads the kernel file through BIOS disk calls, which under TCG
//! cost about 5 s per MiB, and debug info is ~90% of the ELF. gdb gets the
//! unstripped ELF (`GMP_KERNEL_ELF`); the code is byte-identical.
use bootloader::{BootConfig, DiskImageBuilder};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `kernel` without debug sections, written to `out` with llvm-objcopy
/// from the `llvm-tools` component; the kernel itself if that fails.
fn strip_debug(kernel: &Path, out: &Path) -> PathBuf {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok());
    let host = std::env::var("HOST").unwrap_or_default();
    let stripped = out.join("gmp-kernel-stripped");
    if let Some(sysroot) = sysroot {
        let objcopy = Path::new(sysroot.trim())
            .join("lib/rustlib")
            .join(host)
            .join("bin/llvm-objcopy");
        let ok = Command::new(&objcopy)
            .arg("--strip-debug")
            .arg(kernel)
            .arg(&stripped)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return stripped;
        }
    }
    println!(
        "cargo:warning=llvm-objcopy (rustup component llvm-tools) failed; the boot images carry the kernel's debug info and boot slower"
    );
    kernel.to_path_buf()
}

fn main() {
    let kernel = PathBuf::from(
        std::env::var_os("CARGO_BIN_FILE_GMP_KERNEL_gmp-kernel").expect("kernel artifact"),
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let mut config = BootConfig::default();
    config.frame_buffer_logging = false;
    config.serial_logging = true;
    // Keep the console for the kernel: only bootloader warnings and errors.
    config.log_level = bootloader_boot_config::LevelFilter::Warn;
    let mut builder = DiskImageBuilder::new(strip_debug(&kernel, &out));
    builder.set_boot_config(&config);
    let bios = out.join("gmp-metal-bios.img");
    let uefi = out.join("gmp-metal-uefi.img");
    builder.create_bios_image(&bios).expect("BIOS image");
    builder.create_uefi_image(&uefi).expect("UEFI image");
    println!("cargo:rustc-env=GMP_BIOS_IMAGE={}", bios.display());
    println!("cargo:rustc-env=GMP_UEFI_IMAGE={}", uefi.display());
    println!("cargo:rustc-env=GMP_KERNEL_ELF={}", kernel.display());
}
