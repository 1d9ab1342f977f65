//! The QEMU command line for one run.
//!
//! Design note: every flag has one reason, written next to it. The serial
//! port is QEMU's stdout (a pipe the runner reads line by line), nothing is
//! displayed, and `-no-reboot` turns a triple fault into an exit instead of
//! a silent reboot loop. The kernel reports success or failure through
//! `isa-debug-exit`. The boot image is shared read-only between runs.
//! Values that QEMU splits at commas (file names, the
//! boot option string) have their commas doubled.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::Path;

use crate::accel::Accel;
use crate::bootopts;
use crate::memory::Memory;
use crate::smp::Smp;
use crate::x2apic;

/// Where the kernel's exit port lives (see `kernel/src/exit.rs`).
pub const DEBUG_EXIT_DEVICE: &str = "isa-debug-exit,iobase=0xf4,iosize=0x04";

/// The RTC under `--icount`: the virtual clock, starting at a fixed date.
pub const RTC_UNDER_ICOUNT: &str = "clock=vm,base=2026-01-01T00:00:00";

/// A program and its arguments, printable as a shell command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QemuCommand {
    pub program: OsString,
    pub args: Vec<OsString>,
}

/// Everything that decides the command line, already validated.
#[derive(Debug)]
pub struct Machine<'a> {
    pub program: &'a OsStr,
    pub image: &'a Path,
    /// OVMF code image and this run's variable store copy (UEFI only).
    pub pflash: Option<(&'a Path, &'a Path)>,
    pub smp: &'a Smp,
    pub memory: Memory,
    pub accel: Accel,
    /// An x2APIC guest: `-machine q35` and `+x2apic` on the CPU model.
    pub x2apic: bool,
    pub icount: bool,
    pub gdb: bool,
    pub boot_string: Option<&'a str>,
    /// With `--trace`: the file COM2 (the kernel's trace dump) goes to.
    pub trace_file: Option<&'a Path>,
    pub extra: &'a [OsString],
}

impl QemuCommand {
    /// The command line for `m`.
    pub fn new(m: &Machine<'_>) -> QemuCommand {
        let mut args: Vec<OsString> = Vec::new();
        macro_rules! push {
            ($($a:expr),+) => { $( args.push(OsString::from($a)); )+ };
        }
        if let Some((code, vars)) = m.pflash {
            push!(
                "-drive",
                drive("if=pflash,format=raw,unit=0,readonly=on", code)
            );
            push!("-drive", drive("if=pflash,format=raw,unit=1", vars));
        }
        // snapshot=on: the image is opened read-only (guest writes go to a
        // temporary overlay), so parallel runs can share it; IDE disks
        // refuse readonly=on.
        push!("-drive", drive("format=raw,snapshot=on", m.image));
        // Serial on stdout; no window; a triple fault exits instead of rebooting.
        push!("-serial", "stdio", "-display", "none", "-no-reboot");
        if let Some(path) = m.trace_file {
            // The second -serial is COM2, where the kernel dumps its trace;
            // `file:` takes the rest of the word as the path, commas too.
            let mut s = OsString::from("file:");
            s.push(path);
            push!("-serial", s);
        }
        push!("-device", DEBUG_EXIT_DEVICE);
        push!("-m", m.memory.qemu_arg());
        push!("-smp", m.smp.spec());
        let [accel, accel_value, cpu, model] = m.accel.qemu_args(m.icount);
        push!(accel, accel_value);
        if m.x2apic {
            // q35: the `pc` machine holds at most 255 cores.
            push!("-machine", x2apic::MACHINE, cpu, x2apic::cpu_model(model));
        } else {
            push!(cpu, model);
        }
        if m.icount {
            // 1 instruction = 1 virtual ns, and no sleeping: deterministic.
            push!("-icount", "shift=0,sleep=off");
            // The RTC on the virtual clock from a fixed date: on the host
            // clock, the firmware's waits for the RTC's update cycle take
            // a different number of instructions each run, and every
            // later figure shifts with them.
            push!("-rtc", RTC_UNDER_ICOUNT);
        }
        if let Some(text) = m.boot_string {
            push!("-fw_cfg", bootopts::fw_cfg_arg(text));
        }
        if m.gdb {
            // gdb stub on :1234, CPU stopped until the debugger continues.
            push!("-s", "-S");
        }
        args.extend(m.extra.iter().cloned());
        QemuCommand {
            program: m.program.to_os_string(),
            args,
        }
    }

    /// Whether `arg` is one of the arguments, exactly.
    pub fn has_arg(&self, arg: &str) -> bool {
        self.args.iter().any(|a| a == arg)
    }
}

/// `<prefix>,file=<path>` with the path's commas doubled.
fn drive(prefix: &str, path: &Path) -> OsString {
    let mut s = OsString::from(prefix);
    s.push(",file=");
    match path.to_str() {
        Some(p) => s.push(bootopts::escape_commas(p)),
        None => s.push(path),
    }
    s
}

/// The command as one line a POSIX shell reads back into the same words.
impl fmt::Display for QemuCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shell_quote(&self.program))?;
        for a in &self.args {
            write!(f, " {}", shell_quote(a))?;
        }
        Ok(())
    }
}

/// Leaves plain words alone and single-quotes the rest.
pub fn shell_quote(word: &OsStr) -> String {
    let s = word.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-+=/.,:@%".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine<'a>(smp: &'a Smp, extra: &'a [OsString]) -> Machine<'a> {
        Machine {
            program: OsStr::new("qemu-system-x86_64"),
            image: Path::new("/img/bios,1.img"),
            pflash: None,
            smp,
            memory: Memory::parse("1G").unwrap(),
            accel: Accel::Tcg,
            x2apic: false,
            icount: false,
            gdb: false,
            boot_string: None,
            trace_file: None,
            extra,
        }
    }

    #[test]
    fn default_machine_has_every_fixed_flag() {
        let smp = Smp::parse("4").unwrap();
        let cmd = QemuCommand::new(&machine(&smp, &[]));
        assert_eq!(
            cmd.to_string(),
            "qemu-system-x86_64 -drive format=raw,snapshot=on,file=/img/bios,,1.img -serial stdio \
             -display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
             -m 1024M -smp 4 -accel tcg,thread=multi -cpu max"
        );
    }

    #[test]
    fn options_add_their_flags_and_extra_args_come_last() {
        let smp = Smp::parse("6,sockets=2,cores=3").unwrap();
        let extra = [OsString::from("-S")];
        let mut m = machine(&smp, &extra);
        m.icount = true;
        m.gdb = true;
        m.boot_string = Some("bench=a,b seed=1");
        let cmd = QemuCommand::new(&m);
        let line = cmd.to_string();
        assert!(line.contains(" -smp 6,sockets=2,cores=3 "), "{line}");
        assert!(
            line.contains(" -accel tcg,thread=single -cpu max,-x2apic "),
            "{line}"
        );
        assert!(line.contains(" -icount shift=0,sleep=off "), "{line}");
        assert!(
            line.contains(" -rtc clock=vm,base=2026-01-01T00:00:00"),
            "{line}"
        );
        assert!(
            line.contains(" -fw_cfg 'name=opt/gmp-metal/cmdline,string=bench=a,,b seed=1' "),
            "{line}"
        );
        assert!(line.ends_with(" -s -S -S"), "{line}");
    }

    #[test]
    fn an_x2apic_guest_is_a_q35_machine_with_x2apic_on_the_cpu() {
        let smp = Smp::parse("288").unwrap();
        let mut m = machine(&smp, &[]);
        m.x2apic = true;
        let line = QemuCommand::new(&m).to_string();
        assert!(
            line.ends_with(" -smp 288 -accel tcg,thread=multi -machine q35 -cpu max,+x2apic"),
            "{line}"
        );
        m.accel = Accel::Kvm;
        let line = QemuCommand::new(&m).to_string();
        assert!(
            line.ends_with(" -accel kvm -machine q35 -cpu host,+x2apic"),
            "{line}"
        );
    }

    #[test]
    fn trace_adds_com2_after_the_stdio_serial() {
        let smp = Smp::parse("2").unwrap();
        let mut m = machine(&smp, &[]);
        m.trace_file = Some(Path::new("/tmp/a,b/trace.bin"));
        let line = QemuCommand::new(&m).to_string();
        assert!(
            line.contains(
                " -serial stdio -display none -no-reboot -serial file:/tmp/a,b/trace.bin "
            ),
            "{line}"
        );
    }

    #[test]
    fn uefi_firmware_comes_first_as_two_pflash_drives() {
        let smp = Smp::parse("1").unwrap();
        let mut m = machine(&smp, &[]);
        m.pflash = Some((Path::new("/fw/CODE.fd"), Path::new("/tmp/VARS.fd")));
        let args: Vec<String> = QemuCommand::new(&m)
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            &args[..4],
            [
                "-drive",
                "if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd",
                "-drive",
                "if=pflash,format=raw,unit=1,file=/tmp/VARS.fd"
            ]
        );
    }

    #[test]
    fn shell_quoting_round_trips_awkward_words() {
        assert_eq!(shell_quote(OsStr::new("plain-word")), "plain-word");
        assert_eq!(shell_quote(OsStr::new("two words")), "'two words'");
        assert_eq!(shell_quote(OsStr::new("it's")), r"'it'\''s'");
        assert_eq!(shell_quote(OsStr::new("")), "''");
    }
}
