//! The real-mode trampoline that takes application processors from reset
//! to 64-bit Rust — all of them at once.
//!
//! A started AP begins in 16-bit real mode at `page << 12` with `CS = page <<
//! 8`. The bootstrap core copies this blob to a usable page below 1 MiB
//! (chosen from the memory map), patches the fields below, and sends
//! INIT–SIPI–SIPI. The AP then: loads the blob's GDT, enters protected mode,
//! enables PAE, loads a *copy* of the kernel's PML4 that lives below 4 GiB
//! (32-bit code cannot load a higher CR3), sets EFER.LME and NXE (the kernel's
//! tables use the NX bit), enables paging and jumps to 64-bit code, which
//! switches to the kernel's real CR3, finds its own slot (stack and argument)
//! and calls its entry. The blob's page is identity-mapped in the kernel's
//! tables while APs start, so the code keeps running across the CR3 switch.
//!
//! Design note — why every AP can run this at the same time: nothing here
//! writes memory or uses a stack until the AP has its own. The blob's
//! fields are the same for every AP; what differs (the g0 stack and the
//! record handed to the entry) sits in a table of [`ApSlot`]s, one per AP,
//! which each AP searches for its own APIC id. It learns that id from
//! CPUID (leaf 0xB's EDX is the full 32-bit x2APIC id; leaf 1's EBX[31:24]
//! the 8-bit xAPIC id), so it needs no APIC access and no help from the
//! bootstrap core — the way Linux's parallel bring-up finds each CPU's
//! stack. An AP whose id is not in the table halts with interrupts off.
//!
//! All addresses inside the blob are offsets from its start, so it is
//! position-independent; `%ebx`/`%rbx` holds the blob's linear base from
//! real mode until the 64-bit code moves it to `%r12` (CPUID overwrites
//! `%rbx`).
//!
//! Register contract of the 64-bit exit: RSP = the slot's `stack_top`
//! (16-byte aligned), RDI = the slot's `arg`, RBP = 0, interrupts off, then
//! `call *tr_entry`; the entry never returns (a `ud2` follows just in case).
//! RAX, RBX, RCX, RDX, RSI and R12 hold leftovers of the search.

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
    movl %ebx, %r12d
    movq (gmp_tr_cr3 - gmp_trampoline_start)(%r12), %rax
    movq %rax, %cr3
    # This core's APIC id, from the CPUID leaf the bootstrap core chose.
    movl (gmp_tr_id_leaf - gmp_trampoline_start)(%r12), %eax
    xorl %ecx, %ecx
    cpuid
    cmpl $1, (gmp_tr_id_leaf - gmp_trampoline_start)(%r12)
    jne 1f
    shrl $24, %ebx
    movl %ebx, %edx
1:
    # Find the slot with that id: RSI walks the table, RCX counts down.
    movq (gmp_tr_table - gmp_trampoline_start)(%r12), %rsi
    movq (gmp_tr_count - gmp_trampoline_start)(%r12), %rcx
2:
    testq %rcx, %rcx
    jz 4f
    cmpl %edx, (%rsi)
    je 3f
    addq $24, %rsi
    decq %rcx
    jmp 2b
3:
    movq 8(%rsi), %rsp
    movq 16(%rsi), %rdi
    movq (gmp_tr_entry - gmp_trampoline_start)(%r12), %rax
    xorl %ebp, %ebp
    call *%rax
    ud2
4:
    # Not a core the kernel starts: stay halted.
    cli
    hlt
    jmp 4b

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
    .global gmp_tr_table
gmp_tr_table: .quad 0
    .global gmp_tr_count
gmp_tr_count: .quad 0
    .global gmp_tr_entry
gmp_tr_entry: .quad 0
    .global gmp_tr_id_leaf
gmp_tr_id_leaf: .quad 0
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
    static gmp_tr_table: u8;
    static gmp_tr_count: u8;
    static gmp_tr_entry: u8;
    static gmp_tr_id_leaf: u8;
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

/// One AP's slot in the table the trampoline searches. The layout is the
/// trampoline's: `apic_id` at 0, `stack_top` at 8, `arg` at 16, 24 bytes.
#[repr(C)]
pub struct ApSlot {
    /// The APIC id of the core this slot is for, as CPUID reports it.
    pub apic_id: u32,
    _pad: u32,
    /// Its initial stack pointer (16-byte aligned).
    pub stack_top: u64,
    /// First argument to the entry.
    pub arg: u64,
}

const _: () = {
    assert!(core::mem::offset_of!(ApSlot, apic_id) == 0);
    assert!(core::mem::offset_of!(ApSlot, stack_top) == 8);
    assert!(core::mem::offset_of!(ApSlot, arg) == 16);
    assert!(core::mem::size_of::<ApSlot>() == 24);
};

impl ApSlot {
    pub fn new(apic_id: u32, stack_top: u64, arg: u64) -> ApSlot {
        ApSlot {
            apic_id,
            _pad: 0,
            stack_top,
            arg,
        }
    }
}

/// Which CPUID leaf tells an AP its APIC id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdLeaf {
    /// Leaf 1, EBX[31:24]: the 8-bit initial APIC id (xAPIC mode).
    Basic = 1,
    /// Leaf 0xB, EDX: the 32-bit x2APIC id.
    Topology = 0xb,
}

/// What every AP needs from the trampoline.
pub struct ApBoot<'a> {
    /// PML4 copy below 4 GiB for the 32-bit → 64-bit switch.
    pub low_cr3: u64,
    /// The kernel's real CR3.
    pub cr3: u64,
    /// One slot per AP; must stay in place until every AP has left the
    /// trampoline (or been sent INIT again).
    pub slots: &'a [ApSlot],
    /// 64-bit entry point.
    pub entry: u64,
    /// Where each AP reads its APIC id.
    pub id_leaf: IdLeaf,
}

/// Write the shared fields into the copy.
///
/// # Safety
/// `copy` must point at a writable copy of [`blob`] that no AP is reading.
pub unsafe fn patch_aps(copy: *mut u8, ap: &ApBoot<'_>) {
    let fields = [
        (core::ptr::addr_of!(gmp_tr_low_cr3), ap.low_cr3),
        (core::ptr::addr_of!(gmp_tr_cr3), ap.cr3),
        (core::ptr::addr_of!(gmp_tr_table), ap.slots.as_ptr() as u64),
        (core::ptr::addr_of!(gmp_tr_count), ap.slots.len() as u64),
        (core::ptr::addr_of!(gmp_tr_entry), ap.entry),
        (core::ptr::addr_of!(gmp_tr_id_leaf), ap.id_leaf as u64),
    ];
    for (sym, value) in fields {
        // SAFETY: each field is an 8-byte slot inside the copy; volatile so
        // the writes are not reordered past the IPIs that start the APs.
        unsafe { core::ptr::write_volatile(copy.add(offset_of(sym)).cast::<u64>(), value) };
    }
}
