//! The kernel's layers point down only (see `kernel/src/main.rs`):
//! `boot, panic` → `workloads` → `runtime` → `mem` → `sync` → `arch`.
//!
//! Design note: a plain source scan, no build needed. Every path a kernel
//! file names through `crate::` (including `use crate::{a, b}` groups and
//! `$crate::` in macros) is mapped to its top-level module, and a module
//! may only name those at or below its own layer. Comments are skipped
//! (the docs may well mention the layer above, to say who calls in). The
//! one sanctioned way up — arch calling the runtime's trap entry through a
//! function pointer installed by `boot` — names nothing, so it passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level kernel modules, lowest layer first; a module may use the
/// ones at the same or a lower rank.
const LAYERS: &[(&str, u32)] = &[
    ("arch", 0),
    ("sync", 1),
    ("mem", 2),
    ("runtime", 3),
    ("workloads", 4),
    ("prelude", 4),
    ("boot", 5),
    ("panic", 5),
    ("kprintln", 0),
    ("kprint", 0),
    ("select", 3),
    ("__select", 3),
];

fn rank(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("kernel source folder") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of `text` without `//` comments.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module `code` names through `crate::`.
fn named_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

/// `(file, module it names)` pairs that point up.
fn upward_imports(src: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(mine) = rank(&top) else { continue }; // main.rs: the root
        let text = std::fs::read_to_string(&f).unwrap();
        for m in named_modules(&code(&text)) {
            if let Some(theirs) = rank(&m)
                && theirs > mine
            {
                bad.push((rel.display().to_string(), m));
            }
        }
    }
    bad
}

#[test]
fn kernel_layers_point_down_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel/src");
    let bad = upward_imports(&src);
    assert!(
        bad.is_empty(),
        "these kernel files name a module of a higher layer (see the layer rule in kernel/src/main.rs): {bad:?}"
    );
}

#[test]
fn machine_and_memory_never_name_the_scheduler() {
    // The rule as the issue states it, checked literally too: no file under
    // arch/ or mem/ names runtime:: or workloads:: outside comments.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel/src");
    for dir in ["arch", "mem", "sync"] {
        let mut files = Vec::new();
        rust_files(&src.join(dir), &mut files);
        for f in files {
            let c = code(&std::fs::read_to_string(&f).unwrap());
            for word in ["runtime::", "workloads::", "prelude::"] {
                assert!(
                    !c.contains(word),
                    "{} names {word} (layers point down only)",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn the_scan_sees_an_upward_import() {
    // The checker itself must catch what it is for.
    let c = code(
        "use crate::{arch::cpu, runtime::m};\n// crate::workloads in a comment\nlet x = crate::mem::paging::f();",
    );
    let named = named_modules(&c);
    assert!(named.contains("arch") && named.contains("runtime") && named.contains("mem"));
    assert!(!named.contains("workloads"), "comments are not code");
    let dir = std::env::temp_dir().join(format!("gmp-layers-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("arch")).unwrap();
    std::fs::write(dir.join("arch/bad.rs"), "use crate::runtime::m::M;\n").unwrap();
    let bad = upward_imports(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(bad, [("arch/bad.rs".to_string(), "runtime".to_string())]);
}
