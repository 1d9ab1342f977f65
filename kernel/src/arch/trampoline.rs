//! The real-mode trampoline that takes an application processor from reset
//! to 64-bit Rust.
//!
//! A started AP begins in 16-bit real mode at `page << 12` with `CS = page <<
//! 8`. The bootstrap core copies this blob to a usable page below 1 MiB
//! (chosen from the memory map), patches the fields below, and sends
//! INIT–SIPI–SIPI. The AP then: loads the blob's GDT, enters protected mode,
//! enables PAE, loads a *copy* of the kernel's PML4 that lives below 4 GiB
//! (32-bit code cannot load a higher CR3), sets EFER.LME and NXE (the kernel's
//! tables use the NX bit), enables paging and jumps to 64-bit code, which
//! switches to the kernel's real CR3, takes its stack and calls its entry.
//! The blob's page is identity-mapped in the kernel's tables while APs start,
//! so the code keeps running across the CR3 switch.
//!
//! All addresses inside the blob are offsets from its start, so it is
//! position-independent; `%ebx`/`%rbx` holds the blob's linear base from
//! real mode on.
//!
//! Register contract of the 64-bit exit: RSP = `tr_stack` (16-byte aligned),
//! RDI = `tr_arg`, RBP = 0, interrupts off, then `call *tr_entry`; the entry
//! never returns (a `ud2` follows just in case).

core::arch::global_asm!(
    r#"
    .section .rodata.gmp_trampoline, "a"
    .balign 16
    .global gmp_trampoline_start
gmp_trampoline_start:
    .code16
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    xorl %ebx, %ebx
    movw %ax, %bx
    shll $4, %ebx
    lgdtl (gmp_tr_gdtr - gmp_trampoline_start)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl *(gmp_tr_far32 - gmp_trampoline_start)

    .code32
gmp_tr_pm:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $(1 << 5), %eax
    movl %eax, %cr4
    movl (gmp_tr_low_cr3 - gmp_trampoline_start)(%ebx), %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $((1 << 8) | (1 << 11)), %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80010000, %eax
    movl %eax, %cr0
    ljmpl *(gmp_tr_far64 - gmp_trampoline_start)(%ebx)

    .code64
gmp_tr_lm:
    movl %ebx, %ebx
    movq (gmp_tr_cr3 - gmp_trampoline_start)(%rbx), %rax
    movq %rax, %cr3
    movq (gmp_tr_stack - gmp_trampoline_start)(%rbx), %rsp
    movq (gmp_tr_arg - gmp_trampoline_start)(%rbx), %rdi
    movq (gmp_tr_entry - gmp_trampoline_start)(%rbx), %rax
    xorl %ebp, %ebp
    call *%rax
    ud2

    .balign 8
gmp_tr_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
gmp_tr_gdt_end:
    .global gmp_tr_gdtr
gmp_tr_gdtr:
    .word gmp_tr_gdt_end - gmp_tr_gdt - 1
    .long 0
    .global gmp_tr_far32
gmp_tr_far32:
    .long 0
    .word 0x08
    .global gmp_tr_far64
gmp_tr_far64:
    .long 0
    .word 0x18
    .balign 8
    .global gmp_tr_low_cr3
gmp_tr_low_cr3: .quad 0
    .global gmp_tr_cr3
gmp_tr_cr3: .quad 0
    .global gmp_tr_stack
gmp_tr_stack: .quad 0
    .global gmp_tr_arg
gmp_tr_arg: .quad 0
    .global gmp_tr_entry
gmp_tr_entry: .quad 0
    .global gmp_tr_labels
gmp_tr_labels:
    .quad gmp_tr_gdt - gmp_trampoline_start
    .quad gmp_tr_pm - gmp_trampoline_start
    .quad gmp_tr_lm - gmp_trampoline_start
    .global gmp_trampoline_end
gmp_trampoline_end:
    .text
    "#,
    options(att_syntax)
);

unsafe extern "C" {
    static gmp_trampoline_start: u8;
    static gmp_trampoline_end: u8;
    static gmp_tr_gdtr: u8;
    static gmp_tr_far32: u8;
    static gmp_tr_far64: u8;
    static gmp_tr_low_cr3: u8;
    static gmp_tr_cr3: u8;
    static gmp_tr_stack: u8;
    static gmp_tr_arg: u8;
    static gmp_tr_entry: u8;
    static gmp_tr_labels: [u64; 3];
}

fn offset_of(sym: *const u8) -> usize {
    sym as usize - core::ptr::addr_of!(gmp_trampoline_start) as usize
}

/// The trampoline code and data, ready to copy.
pub fn blob() -> &'static [u8] {
    let start = core::ptr::addr_of!(gmp_trampoline_start);
    let len = core::ptr::addr_of!(gmp_trampoline_end) as usize - start as usize;
    // SAFETY: both symbols delimit the trampoline in .rodata.
    unsafe { core::slice::from_raw_parts(start, len) }
}

/// Fill in the position-dependent fields of a copy at linear address `base`
/// (the copy is reached through `copy`, a writable mapping of it).
///
/// # Safety
/// `copy` must point at a writable copy of [`blob`].
pub unsafe fn patch_base(copy: *mut u8, base: u32) {
    // SAFETY: gmp_tr_labels is three u64s in .rodata.
    let [gdt, pm, lm] = unsafe { core::ptr::read(core::ptr::addr_of!(gmp_tr_labels)) };
    // SAFETY: every offset lies inside the copy (the caller's guarantee);
    // unaligned writes because the fields are packed.
    unsafe {
        copy.add(offset_of(core::ptr::addr_of!(gmp_tr_gdtr)) + 2)
            .cast::<u32>()
            .write_unaligned(base + gdt as u32);
        copy.add(offset_of(core::ptr::addr_of!(gmp_tr_far32)))
            .cast::<u32>()
            .write_unaligned(base + pm as u32);
        copy.add(offset_of(core::ptr::addr_of!(gmp_tr_far64)))
            .cast::<u32>()
            .write_unaligned(base + lm as u32);
    }
}

/// What one AP needs from the trampoline.
pub struct ApBoot {
    /// PML4 copy below 4 GiB for the 32-bit → 64-bit switch.
    pub low_cr3: u64,
    /// The kernel's real CR3.
    pub cr3: u64,
    /// Initial stack pointer (16-byte aligned).
    pub stack_top: u64,
    /// First argument to `entry`.
    pub arg: u64,
    /// 64-bit entry point.
    pub entry: u64,
}

/// Write the per-AP fields into the copy.
///
/// # Safety
/// `copy` must point at a writable copy of [`blob`] that no AP is reading.
pub unsafe fn patch_ap(copy: *mut u8, ap: &ApBoot) {
    let fields = [
        (core::ptr::addr_of!(gmp_tr_low_cr3), ap.low_cr3),
        (core::ptr::addr_of!(gmp_tr_cr3), ap.cr3),
        (core::ptr::addr_of!(gmp_tr_stack), ap.stack_top),
        (core::ptr::addr_of!(gmp_tr_arg), ap.arg),
        (core::ptr::addr_of!(gmp_tr_entry), ap.entry),
    ];
    for (sym, value) in fields {
        // SAFETY: each field is an 8-byte slot inside the copy; volatile so
        // the writes are not reordered past the IPI that starts the AP.
        unsafe { core::ptr::write_volatile(copy.add(offset_of(sym)).cast::<u64>(), value) };
    }
}
