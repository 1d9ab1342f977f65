//! `--gdb`: QEMU waits for a debugger, and the runner says how to attach.
//!
//! Design note: the kernel is a position-independent ELF linked at 0; its
//! boot configuration pins the bootloader's relocation to
//! [`gmp_sched::layout::KERNEL_BASE`], so the hint can tell gdb that exact
//! offset on every CPU model and accelerator. It recommends hardware
//! breakpoints: when QEMU starts, the kernel is not in memory yet, and a
//! software breakpoint written there is overwritten when the bootloader
//! copies the kernel in. The command also loads `gdb/gmp.py`, the
//! goroutine-aware commands, from this checkout.

use crate::accel::Accel;

/// The port of QEMU's gdb stub (`-s` = `-gdb tcp::1234`).
pub const GDB_PORT: u16 = 1234;

/// Where the bootloader puts the kernel, for `symbol-file -o`.
pub fn kernel_load_offset(_accel: Accel) -> u64 {
    gmp_sched::layout::KERNEL_BASE
}

/// gdb's goroutine commands (`info goroutines`, `goroutine N bt`, ...),
/// in this checkout.
pub const GMP_PY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/gdb/gmp.py");

/// The gdb command line that attaches to the waiting QEMU, with the
/// kernel's symbols and gdb/gmp.py loaded; with `stop_at`, it also breaks
/// at `gmp_stop_at` (boot option `stopat=N`) and runs there.
pub fn command(elf: &str, accel: Accel, stop_at: bool) -> String {
    let cmd = command_with(elf, accel, GMP_PY);
    if stop_at {
        format!("{cmd} -ex 'hbreak gmp_stop_at' -ex 'continue'")
    } else {
        cmd
    }
}

fn command_with(elf: &str, accel: Accel, gmp_py: &str) -> String {
    format!(
        "gdb -ex 'symbol-file -o {:#x} {elf}' -x '{gmp_py}' -ex 'target remote :{GDB_PORT}'",
        kernel_load_offset(accel)
    )
}

/// What `--gdb` prints before QEMU starts.
pub fn hint(elf: &str, accel: Accel, stop_at: bool) -> String {
    format!(
        "gdb: QEMU is stopped before the first instruction, waiting for a debugger on localhost:{GDB_PORT}; attach with\n\
         \n    {}\n\n\
         gdb: the bootloader loads the kernel high, at {:#x} (symbol-file -o moves the symbols there); \
         use hardware breakpoints, e.g. `hbreak gmp_kernel::boot::kmain` then `continue`, \
         because the kernel is copied into memory after QEMU starts and would overwrite software breakpoints. \
         gdb/gmp.py adds `info goroutines`, `goroutine N bt`, `info ps`, `info ms`, `info runq P` and `info globrunq`.",
        command(elf, accel, stop_at),
        kernel_load_offset(accel)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_the_elf_the_offset_and_the_stub() {
        assert_eq!(
            command_with("/k.elf", Accel::Tcg, "/r/gdb/gmp.py"),
            "gdb -ex 'symbol-file -o 0xffffffff80000000 /k.elf' -x '/r/gdb/gmp.py' -ex 'target remote :1234'"
        );
        assert!(hint("/k.elf", Accel::Tcg, false).contains("hbreak"));
        assert!(hint("/k.elf", Accel::Tcg, false).contains("info goroutines"));
        assert!(
            hint("/k.elf", Accel::Tcg, true).contains("-ex 'hbreak gmp_stop_at' -ex 'continue'")
        );
        assert!(std::path::Path::new(GMP_PY).is_file(), "{GMP_PY}");
    }
}
