//! The kernel's rooms and which way their doors open, checked on the source.
//!
//! Design note: every kernel file is parsed with `syn` and every path it
//! names through `crate::`, `$crate::`, `super::` or `self::` — in `use`
//! trees (groups included), in expressions and types, and inside macro
//! bodies — is resolved to an absolute module path (`super::` from an
//! inline `mod tests` counts from that inline module). Then three sets of
//! rules apply (`rules_of`):
//!
//! 1. **Top-level layers** (kernel/src/main.rs): `boot, panic` →
//!    `workloads` → `runtime` → `mem` → `sync` → `arch`; a module may name
//!    those at or below its own layer. A top-level module missing from
//!    [`LAYERS`] fails the test: a new room must be placed.
//! 2. **The runtime's rooms** (kernel/src/runtime/mod.rs): `objects` →
//!    `diag` → `scheduler` → `gsync` → `inspect` → `api` → `start`, `trap`;
//!    a file may name its own folder and the folders below it. The
//!    scheduling loop names the observers (`diag`) only through its seam,
//!    `scheduler/observe.rs`.
//! 3. **The workload boundary** (kernel/src/workloads/mod.rs): `demos/` and
//!    `labs/` name only the prelude and `workloads::common`; `checks/`,
//!    `torture/`, `bench/`, `experiments/` and `tourney/` may also name
//!    `runtime::inspect`, the one inspection module; no workload names
//!    `arch`, `mem` or `sync`.
//!
//! The one sanctioned way up — `arch` calling the runtime's trap entry
//! through a function pointer installed by `boot` — names nothing, so it
//! passes. Each rule has a planted violation below that it must catch.

use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// Top-level kernel modules (and crate-root macros), lowest layer first: a
/// module may name those of the same or a lower rank.
const LAYERS: &[(&str, u32)] = &[
    ("arch", 0),
    ("kprintln", 0),
    ("kprint", 0),
    ("sync", 1),
    ("mem", 2),
    ("runtime", 3),
    ("select", 3),
    ("__select", 3),
    ("workloads", 4),
    ("prelude", 4),
    ("boot", 5),
    ("panic", 5),
];

/// The runtime's folders (and its top files), lowest first.
const RUNTIME: &[(&str, u32)] = &[
    ("objects", 0),
    ("diag", 1),
    ("scheduler", 2),
    ("gsync", 3),
    ("inspect", 4),
    ("api", 5),
    ("start", 6),
    ("trap", 6),
];

/// The scheduler's one file that may name `runtime::diag`.
const SEAM: &str = "observe";

fn rank(table: &[(&str, u32)], name: &str) -> Option<u32> {
    table.iter().find(|(m, _)| *m == name).map(|(_, r)| *r)
}

/// A path named in a file: the line and the absolute module path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    line: usize,
    path: Vec<String>,
}

/// The module path of a kernel source file relative to `kernel/src`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "main" | "lib")
    ) {
        parts.pop();
    }
    parts
}

/// Resolves `segs` (as written) from inside module `here`; `None` for a
/// path that does not start at the crate, `super` or `self`.
fn resolve(here: &[String], segs: &[String]) -> Option<Vec<String>> {
    let first = segs.first()?;
    let (mut base, rest) = match first.as_str() {
        "crate" | "$crate" => (Vec::new(), &segs[1..]),
        "self" => (here.to_vec(), &segs[1..]),
        "super" => {
            let mut base = here.to_vec();
            let mut i = 0;
            while segs.get(i).is_some_and(|s| s == "super") {
                base.pop();
                i += 1;
            }
            (base, &segs[i..])
        }
        _ => return None,
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// Collects the paths of one file.
struct Collector {
    /// The module the code being visited is in (the file's, plus inline
    /// `mod` blocks).
    here: Vec<String>,
    found: Vec<Named>,
}

impl Collector {
    fn add(&mut self, line: usize, segs: Vec<String>) {
        if let Some(path) = resolve(&self.here, &segs) {
            self.found.push(Named { line, path });
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, t: &syn::UseTree, line: usize) {
        match t {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree, line);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut segs = prefix.clone();
                if n.ident != "self" {
                    segs.push(n.ident.to_string());
                }
                self.add(line, segs);
            }
            syn::UseTree::Rename(r) => {
                let mut segs = prefix.clone();
                segs.push(r.ident.to_string());
                self.add(line, segs);
            }
            syn::UseTree::Glob(_) => self.add(line, prefix.clone()),
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item, line);
                }
            }
        }
    }

    /// Paths in a macro's tokens: `crate :: a :: b`, `$crate :: ...`,
    /// `super :: ...`, `self :: ...`.
    fn tokens(&mut self, ts: TokenStream) {
        let toks: Vec<TokenTree> = ts.into_iter().collect();
        let mut i = 0;
        while i < toks.len() {
            if let TokenTree::Group(g) = &toks[i] {
                self.tokens(g.stream());
                i += 1;
                continue;
            }
            let start = match &toks[i] {
                TokenTree::Ident(id) if ["crate", "super", "self"].contains(&&*id.to_string()) => {
                    Some((id.to_string(), i + 1, id.span().start().line))
                }
                TokenTree::Punct(p) if p.as_char() == '$' => match toks.get(i + 1) {
                    Some(TokenTree::Ident(id)) if id == "crate" => {
                        Some(("$crate".to_string(), i + 2, id.span().start().line))
                    }
                    _ => None,
                },
                _ => None,
            };
            let Some((first, mut j, line)) = start else {
                i += 1;
                continue;
            };
            let mut segs = vec![first];
            loop {
                let colons = matches!(
                    (toks.get(j), toks.get(j + 1)),
                    (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                        if a.as_char() == ':' && b.as_char() == ':'
                );
                match (colons, toks.get(j + 2)) {
                    (true, Some(TokenTree::Ident(id))) => {
                        segs.push(id.to_string());
                        j += 3;
                    }
                    _ => break,
                }
            }
            if segs.len() > 1 {
                self.add(line, segs);
            }
            i = j.max(i + 1);
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let line = u.use_token.span.start().line;
        self.use_tree(&mut Vec::new(), &u.tree, line);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let line = p
            .segments
            .first()
            .map_or(0, |s| s.ident.span().start().line);
        self.add(line, segs);
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.visit_path(&m.path);
        self.tokens(m.tokens.clone());
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if m.content.is_some() {
            self.here.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.here.pop();
        }
    }
}

/// Every crate-relative path `text` (the file at `rel` under kernel/src)
/// names, resolved.
fn named_in(rel: &Path, text: &str) -> Vec<Named> {
    let file =
        syn::parse_file(text).unwrap_or_else(|e| panic!("{}: does not parse: {e}", rel.display()));
    let mut c = Collector {
        here: module_of(rel),
        found: Vec::new(),
    };
    c.visit_file(&file);
    c.found
}

/// Why `target` may not be named from the file at `rel`, if it may not.
fn rules_of(rel: &Path, target: &[String]) -> Option<String> {
    let me = module_of(rel);
    let (Some(my_top), Some(their_top)) = (me.first(), target.first()) else {
        return None; // main.rs, or `crate` itself
    };
    let Some(mine) = rank(LAYERS, my_top) else {
        return Some(format!(
            "the top-level module `{my_top}` has no place in tests/layers.rs's LAYERS: place it"
        ));
    };
    let Some(theirs) = rank(LAYERS, their_top) else {
        return Some(format!(
            "names `crate::{their_top}`, a top-level module with no place in LAYERS"
        ));
    };
    if theirs > mine {
        return Some(format!(
            "`{my_top}` names `{their_top}`, a higher layer (kernel/src/main.rs)"
        ));
    }
    if my_top == "runtime" && their_top == "runtime" {
        return runtime_rule(&me, target);
    }
    if my_top == "workloads" {
        return workload_rule(&me, target);
    }
    None
}

/// Rule 2: inside the runtime.
fn runtime_rule(me: &[String], target: &[String]) -> Option<String> {
    let room = |p: &[String]| p.get(1).cloned();
    let (Some(mine), Some(theirs)) = (room(me), room(target)) else {
        // runtime/mod.rs itself, or a path to `crate::runtime`.
        return None;
    };
    let (Some(rm), Some(rt)) = (rank(RUNTIME, &mine), rank(RUNTIME, &theirs)) else {
        return Some(format!(
            "`runtime::{}` is not a room of RUNTIME in tests/layers.rs (nor is it `runtime::{}`): place it",
            mine, theirs
        ));
    };
    if rt > rm {
        return Some(format!(
            "`runtime::{mine}` names `runtime::{theirs}`, a room above it (kernel/src/runtime/mod.rs)"
        ));
    }
    if mine == "scheduler" && theirs == "diag" && me.get(2).is_none_or(|f| f != SEAM) {
        return Some(format!(
            "the scheduling loop names `runtime::diag` directly; report through `scheduler::{SEAM}`"
        ));
    }
    None
}

/// Rule 3: the workload boundary.
fn workload_rule(me: &[String], target: &[String]) -> Option<String> {
    let top = target[0].as_str();
    if matches!(top, "arch" | "mem" | "sync") {
        return Some(format!(
            "a workload names `{top}`: workloads see only the prelude (and checks the inspection module)"
        ));
    }
    let folder = me.get(1).map(String::as_str);
    let own = |t: &[String]| t.len() >= 2 && t[0] == "workloads";
    let inspect = target.len() >= 2 && target[0] == "runtime" && target[1] == "inspect";
    let common = own(target) && target[1] == "common";
    match folder {
        Some("demos" | "labs" | "common") => {
            let same_folder = own(target) && Some(target[1].as_str()) == folder;
            (!(top == "prelude" || common || same_folder)).then(|| {
                format!(
                    "a {} file names `{}`: demos and labs use only the prelude and workloads::common",
                    folder.unwrap_or("?"),
                    target.join("::")
                )
            })
        }
        Some("checks" | "torture" | "bench" | "experiments" | "tourney") => {
            let ok = top == "prelude" || inspect || own(target);
            (!ok).then(|| {
                format!(
                    "a {} file names `{}`: beside the prelude it may use only runtime::inspect",
                    folder.unwrap_or("?"),
                    target.join("::")
                )
            })
        }
        // workloads/mod.rs, registry.rs, faults.rs: the dispatch, which
        // hands the runtime its main G and may name the runtime's API.
        _ => {
            let ok = top == "prelude"
                || own(target)
                || inspect
                || (target.len() >= 2 && target[0] == "runtime" && target[1] == "api")
                || target == ["runtime"];
            (!ok).then(|| {
                format!(
                    "the workload dispatch names `{}`: use runtime::api or runtime::inspect",
                    target.join("::")
                )
            })
        }
    }
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

/// Every broken rule under `src` (a kernel/src tree), as
/// `file:line: why (path)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let text = std::fs::read_to_string(&f).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for n in named_in(rel, &text) {
            if let Some(why) = rules_of(rel, &n.path)
                && seen.insert((why.clone(), n.line))
            {
                bad.push(format!("{}:{}: {why}", rel.display(), n.line));
            }
        }
    }
    bad
}

fn kernel_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("kernel/src")
}

#[test]
fn every_kernel_file_keeps_to_its_layer_room_and_boundary() {
    let bad = violations(&kernel_src());
    assert!(
        bad.is_empty(),
        "{} import(s) break the rules of tests/layers.rs:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_top_level_module_and_runtime_room_has_a_place() {
    for e in std::fs::read_dir(kernel_src()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let m = name.trim_end_matches(".rs");
        if m != "main" {
            assert!(rank(LAYERS, m).is_some(), "kernel/src/{name} has no layer");
        }
    }
    for e in std::fs::read_dir(kernel_src().join("runtime")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let m = name.trim_end_matches(".rs");
        if m != "mod" {
            assert!(
                rank(RUNTIME, m).is_some(),
                "kernel/src/runtime/{name} has no room"
            );
        }
    }
}

/// A throw-away kernel tree with `files` (path, text).
fn planted(files: &[(&str, &str)]) -> Vec<String> {
    let dir =
        std::env::temp_dir().join(format!("gmp-layers-{}-{}", std::process::id(), files.len()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let bad = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    bad
}

#[test]
fn the_checker_catches_each_kind_of_violation() {
    // An upward import, in a group, from arch.
    let bad = planted(&[(
        "arch/bad.rs",
        "use crate::{arch::cpu, runtime::objects::m};\n",
    )]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].starts_with("arch/bad.rs:1: `arch` names `runtime`"),
        "{bad:?}"
    );
    // A top-level module nobody placed.
    let bad = planted(&[("gadgets/mod.rs", "pub fn f() {}\n")]);
    assert!(
        bad.is_empty(),
        "a file naming nothing breaks no import rule"
    );
    let bad = planted(&[("boot.rs", "use crate::gadgets::f;\n")]);
    assert!(bad[0].contains("no place in LAYERS"), "{bad:?}");
    // Inside the runtime: a room naming one above it through super::super.
    let bad = planted(&[(
        "runtime/objects/g.rs",
        "fn f() { super::super::scheduler::proc::schedule(); }\n",
    )]);
    assert!(bad[0].contains("names `runtime::scheduler`"), "{bad:?}");
    // The loop naming an observer directly, and through the seam.
    let bad = planted(&[
        (
            "runtime/scheduler/proc.rs",
            "use crate::runtime::diag::trace;\n",
        ),
        (
            "runtime/scheduler/observe.rs",
            "pub use crate::runtime::diag::trace::go_start;\n",
        ),
    ]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].starts_with("runtime/scheduler/proc.rs:1:"),
        "{bad:?}"
    );
    // Workloads: a demo naming the runtime's insides, in a macro; a check
    // naming arch; a check using the inspection module (allowed).
    let bad = planted(&[
        (
            "workloads/demos/d.rs",
            "fn f() { kprintln!(\"{}\", crate::runtime::objects::sched::gomaxprocs()); }\n",
        ),
        (
            "workloads/checks/c.rs",
            "use crate::arch::cpu;\nuse crate::runtime::inspect::goroutines;\n",
        ),
    ]);
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert!(bad[0].starts_with("workloads/checks/c.rs:1: a workload names `arch`"));
    assert!(bad[1].starts_with(
        "workloads/demos/d.rs:1: a demos file names `runtime::objects::sched::gomaxprocs`"
    ));
    // `super::` from an inline test module counts from that module.
    let bad = planted(&[(
        "runtime/objects/g.rs",
        "mod tests { use super::super::m::M; }\n",
    )]);
    assert!(bad.is_empty(), "{bad:?}");
}

#[test]
fn paths_resolve_from_where_they_are_written() {
    let here: Vec<String> = ["runtime", "scheduler", "proc"].map(String::from).to_vec();
    let r = |s: &str| resolve(&here, &s.split("::").map(String::from).collect::<Vec<_>>());
    assert_eq!(r("super::park").unwrap(), ["runtime", "scheduler", "park"]);
    assert_eq!(r("super::super::objects").unwrap(), ["runtime", "objects"]);
    assert_eq!(r("crate::arch::cpu").unwrap(), ["arch", "cpu"]);
    assert_eq!(r("$crate::prelude").unwrap(), ["prelude"]);
    assert_eq!(r("self::x").unwrap(), ["runtime", "scheduler", "proc", "x"]);
    assert_eq!(r("core::mem"), None);
    assert_eq!(
        module_of(Path::new("runtime/scheduler/mod.rs")),
        ["runtime", "scheduler"]
    );
}
