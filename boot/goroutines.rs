//! Goroutine dumps: the kernel's raw lines named in the layout of Go's
//! traceback, and one parser for that layout, whoever printed it.
//!
//! Design note: the kernel prints a dump per G as Go does — a header
//! `goroutine N [status]:`, the frames, `created by ...`, a blank line —
//! except that it cannot name its code, so the frames are one line of raw
//! return addresses and the creator is the address of its `go` call
//! (`gmp_sched::gdump`). [`rewrite`] turns those two lines into Go's frame
//! pairs from the kernel ELF's debug info: `function(...)` (arguments are
//! not shown, as Go shows none for an inlined frame), then a TAB and
//! `file:line`; every function inlined at an address gets its own pair,
//! innermost first, as in Go. [`parse`] reads the result — or a dump that
//! Go 1.27 printed — into [`Goroutine`]s, so one test can hold both to the
//! same grammar (tests/goroutines.rs).

use gmp_sched::gdump::{CREATED_PREFIX, FRAMES_PREFIX, STACK_UNAVAILABLE};

use crate::symbolize::Symbolizer;

/// Whether a serial line starting with `line` (perhaps not yet complete)
/// may be one [`rewrite`] replaces, so it must be held until it is whole.
pub fn may_rewrite(line: &[u8]) -> bool {
    [FRAMES_PREFIX, CREATED_PREFIX].iter().any(|p| {
        let p = p.as_bytes();
        line.starts_with(p) || p.starts_with(line)
    })
}

/// Go's layout for a raw dump line of the kernel (with its newline), or
/// `None` if `line` is not one.
pub fn rewrite(sym: &Symbolizer, line: &str) -> Option<String> {
    let line = line.trim_end();
    if let Some(rest) = line.strip_prefix(FRAMES_PREFIX) {
        let mut out = String::new();
        for word in rest.split_whitespace() {
            let (exact, hex) = match word.strip_prefix('!') {
                Some(h) => (true, h),
                None => (false, word),
            };
            let Some(pc) = address(hex) else {
                out.push_str(&format!("?({word})\n\t?:0\n"));
                continue;
            };
            let chain = sym.inlined_chain(pc, exact);
            if chain.is_empty() {
                out.push_str(&format!("?({pc:#x})\n\t?:0\n"));
            }
            for (func, file, line) in chain {
                out.push_str(&format!("{func}(...)\n\t{}:{line}\n", or_unknown(&file)));
            }
        }
        return Some(out);
    }
    let rest = line.strip_prefix("created by ")?;
    line.starts_with(CREATED_PREFIX).then_some(())?;
    let (hex, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let pc = address(hex)?;
    // The innermost function at the call: the one whose body holds the `go`.
    let (func, file, line) = sym
        .inlined_chain(pc, false)
        .into_iter()
        .next()
        .unwrap_or_else(|| (format!("{pc:#x}"), String::new(), 0));
    let tail = if tail.is_empty() {
        String::new()
    } else {
        format!(" {tail}")
    };
    Some(format!(
        "created by {func}{tail}\n\t{}:{line}\n",
        or_unknown(&file)
    ))
}

fn address(hex: &str) -> Option<u64> {
    u64::from_str_radix(hex.strip_prefix("0x")?, 16).ok()
}

fn or_unknown(file: &str) -> &str {
    if file.is_empty() { "?" } else { file }
}

/// One G of a dump.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Goroutine {
    pub goid: u64,
    /// The wait reason, or the status when it has none (`running`).
    pub status: String,
    /// ` (leaked)`: found by Go's leak detector, or by the kernel's
    /// end-of-run report.
    pub leaked: bool,
    /// `, M minutes`: how long it has waited (Go prints it from 1 on).
    pub minutes: Option<u64>,
    /// `, locked to thread`.
    pub locked: bool,
    /// Innermost first.
    pub frames: Vec<Frame>,
    /// It ran on another thread: no frames.
    pub stack_unavailable: bool,
    /// Go left frames out of a deep stack: `...N frames elided...` in
    /// the middle or `...additional frames elided...` at the end.
    pub elided: bool,
    pub created_by: Option<CreatedBy>,
}

/// A function line and its `file:line` line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The name, without the argument list.
    pub func: String,
    pub file: String,
    pub line: u32,
}

/// `created by FUNC in goroutine K` and the `file:line` of the `go`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CreatedBy {
    pub func: String,
    /// `K`; Go leaves ` in goroutine K` out when the creator had none.
    pub goid: Option<u64>,
    pub file: String,
    pub line: u32,
}

/// Every G block in `text`, in order. Lines outside blocks (a panic
/// message, the kernel's other output) are skipped; inside a block, from
/// its header to the blank line that ends it, every line must fit the
/// layout, or the error names the line.
pub fn parse(text: &str) -> Result<Vec<Goroutine>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(mut g) = header(lines[i]).transpose()? else {
            i += 1;
            continue;
        };
        let at = |i: usize, why: &str| format!("line {}: {why}: {:?}", i + 1, lines[i]);
        i += 1;
        while i < lines.len() && !lines[i].trim().is_empty() {
            let l = lines[i];
            if l == STACK_UNAVAILABLE {
                g.stack_unavailable = true;
                i += 1;
                continue;
            }
            if l.starts_with("...") && l.ends_with(" elided...") {
                // Go cut the middle of a deep stack out.
                g.elided = true;
                i += 1;
                continue;
            }
            if l.starts_with('\t') {
                return Err(at(i, "a file:line line with no function line before it"));
            }
            let Some(next) = lines.get(i + 1).filter(|n| n.starts_with('\t')) else {
                return Err(at(i, "a function line without its file:line line"));
            };
            let (file, line) = place(next).ok_or_else(|| at(i + 1, "not `\\tfile:line`"))?;
            if let Some(rest) = l.strip_prefix("created by ") {
                let (func, goid) = match rest.rsplit_once(" in goroutine ") {
                    Some((f, k)) => (f, Some(k.parse().map_err(|_| at(i, "a bad goid"))?)),
                    None => (rest, None),
                };
                g.created_by = Some(CreatedBy {
                    func: func.to_string(),
                    goid,
                    file,
                    line,
                });
            } else {
                if g.created_by.is_some() {
                    return Err(at(i, "a frame after the created-by line"));
                }
                let func = strip_args(l).ok_or_else(|| at(i, "not `function(args)`"))?;
                g.frames.push(Frame {
                    func: func.to_string(),
                    file,
                    line,
                });
            }
            i += 2;
        }
        out.push(g);
    }
    Ok(out)
}

/// The header `goroutine N [status, M minutes, locked to thread]:`
/// (`None`: not a header; an error: a header that does not parse).
fn header(l: &str) -> Option<Result<Goroutine, String>> {
    let rest = l.strip_prefix("goroutine ")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    if digits == 0 || !l.ends_with(':') {
        return None;
    }
    let bad = |why: &str| Some(Err(format!("{why}: {l:?}")));
    let Ok(goid) = rest[..digits].parse() else {
        return bad("a goid out of range");
    };
    // Between the goid and `[`: `gp=.. m=..` of a crash dump; after `]`,
    // a label set ` {k:v}` (Go 1.27's tracebacklabels).
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return bad("a header without [status]");
    };
    if close < open {
        return bad("a header without [status]");
    }
    let after = &rest[close + 1..rest.len() - 1];
    if !(after.is_empty() || after.starts_with(" {") && after.ends_with('}')) {
        return bad("text after [status]");
    }
    let mut g = Goroutine {
        goid,
        ..Goroutine::default()
    };
    let mut parts = rest[open + 1..close].split(", ");
    let mut status = parts.next().unwrap_or_default();
    loop {
        if let Some(s) = status.strip_suffix(" (leaked)") {
            g.leaked = true;
            status = s;
        } else if let Some(s) = status
            .strip_suffix(" (scan)")
            .or_else(|| status.strip_suffix(" (durable)"))
        {
            status = s;
        } else {
            break;
        }
    }
    if status.is_empty() {
        return bad("an empty status");
    }
    g.status = status.to_string();
    for part in parts {
        if let Some(m) = part.strip_suffix(" minutes") {
            match m.parse() {
                Ok(m) => g.minutes = Some(m),
                Err(_) => return bad("bad minutes"),
            }
        } else if part == "locked to thread" {
            g.locked = true;
        } else if !part.starts_with("synctest bubble ") {
            return bad("an unknown part of the status");
        }
    }
    Some(Ok(g))
}

/// `\tfile:line`, optionally followed by ` +0xOFF` and a crash's
/// `fp=.. sp=.. pc=..`.
fn place(l: &str) -> Option<(String, u32)> {
    let l = l.strip_prefix('\t')?;
    let fileline = l.split(" +0x").next()?.split(" fp=").next()?;
    let (file, line) = fileline.rsplit_once(':')?;
    if file.is_empty() {
        return None;
    }
    Some((file.to_string(), line.parse().ok()?))
}

/// `name(args)` → `name`: the argument list is the last balanced
/// parenthesised group (a Rust name may hold parentheses of its own, as in
/// `<(A, B) as T>::f`).
fn strip_args(l: &str) -> Option<&str> {
    let body = l.strip_suffix(')')?;
    let mut depth = 1;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return (i > 0).then(|| &body[..i]);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str = "\
panic: boom

goroutine 1 [running]:
main.main()
\t/tmp/x/main.go:20 +0x1d

exit status 2

goroutine 7 [chan send (leaked), 3 minutes, locked to thread]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\t/go/src/runtime/proc.go:462 +0xce fp=0xc000 sp=0xc000 pc=0x4
main.leak.func1(...)
\t/tmp/x/main.go:9
created by main.leak in goroutine 1
\t/tmp/x/main.go:8 +0x25

goroutine 9 [running]:
\tgoroutine running on other thread; stack unavailable
created by main.main
\t/tmp/x/main.go:30 +0x9
";

    #[test]
    fn go_blocks_parse_with_every_part() {
        let gs = parse(GO).unwrap();
        assert_eq!(gs.len(), 3, "{gs:#?}");
        assert_eq!(gs[0].status, "running");
        assert_eq!(gs[0].frames[0].func, "main.main");
        assert_eq!(gs[0].created_by, None);
        let g = &gs[1];
        assert_eq!((g.goid, g.status.as_str()), (7, "chan send"));
        assert!(g.leaked && g.locked);
        assert_eq!(g.minutes, Some(3));
        assert_eq!(g.frames.len(), 2);
        assert_eq!(
            g.frames[0],
            Frame {
                func: "runtime.gopark".into(),
                file: "/go/src/runtime/proc.go".into(),
                line: 462
            }
        );
        assert_eq!(g.frames[1].func, "main.leak.func1");
        let c = g.created_by.as_ref().unwrap();
        assert_eq!((c.func.as_str(), c.goid, c.line), ("main.leak", Some(1), 8));
        assert!(gs[2].stack_unavailable);
        assert_eq!(gs[2].created_by.as_ref().unwrap().goid, None);
    }

    #[test]
    fn rust_names_keep_their_own_parentheses() {
        assert_eq!(
            strip_args("<(A, B) as T>::f(...)"),
            Some("<(A, B) as T>::f")
        );
        assert_eq!(
            strip_args("a::b::{{closure}}(0x1, {0x2})"),
            Some("a::b::{{closure}}")
        );
        assert_eq!(strip_args("f"), None);
        assert_eq!(strip_args("(...)"), None);
    }

    #[test]
    fn broken_blocks_are_errors_that_name_the_line() {
        let e = parse("goroutine 1 [running]:\nmain.main()\nmain.f()\n").unwrap_err();
        assert!(
            e.contains("line 2") && e.contains("without its file:line"),
            "{e}"
        );
        let e = parse("goroutine 1 [running]:\n\t/x.go:1\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse("goroutine 1 [running]:\nmain.main()\n\t/x.go:one\n").unwrap_err();
        assert!(e.contains("line 3"), "{e}");
        let e = parse("goroutine 1 [running, 5 hours]:\n").unwrap_err();
        assert!(e.contains("unknown part"), "{e}");
        let e = parse("goroutine 2 [chan receive]:\ncreated by main.main in goroutine 1\n\t/x.go:3\nmain.f()\n\t/x.go:4\n").unwrap_err();
        assert!(e.contains("after the created-by"), "{e}");
    }

    #[test]
    fn other_lines_and_header_lookalikes_are_skipped() {
        let gs =
            parse("goroutine frames are nice\ngoroutines: 3\n\ngoroutine 4 [select]:\n").unwrap();
        assert_eq!(gs.len(), 1);
        assert_eq!((gs[0].goid, gs[0].status.as_str()), (4, "select"));
        assert!(gs[0].frames.is_empty());
        // A label set after the status.
        let gs = parse("goroutine 5 [sleep] {\"k\":\"v\"}:\n").unwrap();
        assert_eq!(gs[0].status, "sleep");
        // A crash dump's G and M addresses, and a deep stack cut short.
        let gs = parse(
            "goroutine 6 gp=0xc000002380 m=nil [select (durable), synctest bubble 2]:\nmain.f()\n\t/x.go:1\n...additional frames elided...\nmain.g()\n\t/x.go:2\n",
        )
        .unwrap();
        assert_eq!((gs[0].goid, gs[0].status.as_str()), (6, "select"));
        assert!(gs[0].elided && gs[0].frames.len() == 2);
    }

    #[test]
    fn raw_kernel_lines_are_rewritten_and_others_left_alone() {
        let sym = Symbolizer::load(std::path::Path::new("/nonexistent"));
        let out = rewrite(&sym, "goroutine frames: 0xffffffff80001000 zz").unwrap();
        assert_eq!(out, "?(0xffffffff80001000)\n\t?:0\n?(zz)\n\t?:0\n");
        let out = rewrite(&sym, "created by 0xffffffff80001000 in goroutine 3").unwrap();
        assert_eq!(out, "created by 0xffffffff80001000 in goroutine 3\n\t?:0\n");
        assert_eq!(rewrite(&sym, "created by main.main"), None);
        assert_eq!(rewrite(&sym, "goroutine 1 [running]:"), None);
        assert!(may_rewrite(b"gorout") && may_rewrite(b"created by 0x12"));
        assert!(!may_rewrite(b"goroutine 1") && !may_rewrite(b"created by main"));
    }
}
