//! QEMU's fw_cfg device: how boot options reach the kernel without
//! rebuilding the image.
//!
//! The runner passes `-fw_cfg name=opt/gmp-metal/cmdline,string=...`; the
//! kernel finds that file in fw_cfg's directory and reads it through the
//! selector (0x510) and data (0x511) I/O ports. Without QEMU (or without the
//! file) there are simply no options.

use alloc::string::String;
use alloc::vec::Vec;

use x86_64::instructions::port::Port;

const SELECTOR: u16 = 0x510;
const DATA: u16 = 0x511;
const KEY_SIGNATURE: u16 = 0x0000;
const KEY_FILE_DIR: u16 = 0x0019;

/// The fw_cfg file holding the kernel's boot options (named once, in the
/// options parser the runner shares).
pub const CMDLINE_FILE: &str = gmp_sched::options::FW_CFG_FILE;

fn select(key: u16) {
    // SAFETY: 0x510 is fw_cfg's selector port; selecting has no other effect.
    unsafe { Port::<u16>::new(SELECTOR).write(key) };
}

fn read_bytes(buf: &mut [u8]) {
    let mut data = Port::<u8>::new(DATA);
    for b in buf {
        // SAFETY: 0x511 is fw_cfg's data port; each read advances the offset.
        *b = unsafe { data.read() };
    }
}

fn read_be32() -> u32 {
    let mut b = [0; 4];
    read_bytes(&mut b);
    u32::from_be_bytes(b)
}

/// Whether a fw_cfg device answers with QEMU's signature.
pub fn present() -> bool {
    select(KEY_SIGNATURE);
    let mut sig = [0; 4];
    read_bytes(&mut sig);
    &sig == b"QEMU"
}

/// Read the fw_cfg file `name`, if present.
pub fn read_file(name: &str) -> Option<Vec<u8>> {
    if !present() {
        return None;
    }
    select(KEY_FILE_DIR);
    let count = read_be32();
    for _ in 0..count {
        let size = read_be32();
        let mut sel = [0; 2];
        read_bytes(&mut sel);
        let mut reserved = [0; 2];
        read_bytes(&mut reserved);
        let mut raw_name = [0u8; 56];
        read_bytes(&mut raw_name);
        let len = raw_name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(raw_name.len());
        if &raw_name[..len] == name.as_bytes() {
            select(u16::from_be_bytes(sel));
            let mut contents = alloc::vec![0; size as usize];
            read_bytes(&mut contents);
            return Some(contents);
        }
    }
    None
}

/// The boot-option string, or empty when none was given.
pub fn boot_cmdline() -> String {
    match read_file(CMDLINE_FILE) {
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            String::from(text.trim_end_matches('\0'))
        }
        None => String::new(),
    }
}
