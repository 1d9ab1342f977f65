//! The runner's exit statuses, and the QEMU statuses they come from.
//!
//! Design note: the kernel reports through QEMU's `isa-debug-exit` device,
//! which exits with `(value << 1) | 1`, so "success" and "failure" are 33
//! and 35 and a plain 0 or 1 from QEMU means something else happened (a
//! triple fault turned into an exit by `-no-reboot`, or a QEMU error). The
//! runner folds this into statuses a shell script can test, with 124 for a
//! timeout as timeout(1) does. One table feeds `--help` and the README test.

/// The kernel reported success.
pub const SUCCESS: i32 = 0;
/// The kernel reported failure (a panic, a refused boot option, a failed
/// check).
pub const FAILURE: i32 = 1;
/// The runner refused to start: a bad option, a bad boot option, or QEMU,
/// OVMF or KVM missing. (clap's usage errors use 2 as well.)
pub const USAGE: i32 = 2;
/// QEMU ended without the kernel reporting success or failure.
pub const QEMU_OTHER: i32 = 3;
/// The run hit `--timeout` and QEMU was killed.
pub const TIMEOUT: i32 = 124;

/// QEMU's status when the kernel writes 0x10 to the exit port.
pub const QEMU_SUCCESS: i32 = 33;
/// QEMU's status when the kernel writes 0x11 to the exit port.
pub const QEMU_FAILURE: i32 = 35;

/// Every exit status with its meaning, for `--help` and the README.
pub const STATUSES: &[(i32, &str)] = &[
    (SUCCESS, "the kernel reported success (QEMU exit status 33)"),
    (
        FAILURE,
        "the kernel reported failure: a panic, a refused boot option or a failed check (QEMU exit status 35)",
    ),
    (
        USAGE,
        "nothing was run: a bad runner option, a bad boot option, or QEMU, OVMF or KVM missing",
    ),
    (
        QEMU_OTHER,
        "QEMU ended without the kernel reporting success or failure (a triple fault, a QEMU error, a signal)",
    ),
    (TIMEOUT, "the run hit --timeout and QEMU was killed"),
];
