//! The references a markdown text makes to the tree, and which are stale.
//!
//! Design note: what counts as a reference, and where it is looked for.
//!
//! * **Paths**, in every line (prose, inline code, fenced output): a word
//!   that starts with one of the tree's top folders or root files
//!   ([`super::tree::TOP`]) must exist, relative to the repository root; a
//!   bare file name with a source extension (`proc.rs`, `gmp.py`) must be
//!   the name of some file of the tree; a partial path (`runtime/stw.rs`,
//!   `demos/`) must end some file's or folder's path. `{a,b}` expands,
//!   and `:LINE`, `#anchor` and `::item` suffixes are cut off (the item is
//!   then looked up in that file).
//! * **Links** `[text](target)`: relative to the markdown file; the target
//!   must exist, and an `#anchor` into a markdown file must be one of its
//!   headings (GitHub's slugs).
//! * **Names**, in inline code only (`` `...` ``): every `a::b::c` path in
//!   a span (generics included), resolved segment by segment (a module's
//!   next segment in its files, a type's in its definition and `impl`s);
//!   a span that is one identifier (maybe `()`, `(args)`, `!` or `<..>`
//!   after it) when it looks like code: it has a `_`, or is camelCase
//!   (`findRunnable`), or CamelCase with two humps (`PollDesc`), or is a
//!   lowercase call or macro (`gosched()`, `select!`), or a gdb
//!   convenience function (`$goroutine_waiting(1)`). Plain lowercase words
//!   (`runqput`, `sched`, `off`) are English, shell and option words as
//!   often as code, so they are checked only where the docs place them:
//! * **`X` in `FILE`** (also `X (FILE)` and lists `` `A`, `B` and `C` in
//!   `FILE` ``): each X must be defined in that file (or under that
//!   folder, or in a file of that name).
//! * In fenced blocks, paths rooted at one of our crates (`gmp_kernel::`,
//!   `gmp_sched::`, `gmp_metal::`): the symbols quoted from gdb and the
//!   trace's stacks.
//!
//! Not ours, so not checked: paths of crates we depend on
//! (`bootloader_api::...`, `core::...`); a span the text gives to Go
//! (`` Go's `X` ``, and the spans listed right after it); an all-caps name
//! the code reads as a string (`GMP_QEMU`, an environment variable). The
//! allow-list in `docs.rs` covers the rest, each entry with its reason,
//! and an entry nothing needs any more fails the test too.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::path::Path;

use super::tree::{TOP, Tree, normalize};

/// File extensions whose bare names (`proc.rs`) must be files of the tree.
/// Not `.go` (the docs cite Go's `proc.go`), nor outputs (`trace.html`).
const SOURCE_EXT: &[&str] = &[".rs", ".py", ".sh", ".gdb", ".md", ".toml", ".js", ".css"];

pub struct Docs<'a> {
    pub tree: &'a Tree,
    pub root: &'a Path,
    /// Names and paths that are not ours (see `docs.rs`).
    pub allow: &'a [(&'a str, &'a str)],
    /// How many paths, links and names were checked: a scanner that finds
    /// nothing must not pass for a clean tree.
    pub checked: Cell<[usize; 3]>,
    /// Which entries of `allow` something matched: one nothing needs any
    /// more is itself stale.
    pub used: RefCell<BTreeSet<String>>,
}

/// An inline code span: its line (1-based), byte range in the text and
/// content.
struct Span {
    line: usize,
    start: usize,
    end: usize,
    text: String,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len());
    &s[..end]
}

/// Whether a lone identifier looks like code rather than a word.
fn codeish(name: &str) -> bool {
    let upper = name.chars().filter(char::is_ascii_uppercase).count();
    let lower = name.chars().any(|c| c.is_ascii_lowercase());
    let first_lower = name.starts_with(|c: char| c.is_ascii_lowercase());
    name.contains('_') || (first_lower && upper > 0) || (upper >= 2 && lower && !first_lower)
}

/// Every `a::b(::c)*` in a text, as its segments.
fn paths(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let c = b[i] as char;
        let prev = if i == 0 { ' ' } else { b[i - 1] as char };
        if !(c.is_ascii_alphabetic() || c == '_') || is_ident_char(prev) || prev == '.' {
            i += 1;
            continue;
        }
        let mut segs = vec![ident(&text[i..]).to_string()];
        let mut j = i + segs[0].len();
        while text[j..].starts_with("::") {
            let next = ident(&text[j + 2..]);
            if next.is_empty() || next.starts_with(|c: char| c.is_ascii_digit()) {
                break;
            }
            segs.push(next.to_string());
            j += 2 + next.len();
        }
        if segs.len() > 1 {
            out.push(segs);
        }
        i = j.max(i + 1);
    }
    out
}

/// A span that starts with one name: the name, and whether it was written
/// as a call, a macro or a gdb function (`$f`).
fn lone_name(span: &str) -> Option<(&str, bool)> {
    let (gdb, rest) = match span.strip_prefix('$') {
        Some(r) => (true, r),
        None => (false, span),
    };
    let name = ident(rest);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let after = &rest[name.len()..];
    let call = (after.starts_with('(') && after.ends_with(')')) || after.starts_with('!');
    let generic = after.starts_with('<') && after.ends_with('>');
    (after.is_empty() || call || generic).then_some((name, call || gdb))
}

/// GitHub's anchor of a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a markdown text's headings (not of `#` lines in its
/// fenced blocks: shell comments, gdb's frames).
fn anchors(md: &str) -> BTreeSet<String> {
    let mut fenced = false;
    md.lines()
        .filter(|l| {
            fenced ^= l.trim_start().starts_with("```");
            !fenced
        })
        .filter_map(|l| l.strip_prefix('#'))
        .map(|h| slug(h.trim_start_matches('#')))
        .collect()
}

/// The words of a line that may be paths.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut braces = 0;
    for c in line.chars() {
        let keep = is_ident_char(c) || "-./{}:#~$+@".contains(c) || (c == ',' && braces > 0);
        braces += match c {
            '{' => 1,
            '}' if braces > 0 => -1,
            _ => 0,
        };
        if keep {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            braces = 0;
        }
    }
    out.extend((!cur.is_empty()).then_some(cur));
    out
}

/// `a/{b,c}.rs` as `a/b.rs` and `a/c.rs`.
fn expand(word: &str) -> Vec<String> {
    match (word.find('{'), word.find('}')) {
        (Some(a), Some(b)) if a < b => word[a + 1..b]
            .split(',')
            .map(|alt| format!("{}{alt}{}", &word[..a], &word[b + 1..]))
            .collect(),
        _ => vec![word.to_string()],
    }
}

impl<'a> Docs<'a> {
    /// A checker of the docs against `tree`, nothing counted yet.
    pub fn new(tree: &'a Tree, root: &'a Path, allow: &'a [(&'a str, &'a str)]) -> Self {
        Docs {
            tree,
            root,
            allow,
            checked: Default::default(),
            used: Default::default(),
        }
    }

    fn count(&self, kind: usize) {
        let mut c = self.checked.get();
        c[kind] += 1;
        self.checked.set(c);
    }

    fn allowed(&self, what: &str) -> bool {
        let hit = self.allow.iter().any(|(a, _)| *a == what);
        if hit {
            self.used.borrow_mut().insert(what.to_string());
        }
        hit
    }

    /// The stale references of the markdown text `md`, as `LABEL:LINE:
    /// what`; `label` is its path from the repository root.
    pub fn stale(&self, label: &str, md: &str) -> Vec<String> {
        let dir = label.rsplit_once('/').map_or("", |(d, _)| d);
        let mut out = Vec::new();
        let mut prose = String::new();
        let mut fenced = false;
        for (n, line) in md.lines().enumerate() {
            let n = n + 1;
            let mut bad = |what: String| out.push(format!("{label}:{n}: {what}"));
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                prose.push('\n');
                continue;
            }
            // A link's target is checked as a link (relative to this file).
            let unlinked: String = line
                .split("](")
                .enumerate()
                .map(|(k, part)| match (k, part.split_once(')')) {
                    (0, _) | (_, None) => part.to_string(),
                    (_, Some((_, rest))) => format!("] {rest}"),
                })
                .collect();
            for w in words(&unlinked) {
                for p in expand(&w) {
                    if let Some(why) = self.check_path(&p) {
                        bad(why);
                    }
                }
            }
            if fenced {
                for segs in paths(line) {
                    if self.tree.crates.contains_key(&segs[0]) {
                        self.check_name(&segs, &mut bad);
                    }
                }
                prose.push('\n');
                continue;
            }
            for link in line.split("](").skip(1) {
                let target = link.split(')').next().unwrap_or_default();
                if let Some(why) = self.check_link(dir, md, target) {
                    bad(why);
                }
            }
            prose.push_str(line);
            prose.push('\n');
        }
        let spans = spans(&prose);
        let gos = gos(&prose, &spans);
        for (i, s) in spans.iter().enumerate() {
            if gos[i] {
                continue;
            }
            let mut bad = |what: String| out.push(format!("{label}:{}: {what}", s.line));
            for segs in paths(&s.text) {
                self.check_name(&segs, &mut bad);
            }
            if let Some((name, call)) = lone_name(&s.text)
                && !s.text.contains("::")
                && (codeish(name) || (call && name.starts_with(|c: char| c.is_ascii_lowercase())))
            {
                self.check_name(&[name.to_string()], &mut bad);
            }
            self.check_placed(&prose, &spans, i, &mut bad);
        }
        let mut seen = BTreeSet::new();
        out.retain(|l| seen.insert(l.clone()));
        out
    }

    /// `X` in `FILE`: the names of the list before span `i`, if span `i`
    /// is a file of the tree and the list is tied to it by ` in ` or ` (`.
    fn check_placed(&self, prose: &str, spans: &[Span], i: usize, bad: &mut dyn FnMut(String)) {
        let file = spans[i].text.as_str();
        let is_file = !file.contains(' ')
            && (file.contains('/') || SOURCE_EXT.iter().any(|e| file.ends_with(e)));
        if !is_file || i == 0 {
            return;
        }
        let files = self.tree.files_named(file);
        if files.is_empty() {
            return; // a stale path: reported as such
        }
        let sep = |a: &Span, b: &Span| prose[a.end..b.start].replace('\n', " ");
        if !matches!(sep(&spans[i - 1], &spans[i]).as_str(), " in " | " (") {
            return;
        }
        // An English list: `A`, `B` and `C` in `FILE`.
        let mut j = i - 1;
        let mut last = true;
        loop {
            let x = spans[j].text.as_str();
            let segs: Vec<String> = x.split("::").map(|s| ident(s).to_string()).collect();
            let whole = segs.join("::");
            if !segs.iter().any(String::is_empty)
                && (x == whole || lone_name(x).is_some())
                && !self.allowed(&whole)
            {
                self.count(2);
                let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
                if let Err(why) = self.tree.resolve(&refs, Some(&files)) {
                    bad(format!("`{whole}` in {file}: {why}"));
                }
            }
            let joined = j > 0 && {
                let sep = sep(&spans[j - 1], &spans[j]);
                if last {
                    matches!(sep.as_str(), " and " | ", and " | " or ")
                } else {
                    sep == ", "
                }
            };
            if !joined {
                break;
            }
            last = false;
            j -= 1;
        }
    }

    fn check_name(&self, segs: &[String], bad: &mut dyn FnMut(String)) {
        let whole = segs.join("::");
        if self.tree.external.contains(&segs[0]) || self.allowed(&whole) || self.allowed(&segs[0]) {
            return;
        }
        let screaming = whole.contains('_')
            && whole
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if screaming && self.tree.in_strings(&whole) {
            return;
        }
        self.count(2);
        let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
        if let Err(why) = self.tree.resolve(&refs, None) {
            bad(format!("`{whole}`: {why}"));
        }
    }

    /// `None` if `word` is no path or an existing one, else why not.
    fn check_path(&self, word: &str) -> Option<String> {
        if word.contains("://") || word.contains("...") {
            return None;
        }
        let (word, item) = match word.split_once("::") {
            Some((w, i)) => (w, Some(ident(i))),
            None => (word, None),
        };
        let word = word.split('#').next().unwrap_or_default();
        let word = word
            .rsplit(':')
            .find(|s| !s.is_empty() && !s.chars().all(|c| c.is_ascii_digit()));
        let word = word?.trim_end_matches(['.', ',', ';', '!', '?']);
        if word.starts_with(['/', '~', '$']) || word.starts_with("target/") || word.contains('{') {
            return None;
        }
        let top = word.split('/').next().unwrap_or_default();
        let is_top = TOP.contains(&top) && (word.contains('/') || top.contains('.'));
        let source = SOURCE_EXT.iter().any(|e| word.ends_with(e));
        let partial_dir = word.ends_with('/')
            && word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-/".contains(c));
        if !(is_top || source || partial_dir) || word.starts_with('.') && !is_top {
            return None;
        }
        if self.allowed(word) || self.allowed(word.rsplit('/').next().unwrap_or_default()) {
            return None;
        }
        self.count(0);
        let found = if is_top {
            self.tree.exists(word)
        } else {
            !self.tree.files_named(word).is_empty()
        };
        if !found {
            return Some(format!("{word} (no such file or folder)"));
        }
        let item = item.filter(|i| !i.is_empty())?;
        let files = self.tree.files_named(word);
        self.tree
            .resolve(&[item], Some(&files))
            .err()
            .map(|why| format!("`{item}` in {word}: {why}"))
    }

    /// A link's target, relative to the markdown file's folder `dir`.
    fn check_link(&self, dir: &str, md: &str, target: &str) -> Option<String> {
        let target = target.split_whitespace().next().unwrap_or_default();
        if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
            return None;
        }
        self.count(1);
        let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
        let rel = normalize(&format!("{dir}/{file}"));
        let text = if file.is_empty() {
            md.to_string()
        } else if !self.tree.exists(&rel) {
            return Some(format!("link {target} (no such file or folder)"));
        } else {
            std::fs::read_to_string(self.root.join(&rel)).unwrap_or_default()
        };
        let checkable = file.is_empty() || rel.ends_with(".md");
        (checkable && !anchor.is_empty() && !anchors(&text).contains(anchor))
            .then(|| format!("link {target} (no such heading)"))
    }
}

/// Which spans the text gives to Go: `` Go's `X` `` and the spans listed
/// right after it (`` Go's `A`, `B` and `C` ``, `` Go's `A`/`B` ``).
fn gos(prose: &str, spans: &[Span]) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::with_capacity(spans.len());
    for (i, s) in spans.iter().enumerate() {
        let before = prose[..s.start].replace('\n', " ");
        let listed = i > 0
            && out[i - 1]
            && matches!(
                prose[spans[i - 1].end..s.start].replace('\n', " ").as_str(),
                ", " | " and " | ", and " | " or " | "/"
            );
        out.push(before.ends_with("Go's ") || listed);
    }
    out
}

/// The inline code spans of a text (fenced blocks already blanked); a
/// span does not cross a blank line.
fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if c == '\n' && open.is_some_and(|o| text[o..i].ends_with('\n')) {
            open = None; // a blank line: the backtick was literal
        }
        if c != '`' {
            continue;
        }
        match open.take() {
            None => open = Some(i + 1),
            Some(o) => out.push(Span {
                line: text[..o].matches('\n').count() + 1,
                start: o - 1,
                end: i + 1,
                text: text[o..i].split_whitespace().collect::<Vec<_>>().join(" "),
            }),
        }
    }
    out
}
