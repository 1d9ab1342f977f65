//! The docs must stay true to the code they quote.
//!
//! Design note: checked on the source alone, no boot: a code block the
//! docs present as a real file must be that file, and every `cargo run
//! -- ...` command README.md and docs/*.md show must be accepted by the
//! runner's own parser (`boot/cli.rs`) and, for a plain run, by its
//! host-side checks, so a documented command cannot rot. And every
//! reference README.md and docs/*.md make to the tree — a path, a file
//! name, a link, a function or type in backticks — must name something
//! the tree has ([`refs`] says what counts), so a file that moves or a
//! function that is renamed shows up as `FILE:LINE: name` for whoever
//! moves it.

#[path = "docs/refs.rs"]
mod refs;
#[path = "docs/tree.rs"]
mod tree;

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

/// What the docs may name with no definition in the tree, and why. Only
/// what the rules of [`refs`] would otherwise flag: a name is a backticked
/// identifier with a `_`, camelCase or two-hump CamelCase, a lowercase
/// call or macro, a `::` path, or one placed `in FILE`.
const ALLOWED: &[(&str, &str)] = &[
    // Go's own names, used bare (a name written "Go's `X`" is skipped by
    // rule): the proc.go functions WALKTHROUGH.md's Go column and the
    // lessons name, and findRunnable, the concept the docs are about.
    ("findRunnable", "Go's proc.go"),
    ("rt0_go", "Go's asm_amd64.s"),
    ("_rt0_amd64", "Go's asm_amd64.s"),
    ("_rt0_amd64_linux", "Go's rt0_linux_amd64.s"),
    ("newm", "Go's proc.go"),
    (
        "runtime-gdb.py",
        "Go's gdb script, which gdb/gmp.py's commands follow",
    ),
    // Made by the toolchain, not written in our sources.
    ("_start", "the ELF entry bootloader_api::entry_point! makes"),
    ("no_std", "Rust's crate attribute"),
    ("vec", "Rust's vec! macro"),
    // Linux's and QEMU's names.
    ("sched_yield", "a Linux system call"),
    ("sched_setaffinity", "a Linux system call"),
    ("VmRSS", "a field of Linux's /proc/PID/status"),
    ("tcp", "QEMU's -gdb tcp::PORT"),
    // QEMU's round-robin icount loop, read in docs/EXPLORE.md's
    // "Determinism".
    ("qemu_clock_notify", "QEMU's util/qemu-timer.c"),
    ("qemu_clock_run_all_timers", "QEMU's util/qemu-timer.c"),
    ("cpu_exit", "QEMU's hw/core/cpu-common.c"),
    (
        "icount_get_limit",
        "QEMU's accel/tcg/tcg-accel-ops-icount.c",
    ),
    ("QEMU_CLOCK_REALTIME", "QEMU's include/qemu/timer.h"),
    // Why lockstep stops at 255 cores, in docs/BENCH.md.
    ("QEMU_CLOCK_VIRTUAL", "QEMU's include/qemu/timer.h"),
    ("icount_get_raw_locked", "QEMU's system/icount.c"),
    // Not files: what the reader writes, and a lab's region id.
    (
        "mine.rs",
        "the reader's own workload, written by following the guide",
    ),
    ("boot/core_list", "a region of lab boot, not a path"),
];

/// README.md and docs/*.md, as (path from the root, text).
fn markdown_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec!["README.md".to_string()];
    for e in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let name = e.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            files.push(format!("docs/{name}"));
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|f| (read(&f), f))
        .map(|(t, f)| (f, t))
        .collect()
}

#[test]
fn every_path_link_and_name_the_docs_give_is_in_the_tree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = tree::Tree::load(root);
    let docs = refs::Docs::new(&tree, root, ALLOWED);
    let stale: Vec<String> = markdown_files()
        .iter()
        .flat_map(|(f, md)| docs.stale(f, md))
        .collect();
    let [paths, links, names] = docs.checked.get();
    println!("checked {paths} paths, {links} links and {names} names");
    assert!(
        paths > 150 && links > 20 && names > 120,
        "only {paths} paths, {links} links and {names} names found: is the scanner broken?"
    );
    let used = docs.used.borrow();
    let unused: Vec<&str> = ALLOWED
        .iter()
        .map(|(a, _)| *a)
        .filter(|a| !used.contains(*a))
        .collect();
    assert!(
        unused.is_empty(),
        "ALLOWED in tests/docs.rs lists names no doc uses any more: {unused:?}"
    );
    assert!(
        stale.is_empty(),
        "{} stale references in the docs (fix the doc, or, for a name that is not \
         ours, add it to ALLOWED in tests/docs.rs with its reason):\n{}",
        stale.len(),
        stale.join("\n")
    );
}

/// The checker catches what it is for: every kind of stale reference,
/// planted in a markdown text of its own, is reported at its line, and
/// the live ones beside them are not.
#[test]
fn a_planted_stale_reference_of_each_kind_is_caught() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = tree::Tree::load(root);
    let docs = refs::Docs::new(&tree, root, ALLOWED);
    let md = "# Planted\n\
        \n\
        Live: `kernel/sched/src/findrunnable.rs`, `proc.rs`, `Semaphore::acquire`,\n\
        `find_runnable` in `kernel/sched/src/findrunnable.rs`, Go's `stopTheWorldWithSema`,\n\
        [a heading](#planted) and [BENCH](BENCH.md#targets).\n\
        \n\
        See `kernel/src/nowhere.rs` and gone.rs, or runtime/nowhere.rs.\n\
        Call `no_such_function_anywhere()` or `Semaphore::no_such_method`.\n\
        `NoSuchType` and `runqput` in `kernel/src/boot.rs` (a name in the wrong file).\n\
        The old symbol `gmp_kernel::workloads::producer_consumer::run`.\n\
        [a link](MISSING.md) and [an anchor](BENCH.md#no-such-heading).\n\
        \n\
        ```text\n\
        at gmp_kernel::runtime::nowhere::f (kernel/src/runtime/nowhere.rs:12)\n\
        ```\n";
    let got = docs.stale("docs/PLANTED.md", md);
    let want = [
        "docs/PLANTED.md:7: kernel/src/nowhere.rs (no such file or folder)",
        "docs/PLANTED.md:7: gone.rs (no such file or folder)",
        "docs/PLANTED.md:7: runtime/nowhere.rs (no such file or folder)",
        "docs/PLANTED.md:8: `no_such_function_anywhere`: `no_such_function_anywhere` is defined nowhere",
        "docs/PLANTED.md:8: `Semaphore::no_such_method`: no `no_such_method` in `Semaphore`",
        "docs/PLANTED.md:9: `NoSuchType`: `NoSuchType` is defined nowhere",
        "docs/PLANTED.md:9: `NoSuchType` in kernel/src/boot.rs: `NoSuchType` is not defined there",
        "docs/PLANTED.md:9: `runqput` in kernel/src/boot.rs: `runqput` is not defined there",
        "docs/PLANTED.md:10: `gmp_kernel::workloads::producer_consumer::run`: no `producer_consumer` in `workloads`",
        "docs/PLANTED.md:11: link MISSING.md (no such file or folder)",
        "docs/PLANTED.md:11: link BENCH.md#no-such-heading (no such heading)",
        "docs/PLANTED.md:14: kernel/src/runtime/nowhere.rs (no such file or folder)",
        "docs/PLANTED.md:14: `gmp_kernel::runtime::nowhere::f`: no `nowhere` in `runtime`",
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted: Vec<String> = want.iter().map(|w| w.to_string()).collect();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted, "got:\n{}", got.join("\n"));
}

/// What is wrong between the README's workload table (the rows under
/// `### Workloads`) and the registry's rows: a workload the table lacks, a
/// row the registry lacks. The `test-*` workloads are one row, `test-*`.
fn workload_table_problems(readme: &str, registry: &str) -> Vec<String> {
    let names_in_registry: Vec<String> = registry
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let rest = l.strip_prefix('"')?;
            let (name, after) = rest.split_once('"')?;
            after
                .trim_start()
                .starts_with("=>")
                .then(|| name.to_string())
        })
        .collect();
    let table: Vec<String> = readme
        .lines()
        .skip_while(|l| l.trim() != "### Workloads")
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| l.split('`').nth(1).map(str::to_string))
        .collect();
    let mut problems = Vec::new();
    if table.is_empty() {
        problems.push("README.md has no workload table under `### Workloads`".to_string());
    }
    let wanted = |n: &String| !n.starts_with("test-");
    for n in names_in_registry.iter().filter(|n| wanted(n)) {
        if !table.contains(n) {
            problems.push(format!(
                "`{n}` is in the registry but not in README.md's table"
            ));
        }
    }
    if names_in_registry.iter().any(|n| !wanted(n)) && !table.iter().any(|n| n == "test-*") {
        problems.push("README.md's table has no `test-*` row".to_string());
    }
    for n in table.iter().filter(|n| *n != "test-*") {
        if !names_in_registry.contains(n) {
            problems.push(format!(
                "README.md's table lists `{n}`, which the registry lacks"
            ));
        }
    }
    problems
}

#[test]
fn the_readme_workload_table_is_the_registry() {
    let readme = read("README.md");
    let registry = read("kernel/src/workloads/registry.rs");
    let problems = workload_table_problems(&readme, &registry);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Negative controls: a row the registry gained, a row it lost.
    let gained = registry.replace(
        "\"sieve\" =>",
        "\"planted\" => \"demos/planted.rs\", reads_input: false: \"x\";\n    \"sieve\" =>",
    );
    assert_eq!(
        workload_table_problems(&readme, &gained),
        ["`planted` is in the registry but not in README.md's table"]
    );
    let lost = registry.replace("\"sieve\" =>", "\"sieve-renamed\" =>");
    assert_eq!(
        workload_table_problems(&readme, &lost),
        [
            "`sieve-renamed` is in the registry but not in README.md's table",
            "README.md's table lists `sieve`, which the registry lacks"
        ]
    );
}

/// docs/POLICIES.md has a section for every registered policy (a heading
/// naming it in backquotes) and no section for a policy that is gone.
#[test]
fn the_policies_guide_has_a_section_per_registered_policy() {
    let md = read("docs/POLICIES.md");
    let headings: Vec<&str> = md
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let registered: Vec<&str> = gmp_sched::policy::POLICIES.iter().map(|r| r.name).collect();
    assert_eq!(
        headings, registered,
        "docs/POLICIES.md's `### `name`` sections, in registry order"
    );
}
