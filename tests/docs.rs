//! The docs must stay true to the code they quote.
//!
//! Design note: checked on the source alone, no boot: a code block the
//! docs present as a real file must be that file, and every `cargo run
//! -- ...` command README.md and docs/*.md show must be accepted by the
//! runner's own parser (`boot/cli.rs`) and, for a plain run, by its
//! host-side checks, so a documented command cannot rot.

use std::path::Path;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The fenced ```rust blocks of a markdown text.
fn rust_blocks(md: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut cur: Option<String> = None;
    for line in md.lines() {
        match (&mut cur, line.trim_start()) {
            (None, l) if l.starts_with("```rust") => cur = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.push(cur.take().unwrap()),
            (Some(b), _) => {
                b.push_str(line);
                b.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_workloads_guide_quotes_the_example_workload_verbatim() {
    let md = read("docs/WORKLOADS.md");
    let file = read("kernel/src/workloads/demos/bounded_buffer.rs");
    // The file without its module doc comment is what the guide shows.
    let code: String = file
        .lines()
        .skip_while(|l| l.starts_with("//!") || l.is_empty())
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(
        rust_blocks(&md).contains(&code),
        "docs/WORKLOADS.md must show kernel/src/workloads/demos/bounded_buffer.rs exactly (after its //! lines)"
    );
    let registry = read("kernel/src/workloads/registry.rs");
    let row: String = registry
        .lines()
        .skip_while(|l| !l.contains("\"bounded-buffer\""))
        .take(2)
        .map(|l| format!("{}\n", l.trim_start()))
        .collect();
    let shown = rust_blocks(&md)
        .into_iter()
        .find(|b| b.contains("\"bounded-buffer\" =>"))
        .expect("the guide shows the registry row");
    let shown: String = shown
        .lines()
        .map(|l| format!("{}\n", l.trim_start()))
        .collect();
    assert_eq!(shown, row, "the registry row in docs/WORKLOADS.md is stale");
}

/// The `cargo run ...` commands a markdown text shows: in inline code (a
/// paragraph's lines joined, so a span may wrap) and in fenced blocks
/// (line by line, a trailing `# comment` dropped).
fn cargo_run_commands(md: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut paragraph = String::new();
    let mut fenced = false;
    let take = |text: &str, found: &mut Vec<String>| {
        let mut rest = text;
        while let Some(at) = rest.find("cargo run") {
            let cmd = &rest[at..];
            let end = cmd.find('`').unwrap_or(cmd.len());
            found.push(cmd[..end].trim().to_string());
            rest = &cmd[end..];
        }
    };
    for line in md.lines().chain(std::iter::once("")) {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            let code = line.split(" #").next().unwrap_or_default();
            take(code, &mut found);
        } else if line.trim().is_empty() {
            let spans: Vec<&str> = paragraph.split('`').skip(1).step_by(2).collect();
            for span in spans {
                take(span, &mut found);
            }
            paragraph.clear();
        } else {
            paragraph.push_str(line);
            paragraph.push(' ');
        }
    }
    found
}

/// A documented command template as the command lines it stands for:
/// `a|b` is each alternative, `[x]` is with and without `x`, `NAME...` is
/// left out and the placeholders `N` and `D` take a sample value.
fn expand(words: &[&str]) -> Vec<Vec<String>> {
    let Some((first, rest)) = words.split_first() else {
        return vec![vec![]];
    };
    let tails = expand(rest);
    let choices: Vec<Option<String>> = if let Some(opt) = first.strip_prefix('[') {
        let opt = opt.trim_end_matches(']');
        if opt.ends_with("...") {
            vec![None]
        } else {
            vec![None, Some(opt.to_string())]
        }
    } else if first.contains('|') && !first.starts_with('-') {
        let (key, alts) = first.split_once('=').map_or(("", *first), |(k, v)| (k, v));
        alts.split('|')
            .map(|a| {
                Some(if key.is_empty() {
                    a.to_string()
                } else {
                    format!("{key}={a}")
                })
            })
            .collect()
    } else {
        let sample = match *first {
            "N" => "2".to_string(),
            w if w.ends_with("=N") => w.replace("=N", "=1"),
            w if w.ends_with("=D") => w.replace("=D", "=10ms"),
            w => w.to_string(),
        };
        vec![Some(sample)]
    };
    let mut out = Vec::new();
    for c in choices {
        for t in &tails {
            let mut line: Vec<String> = c.iter().cloned().collect();
            line.extend(t.iter().cloned());
            out.push(line);
        }
    }
    out
}

/// Documented commands that cannot parse (those containing the text),
/// and why.
const NOT_RUNNABLE: &[(&str, &str)] = &[(
    "--workload mine",
    "README.md's and WORKLOADS.md's example of a workload the reader adds first",
)];

#[test]
fn every_documented_cargo_run_command_parses_with_the_runners_own_parser() {
    use clap::Parser;
    use clap::error::ErrorKind;
    use gmp_metal::cli::{Cli, Command};

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    for e in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let p = e.expect("a directory entry").path();
        if p.extension().is_some_and(|e| e == "md") {
            files.push(p);
        }
    }
    files.sort();
    let mut checked = 0;
    for file in &files {
        let md = std::fs::read_to_string(file).expect("a markdown file");
        for cmd in cargo_run_commands(&md) {
            // `cargo run --` and `cargo run -- ...` are how the prose
            // speaks of any command, not commands.
            if cmd == "cargo run --" || cmd.ends_with("-- ...") {
                continue;
            }
            if NOT_RUNNABLE.iter().any(|(c, _)| cmd.contains(c)) {
                continue;
            }
            let args = match cmd.split_once(" -- ") {
                Some((cargo, args)) => {
                    assert!(
                        cargo == "cargo run" || cargo == "cargo run --release",
                        "{}: `{cmd}`: only `cargo run [--release] -- ARGS` is understood here",
                        file.display()
                    );
                    args
                }
                None if cmd == "cargo run" || cmd == "cargo run --release" => "",
                None => panic!(
                    "{}: `{cmd}`: no ` -- ` before the runner's arguments",
                    file.display()
                ),
            };
            let words: Vec<&str> = args.split_whitespace().collect();
            for line in expand(&words) {
                let argv = std::iter::once("gmp-metal".to_string()).chain(line.iter().cloned());
                match Cli::try_parse_from(argv) {
                    Err(e)
                        if matches!(
                            e.kind(),
                            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
                        ) => {}
                    Err(e) => panic!(
                        "{}: `{cmd}` (as `{}`) does not parse:\n{e}",
                        file.display(),
                        line.join(" ")
                    ),
                    Ok(cli) => {
                        // A plain run also goes through the host-side checks
                        // (the kernel's own boot-option parser among them).
                        if cli.command.is_none() && !cli.print_kernel_elf {
                            if let Some(msg) = cli.misplaced_subcommand() {
                                panic!("{}: `{cmd}`: {msg}", file.display());
                            }
                            if let Err(e) = cli.into_run().prepare() {
                                panic!(
                                    "{}: `{cmd}` (as `{}`) is refused: {e}",
                                    file.display(),
                                    line.join(" ")
                                );
                            }
                        } else if let Some(Command::LinuxBench { .. }) = cli.command {
                            panic!("{}: `{cmd}` runs a hidden subcommand", file.display());
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} documented commands found");
}

#[test]
fn command_templates_expand_to_every_alternative() {
    let lines = |s: &str| -> Vec<String> {
        expand(&s.split_whitespace().collect::<Vec<_>>())
            .into_iter()
            .map(|l| l.join(" "))
            .collect()
    };
    assert_eq!(
        lines("--smp N sched=gm|gmp"),
        ["--smp 2 sched=gm", "--smp 2 sched=gmp"]
    );
    assert_eq!(
        lines("bench [NAME...] [--icount]"),
        ["bench", "bench --icount"]
    );
    assert_eq!(lines("forcepreempt=D seed=N"), ["forcepreempt=10ms seed=1"]);
    let md = "Run `cargo run -- --smp 2\nlab list` or:\n\n```sh\ncargo run      # a comment\n```\n";
    assert_eq!(
        cargo_run_commands(md),
        ["cargo run -- --smp 2 lab list", "cargo run"]
    );
}
