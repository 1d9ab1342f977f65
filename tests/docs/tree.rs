//! The tree the docs are checked against: its files and folders, and the
//! names its sources define.
//!
//! Design note: no Rust parser, on purpose. A definition is found by the
//! line it starts (`fn`, `struct`, `enum`, `union`, `trait`, `type`,
//! `const`, `static`, `mod`, `macro_rules!`, `use ... as`), an enum's
//! variants and a struct's fields by their lines inside its braces, and
//! gdb/*.py's commands by `def`, `class` and the names handed to
//! `__init__`. That is lenient (a field-like line anywhere in a body
//! counts) but never misses a real definition, so a name it reports as
//! undefined is undefined. Nothing is cached: the index is rebuilt from
//! whatever tree the test runs on, so it follows files as they move.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// What a name is, as far as a path through it goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A module: the next segment is looked up in its files.
    Mod,
    /// A type or trait: the next segment is looked up in the files that
    /// define or `impl` it.
    Type,
    /// Anything else (fn, const, static, macro, field, variant): a path
    /// ends there as far as this check goes.
    Item,
}

/// The folders (and root files) the docs may point into.
pub const TOP: &[&str] = &[
    "kernel",
    "boot",
    "tests",
    "docs",
    "gdb",
    ".ci",
    ".cargo",
    "README.md",
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
];

#[derive(Default)]
pub struct Tree {
    /// Every file, relative to the root, `/`-separated.
    pub files: Vec<String>,
    /// Every folder, relative to the root, without a trailing `/`.
    dirs: BTreeSet<String>,
    /// Name -> where it is defined, and as what.
    defs: HashMap<String, Vec<(usize, Kind)>>,
    /// Per file: the names it defines.
    names_in: HashMap<usize, HashSet<String>>,
    /// Per file: the names its `use` lines bring in (re-exports).
    uses_in: HashMap<usize, HashSet<String>>,
    /// Type -> the files with an `impl` of it.
    impls: HashMap<String, Vec<usize>>,
    /// Module -> its files.
    mods: HashMap<String, Vec<usize>>,
    /// Our crates (`gmp_kernel`, ...) -> their root files.
    pub crates: HashMap<String, Vec<usize>>,
    /// Crates we depend on, and Rust's own: their names are not ours.
    pub external: HashSet<String>,
    /// Every identifier in a string literal of a .rs or .py file, or
    /// anywhere in a shell script: environment variables are read by name.
    strings: HashSet<String>,
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

impl Tree {
    pub fn load(root: &Path) -> Tree {
        let mut t = Tree::default();
        for top in TOP {
            walk(root, top, &mut t);
        }
        for (i, f) in t.files.clone().iter().enumerate() {
            let script = f.ends_with(".sh") || f.starts_with(".ci/");
            if f.ends_with(".rs") || f.ends_with(".py") || script {
                let text = std::fs::read_to_string(root.join(f)).unwrap_or_default();
                let quoted = text
                    .split('"')
                    .skip(usize::from(!script))
                    .step_by(2 - usize::from(script));
                for q in quoted {
                    t.strings.extend(
                        q.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                            .map(String::from),
                    );
                }
                if f.ends_with(".rs") {
                    t.index_rust(i, &text);
                } else if f.ends_with(".py") {
                    t.index_python(i, &text);
                }
            } else if f.ends_with("Cargo.toml") {
                let text = std::fs::read_to_string(root.join(f)).expect("a Cargo.toml");
                t.index_cargo(f, &text);
            }
        }
        t.external
            .extend(["core", "alloc", "std"].map(String::from));
        // Our crates depend on each other: theirs are ours.
        let ours: Vec<String> = t.crates.keys().cloned().collect();
        t.external.retain(|e| !ours.contains(e));
        t
    }

    fn id(&self, rel: &str) -> Option<usize> {
        self.files.iter().position(|f| f == rel)
    }

    fn add(&mut self, name: &str, file: usize, kind: Kind) {
        if name.is_empty() {
            return;
        }
        self.defs
            .entry(name.to_string())
            .or_default()
            .push((file, kind));
        self.names_in
            .entry(file)
            .or_default()
            .insert(name.to_string());
    }

    fn index_cargo(&mut self, file: &str, text: &str) {
        let table: toml::Table = toml::from_str(text).expect("Cargo.toml parses");
        let dir = file.trim_end_matches("Cargo.toml");
        let external = &mut self.external;
        fn deps(v: &toml::Table, out: &mut HashSet<String>) {
            for (k, v) in v {
                if let Some(t) = v.as_table() {
                    if k.ends_with("dependencies") {
                        out.extend(t.keys().map(|d| d.replace('-', "_")));
                    } else {
                        deps(t, out);
                    }
                }
            }
        }
        deps(&table, external);
        let Some(name) = table
            .get("package")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
        else {
            return;
        };
        let mut roots: Vec<String> = ["src/lib.rs", "src/main.rs"]
            .iter()
            .map(|r| format!("{dir}{r}"))
            .collect();
        for key in ["lib", "bin"] {
            let targets = match table.get(key) {
                Some(toml::Value::Array(a)) => a.clone(),
                Some(v) => vec![v.clone()],
                None => vec![],
            };
            for t in targets {
                if let Some(p) = t.get("path").and_then(|p| p.as_str()) {
                    roots.push(format!("{dir}{p}"));
                }
            }
        }
        let ids: Vec<usize> = roots.iter().filter_map(|r| self.id(r)).collect();
        self.crates.insert(name.replace('-', "_"), ids);
    }

    fn index_python(&mut self, file: usize, text: &str) {
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line
                .strip_prefix("def ")
                .or_else(|| line.strip_prefix("class "))
            {
                self.add(ident(rest), file, Kind::Item);
            } else if let Some(rest) = line.strip_prefix("super().__init__(\"") {
                // A gdb command or function is registered by its name.
                let name = rest.split('"').next().unwrap_or_default();
                self.add(&name.replace(' ', "_"), file, Kind::Item);
                for w in name.split(' ') {
                    self.add(w, file, Kind::Item);
                }
            }
        }
    }

    fn index_rust(&mut self, file: usize, text: &str) {
        let path = self.files[file].clone();
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        let stem = path.rsplit('/').next().unwrap_or_default();
        // Where `mod x;` looks: beside a mod.rs/lib.rs/main.rs, else in a
        // folder named after this file.
        let mod_dir = match stem {
            "mod.rs" | "lib.rs" | "main.rs" => dir.clone(),
            _ => format!("{dir}/{}", stem.trim_end_matches(".rs")),
        };
        let mut body: Option<(i32, bool)> = None; // (brace depth, is an enum)
        let mut path_attr: Option<String> = None;
        for raw in text.lines() {
            let line = raw.split("//").next().unwrap_or_default().trim();
            if let Some((depth, is_enum)) = body {
                let item = strip_visibility(line);
                let first = ident(item);
                let after = item[first.len()..].trim_start();
                let variant = is_enum
                    && depth == 1
                    && first.starts_with(|c: char| c.is_ascii_uppercase())
                    && (after.is_empty() || after.starts_with([',', '(', '{', '=']));
                let field = after.starts_with(':') && !after.starts_with("::");
                if !first.is_empty() && (variant || field) {
                    self.add(first, file, Kind::Item);
                }
                let depth = depth + braces(line);
                body = (depth > 0).then_some((depth, is_enum));
                continue;
            }
            for name in typed_names(line) {
                self.add(name, file, Kind::Item);
            }
            if let Some(p) = line.strip_prefix("#[path = \"") {
                path_attr = p.split('"').next().map(String::from);
                continue;
            }
            let mut words = line.split_whitespace().peekable();
            while let Some(w) = words.peek() {
                if ["pub", "unsafe", "async", "extern", "\"C\"", "default"].contains(w)
                    || w.starts_with("pub(")
                    || (w.starts_with("#[") && w.ends_with(']'))
                    || (*w == "const" && line.contains("const fn "))
                {
                    words.next();
                } else {
                    break;
                }
            }
            let rest: Vec<&str> = words.collect();
            let (Some(kw), Some(name)) = (rest.first(), rest.get(1)) else {
                continue;
            };
            let name = if *name == "mut" {
                ident(rest.get(2).copied().unwrap_or_default())
            } else {
                ident(name)
            };
            let kind = match *kw {
                "fn" | "const" | "static" | "macro_rules!" => Kind::Item,
                "struct" | "enum" | "union" | "trait" | "type" => Kind::Type,
                "mod" => Kind::Mod,
                "impl" => {
                    self.index_impl(line, file);
                    continue;
                }
                "use" => {
                    // Re-exports: every name a `use` line brings in.
                    for w in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                        self.uses_in.entry(file).or_default().insert(w.to_string());
                    }
                    if let Some((_, alias)) = line.rsplit_once(" as ") {
                        self.add(ident(alias), file, Kind::Item);
                    }
                    continue;
                }
                _ => continue,
            };
            self.add(name, file, kind);
            if kind == Kind::Mod {
                let files = if line.ends_with('{') {
                    vec![file]
                } else {
                    let cands = match path_attr.take() {
                        Some(p) => vec![format!("{dir}/{p}")],
                        None => vec![
                            format!("{mod_dir}/{name}.rs"),
                            format!("{mod_dir}/{name}/mod.rs"),
                        ],
                    };
                    cands
                        .iter()
                        .filter_map(|c| self.id(&normalize(c)))
                        .collect()
                };
                self.mods.entry(name.to_string()).or_default().extend(files);
            } else if matches!(*kw, "struct" | "enum" | "union" | "trait") && line.ends_with('{') {
                body = Some((braces(line), *kw == "enum"));
            }
        }
    }

    /// `impl<..> Trait for Type<..>` or `impl Type`: this file has Type's
    /// methods.
    fn index_impl(&mut self, line: &str, file: usize) {
        let at = line.find("impl").map_or(0, |i| i + "impl".len());
        let mut rest = &line[at..];
        if rest.starts_with('<') {
            let mut depth = 0;
            for (i, c) in rest.char_indices() {
                depth += match c {
                    '<' => 1,
                    '>' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    rest = &rest[i + 1..];
                    break;
                }
            }
        }
        let target = rest.rsplit_once(" for ").map_or(rest, |(_, t)| t);
        let target = target.trim_start().trim_start_matches('&');
        let name = target.split('<').next().unwrap_or_default();
        let name = ident(name.rsplit("::").next().unwrap_or_default());
        if !name.is_empty() {
            self.impls.entry(name.to_string()).or_default().push(file);
        }
    }

    /// Whether the code reads `name` as a string: an environment
    /// variable (`GMP_QEMU`), which has no definition of its own.
    pub fn in_strings(&self, name: &str) -> bool {
        self.strings.contains(name)
    }

    /// Whether `rel` is a file or folder of the tree.
    pub fn exists(&self, rel: &str) -> bool {
        let rel = rel.trim_end_matches('/');
        self.dirs.contains(rel) || self.files.iter().any(|f| f == rel)
    }

    /// The files `reference` names: one file, every file under a folder,
    /// every file of that name (`proc.rs`), or every file whose path ends
    /// in it (`runtime/stw.rs`).
    pub fn files_named(&self, reference: &str) -> Vec<usize> {
        let r = reference.trim_end_matches('/');
        let tail = format!("/{r}");
        let under = format!("{r}/");
        let tail_under = format!("/{r}/");
        (0..self.files.len())
            .filter(|&i| {
                let f = &self.files[i];
                f == r || f.ends_with(&tail) || f.starts_with(&under) || f.contains(&tail_under)
            })
            .collect()
    }

    /// Whether `name` is defined anywhere (`None`), or in one of `files`
    /// (by a `use` there too, unless `strict`).
    fn defined(&self, name: &str, files: Option<&[usize]>, strict: bool) -> Option<Vec<Kind>> {
        match files {
            None => self
                .defs
                .get(name)
                .map(|d| d.iter().map(|(_, k)| *k).collect()),
            Some(files) => {
                let has = |map: &HashMap<usize, HashSet<String>>, f: &usize| {
                    map.get(f).is_some_and(|n| n.contains(name))
                };
                let here = files
                    .iter()
                    .any(|f| has(&self.names_in, f) || (!strict && has(&self.uses_in, f)));
                here.then(|| {
                    // What it is: as defined anywhere (a re-export has no
                    // kind of its own).
                    self.defs
                        .get(name)
                        .map_or(vec![Kind::Item], |d| d.iter().map(|(_, k)| *k).collect())
                })
            }
        }
    }

    /// Checks a path `a::b::c`, each segment in the files of the one
    /// before (a module's files, a type's definition and `impl`s), from
    /// `within` (or anywhere) on. `Err` names the first segment not found.
    ///
    /// A path from one of our crates' roots (`gmp_kernel::runtime::...`)
    /// is what a symbol is called, in gdb and in the trace's stacks: there
    /// a re-export (`pub use`) does not count, only where the item is.
    pub fn resolve(&self, segs: &[&str], within: Option<&[usize]>) -> Result<(), String> {
        let mut ctx: Option<Vec<usize>> = within.map(<[usize]>::to_vec);
        let mut segs = segs;
        while let Some((&first, rest)) = segs.split_first() {
            if ["crate", "self", "super"].contains(&first) {
                segs = rest;
            } else {
                break;
            }
        }
        let mut strict = false;
        if let Some(roots) = segs.first().and_then(|s| self.crates.get(*s)) {
            ctx = Some(roots.clone());
            segs = &segs[1..];
            strict = true;
        }
        for (i, seg) in segs.iter().enumerate() {
            let Some(kinds) = self.defined(seg, ctx.as_deref(), strict) else {
                return Err(if i == 0 && ctx.is_some() {
                    format!("`{seg}` is not defined there")
                } else if i == 0 {
                    format!("`{seg}` is defined nowhere")
                } else {
                    format!("no `{seg}` in `{}`", segs[i - 1])
                });
            };
            let mut next = Vec::new();
            if kinds.contains(&Kind::Mod) {
                next.extend(self.mods.get(*seg).into_iter().flatten());
            }
            if kinds.contains(&Kind::Type) {
                next.extend(self.defs[*seg].iter().map(|(f, _)| *f));
                next.extend(self.impls.get(*seg).into_iter().flatten());
            }
            if next.is_empty() {
                // A fn, a const, a module declared in a macro: the path
                // goes on where this check cannot follow.
                return Ok(());
            }
            ctx = Some(next);
        }
        Ok(())
    }
}

/// The names given a type on a line: fn parameters (`steal_runnext:
/// bool`, `mut pause: impl FnMut()`), one per line of a long signature or
/// several in `(a: A, b: B)`. Lenient: a struct literal's `field: value`
/// counts too, which only names a real field.
fn typed_names(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    let mut at_start = true;
    while !rest.is_empty() {
        let part = rest.trim_start();
        let part = part.strip_prefix("mut ").unwrap_or(part);
        let name = ident(part);
        let after = part[name.len()..].trim_start();
        if at_start
            && !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && after.starts_with(':')
            && !after.starts_with("::")
        {
            out.push(name);
        }
        match rest.find(['(', ',']) {
            Some(i) => {
                rest = &rest[i + 1..];
                at_start = true;
            }
            None => break,
        }
    }
    out
}

/// A line without its leading `pub` or `pub(...)`.
fn strip_visibility(line: &str) -> &str {
    match line.strip_prefix("pub") {
        Some(rest) if rest.starts_with('(') => {
            rest.split_once(')').map_or(line, |(_, r)| r.trim_start())
        }
        Some(rest) if rest.starts_with(' ') => rest.trim_start(),
        _ => line,
    }
}

/// `{` minus `}` on a line.
fn braces(line: &str) -> i32 {
    line.chars()
        .map(|c| match c {
            '{' => 1,
            '}' => -1,
            _ => 0,
        })
        .sum()
}

/// `a/b/../c` as `a/c`.
pub fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    out.join("/")
}

fn walk(root: &Path, rel: &str, t: &mut Tree) {
    let path = root.join(rel);
    if path.is_file() {
        t.files.push(rel.to_string());
        return;
    }
    let Ok(entries) = std::fs::read_dir(&path) else {
        return;
    };
    t.dirs.insert(rel.to_string());
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n != "target")
        .collect();
    names.sort();
    for n in names {
        walk(root, &format!("{rel}/{n}"), t);
    }
}
