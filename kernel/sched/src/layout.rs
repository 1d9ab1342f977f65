//! Addresses the kernel and the runner must agree on.

/// Where the bootloader relocates the (position-independent) kernel: the
/// top 2 GiB, PML4 slot 511, the classic higher-half kernel address. Pinned
/// rather than left to the bootloader (which would pick the first free 512
/// GiB slot, different for AMD and Intel CPU models) so that `--gdb` can
/// tell gdb the exact load offset (`symbol-file -o`).
pub const KERNEL_BASE: u64 = 0xffff_ffff_8000_0000;
