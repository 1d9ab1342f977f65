//! Symbolising the kernel's backtraces from its ELF's debug info.
//!
//! Design note: the kernel walks its frame pointers on a panic or fault and
//! prints raw addresses (`backtrace: !0x.. 0x.. ...`, see the kernel's
//! `arch/backtrace.rs`); it cannot name them itself because the boot image
//! is stripped of debug info (it would load ~10× slower). The runner has
//! the unstripped ELF ([`crate::KERNEL_ELF`]), so it turns each such line
//! into one line per frame — function, file and line, with the functions
//! inlined at that address — using the `addr2line` crate (gimli's DWARF
//! reader). The kernel is position-independent and pinned at
//! [`KERNEL_BASE`]; the ELF's addresses start at 0, so every address is
//! looked up at `pc - KERNEL_BASE`. A return address is looked up one byte
//! earlier (the call instruction, not the one after it); a faulting RIP,
//! marked `!`, as it is.

use std::fmt::Write as _;
use std::path::Path;

use gmp_sched::layout::KERNEL_BASE;

/// The prefix of the kernel's backtrace lines.
pub const BACKTRACE_PREFIX: &str = "backtrace:";

/// The kernel's debug info, loaded once.
pub struct Symbolizer {
    loader: Result<addr2line::Loader, String>,
    root: String,
}

impl Symbolizer {
    /// Loads the debug info of the kernel ELF at `elf`. A failure is kept
    /// and reported on every expanded line instead of the names.
    pub fn load(elf: &Path) -> Symbolizer {
        Symbolizer {
            loader: addr2line::Loader::new(elf).map_err(|e| {
                format!(
                    "cannot read the kernel's debug info in {}: {e}",
                    elf.display()
                )
            }),
            root: format!("{}/", env!("CARGO_MANIFEST_DIR")),
        }
    }

    /// The kernel the runner boots.
    pub fn kernel() -> Symbolizer {
        Symbolizer::load(Path::new(crate::KERNEL_ELF))
    }

    /// One frame per address of a `backtrace:` line, each on its own line
    /// (indented, ending in a newline), or `None` if `line` is not one.
    pub fn expand(&self, line: &str) -> Option<String> {
        let rest = line.trim_end().strip_prefix(BACKTRACE_PREFIX)?;
        let mut out = String::new();
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut i = 0;
        while i < words.len() {
            let word = words[i];
            // A recursion repeats one return address: say it once.
            let same = words[i..].iter().take_while(|w| **w == word).count();
            if same > 2 {
                let _ = writeln!(
                    out,
                    "  #{i:<2} .. #{} {word} the same frame {same} times:",
                    i + same - 1
                );
                i += same - 1;
                continue;
            }
            let (exact, hex) = match word.strip_prefix('!') {
                Some(h) => (true, h),
                None => (false, word),
            };
            let Some(pc) = hex
                .strip_prefix("0x")
                .and_then(|h| u64::from_str_radix(h, 16).ok())
            else {
                let _ = writeln!(out, "  #{i:<2} {word} (not an address)");
                i += 1;
                continue;
            };
            let _ = writeln!(out, "  #{i:<2} {pc:#x} {}", self.describe(pc, exact));
            i += 1;
        }
        Some(out)
    }

    /// `function at file:line`, innermost inlined function first.
    pub fn describe(&self, pc: u64, exact: bool) -> String {
        let loader = match &self.loader {
            Ok(l) => l,
            Err(e) => return format!("?? ({e})"),
        };
        let Some(rel) = pc.checked_sub(KERNEL_BASE) else {
            return String::from("?? (not a kernel address)");
        };
        let probe = if exact { rel } else { rel.saturating_sub(1) };
        let mut parts = Vec::new();
        if let Ok(mut frames) = loader.find_frames(probe) {
            while let Ok(Some(f)) = frames.next() {
                let name = function(&f);
                let place = f
                    .location
                    .as_ref()
                    .map(|l| self.place(l.file, l.line))
                    .unwrap_or_default();
                parts.push(format!("{name}{place}"));
            }
        }
        if parts.is_empty() {
            return loader
                .find_symbol(probe)
                .map(|s| addr2line::demangle_auto(s.into(), None).into_owned())
                .unwrap_or_else(|| String::from("??"));
        }
        // find_frames yields the innermost inlined function first.
        let mut text = parts.remove(0);
        for outer in parts {
            let _ = write!(text, "\n        inlined into {outer}");
        }
        text
    }

    /// Every function at `pc`, innermost inlined one first, with its file
    /// (as in [`Symbolizer::describe`]) and line: the frames a Go
    /// traceback prints for one PC. A return address is looked up one byte
    /// earlier, an `exact` address as it is. Empty without debug info.
    pub fn inlined_chain(&self, pc: u64, exact: bool) -> Vec<(String, String, u32)> {
        let mut out = Vec::new();
        if let (Ok(loader), Some(rel)) = (&self.loader, pc.checked_sub(KERNEL_BASE)) {
            let probe = if exact { rel } else { rel.saturating_sub(1) };
            if let Ok(mut frames) = loader.find_frames(probe) {
                while let Ok(Some(f)) = frames.next() {
                    let (file, line) = f.location.as_ref().map_or((String::new(), 0), |l| {
                        let place = self.place(l.file, None);
                        (
                            place.strip_prefix(" at ").unwrap_or(&place).to_string(),
                            l.line.unwrap_or(0),
                        )
                    });
                    out.push((function(&f), file, line));
                }
            }
        }
        out
    }

    /// The frames at return address `pc` for a Go trace: the functions
    /// inlined there, innermost first, each with the file (as in
    /// [`Symbolizer::describe`]) and line of the call in it; the last is the
    /// function the address is physically in. The trace's stack table keeps
    /// only that one, because Go's parser keeps one frame per PC (inlined
    /// frames sharing a PC would collapse into the first); the inner ones
    /// name a G's start function (`trace::gotrace`'s `start.rs`). Without
    /// debug info, the one frame is named by the address.
    pub fn frames(&self, pc: u64) -> Vec<crate::trace::gotrace::Frame> {
        let mut out = Vec::new();
        if let (Ok(loader), Some(rel)) = (&self.loader, pc.checked_sub(KERNEL_BASE))
            && let Ok(mut frames) = loader.find_frames(rel.saturating_sub(1))
        {
            while let Ok(Some(f)) = frames.next() {
                let func = function(&f);
                let (file, line) = f.location.as_ref().map_or((String::new(), 0), |l| {
                    let place = self.place(l.file, None);
                    (
                        place.strip_prefix(" at ").unwrap_or(&place).to_string(),
                        l.line.unwrap_or(0) as u64,
                    )
                });
                out.push(crate::trace::gotrace::Frame {
                    pc,
                    func,
                    file,
                    line,
                });
            }
        }
        if out.is_empty() {
            out.push(crate::trace::gotrace::Frame {
                pc,
                func: format!("{pc:#x}"),
                file: String::new(),
                line: 0,
            });
        }
        out
    }

    /// ` at file:line`, the file relative to the repository when inside it.
    fn place(&self, file: Option<&str>, line: Option<u32>) -> String {
        let Some(file) = file else {
            return String::new();
        };
        let file = file.strip_prefix(&self.root).unwrap_or(file);
        // The standard library's sources, wherever the toolchain lives.
        let file = file
            .find("/library/")
            .filter(|_| file.contains("rust"))
            .map_or(file.to_string(), |i| format!("<rust>{}", &file[i..]));
        match line {
            Some(l) => format!(" at {file}:{l}"),
            None => format!(" at {file}"),
        }
    }
}

/// A frame's function, demangled; `??` where the debug info names none.
fn function(f: &addr2line::Frame<'_, addr2line::LoaderReader<'_>>) -> String {
    f.function
        .as_ref()
        .and_then(|n| n.demangle().ok().map(|d| d.into_owned()))
        .unwrap_or_else(|| String::from("??"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The address `schedule` is linked at, from the ELF's symbol table.
    fn schedule_addr() -> u64 {
        use object::{Object, ObjectSymbol};
        let data = std::fs::read(crate::KERNEL_ELF).expect("kernel ELF");
        let elf = object::File::parse(&*data).expect("an ELF");
        elf.symbols()
            .find(|s| {
                s.name().is_ok_and(|n| {
                    addr2line::demangle_auto(n.into(), None)
                        == "gmp_kernel::runtime::scheduler::proc::schedule"
                })
            })
            .expect("schedule in the symbol table")
            .address()
    }

    #[test]
    fn a_backtrace_line_names_kernel_functions_and_files() {
        let sym = Symbolizer::kernel();
        let at = KERNEL_BASE + schedule_addr();
        let line = format!("backtrace: !{at:#x} 0x1234 {:#x}", at + 1);
        let out = sym.expand(&line).expect("a backtrace line");
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("  #0 ")
                && lines[0]
                    .contains("gmp_kernel::runtime::scheduler::proc::schedule at kernel/src/runtime/scheduler/proc.rs:"),
            "{out}"
        );
        assert!(lines[1].contains("?? (not a kernel address)"), "{out}");
        // A return address is looked up one byte before it: `at + 1` is
        // still inside `schedule`.
        assert!(
            lines[2].contains("gmp_kernel::runtime::scheduler::proc::schedule"),
            "{out}"
        );
    }

    #[test]
    fn a_recursion_is_folded() {
        let sym = Symbolizer::kernel();
        let at = KERNEL_BASE + schedule_addr() + 1;
        let line = format!("backtrace: {at:#x} {at:#x} {at:#x} {at:#x}");
        let out = sym.expand(&line).unwrap();
        assert!(out.contains("#0  .. #3"), "{out}");
        assert!(out.contains("the same frame 4 times"), "{out}");
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    #[test]
    fn other_lines_are_left_alone() {
        let sym = Symbolizer::load(Path::new("/nonexistent"));
        assert_eq!(sym.expand("PANIC on M0"), None);
        let out = sym.expand("backtrace: 0xffffffff80001000").unwrap();
        assert!(out.contains("cannot read the kernel's debug info"), "{out}");
    }
}
