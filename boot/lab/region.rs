//! Marked regions: the holes a lab cuts into the real code.
//!
//! Design note: a region is the lines strictly between two comment lines,
//!
//! ```text
//!     // lab steal/grab: begin
//!     ...the reference code...
//!     // lab steal/grab: end
//! ```
//!
//! named `LAB/REGION`, found by exact line match (after the indentation),
//! so the markers survive formatting and any edit around them. A region is
//! replaced as whole lines, re-indented to its begin marker, so a stub or
//! a wrong answer can be written without knowing how deep the code sits.
//! Nothing here knows about git or cargo: `lab::git` fetches the reference
//! text, and the grader only reads files.

use std::fmt;
use std::path::{Path, PathBuf};

/// The begin marker of region `id` (`lab/region`), without indentation.
pub fn begin_marker(id: &str) -> String {
    format!("// lab {id}: begin")
}

/// The end marker of region `id`, without indentation.
pub fn end_marker(id: &str) -> String {
    format!("// lab {id}: end")
}

/// Where a region sits in a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// 0-based line index of the begin marker.
    pub begin: usize,
    /// 0-based line index of the end marker.
    pub end: usize,
    /// The begin marker's indentation.
    pub indent: String,
}

impl Span {
    /// 1-based line numbers of the region's body, for messages.
    pub fn body_lines(&self) -> (usize, usize) {
        (self.begin + 2, self.end)
    }
}

/// Why a region could not be found or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionError {
    /// The file could not be read or written.
    Io { file: PathBuf, why: String },
    /// No begin marker (the region was deleted, or renamed by a merge).
    Missing { file: PathBuf, id: String },
    /// A begin marker without an end marker after it.
    Unclosed { file: PathBuf, id: String },
    /// The markers appear more than once.
    Duplicate { file: PathBuf, id: String },
}

impl fmt::Display for RegionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegionError::Io { file, why } => write!(f, "{}: {why}", file.display()),
            RegionError::Missing { file, id } => write!(
                f,
                "{} has no `{}` line: the marked region {id} is gone (a merge or an edit removed it; restore the two marker lines around the code)",
                file.display(),
                begin_marker(id)
            ),
            RegionError::Unclosed { file, id } => write!(
                f,
                "{} has `{}` but no `{}` after it",
                file.display(),
                begin_marker(id),
                end_marker(id)
            ),
            RegionError::Duplicate { file, id } => write!(
                f,
                "{} marks region {id} more than once; each region must be marked exactly once",
                file.display()
            ),
        }
    }
}

/// Finds region `id` in `text`.
pub fn find(text: &str, file: &Path, id: &str) -> Result<Span, RegionError> {
    let begin = begin_marker(id);
    let end = end_marker(id);
    let lines: Vec<&str> = text.lines().collect();
    let at = |marker: &str| -> Vec<usize> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim() == marker)
            .map(|(i, _)| i)
            .collect()
    };
    let (begins, ends) = (at(&begin), at(&end));
    let err = |make: fn(PathBuf, String) -> RegionError| make(file.to_path_buf(), id.to_string());
    match (begins.as_slice(), ends.as_slice()) {
        ([], _) => Err(err(|file, id| RegionError::Missing { file, id })),
        ([b], [e]) if e > b => {
            let line = lines[*b];
            let indent = line[..line.len() - line.trim_start().len()].to_string();
            Ok(Span {
                begin: *b,
                end: *e,
                indent,
            })
        }
        ([_], []) => Err(err(|file, id| RegionError::Unclosed { file, id })),
        ([_], [_]) => Err(err(|file, id| RegionError::Unclosed { file, id })),
        _ => Err(err(|file, id| RegionError::Duplicate { file, id })),
    }
}

/// The body of region `id` (the lines between the markers), each line
/// with the marker's indentation removed, ending in a newline unless empty.
pub fn body(text: &str, file: &Path, id: &str) -> Result<String, RegionError> {
    let span = find(text, file, id)?;
    Ok(text
        .lines()
        .skip(span.begin + 1)
        .take(span.end - span.begin - 1)
        .map(|l| format!("{}\n", l.strip_prefix(span.indent.as_str()).unwrap_or(l)))
        .collect())
}

/// `text` with the body of region `id` replaced by `new_body` (written
/// without indentation; each non-empty line gets the marker's).
pub fn replace(text: &str, file: &Path, id: &str, new_body: &str) -> Result<String, RegionError> {
    let span = find(text, file, id)?;
    let mut out = String::with_capacity(text.len() + new_body.len());
    for line in text.lines().take(span.begin + 1) {
        out.push_str(line);
        out.push('\n');
    }
    for line in new_body.lines() {
        if !line.trim().is_empty() {
            out.push_str(&span.indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    for line in text.lines().skip(span.end) {
        out.push_str(line);
        out.push('\n');
    }
    if !text.ends_with('\n') {
        out.pop();
    }
    Ok(out)
}

/// Whether two region bodies are the same code, ignoring indentation and
/// blank lines (rustfmt may have re-indented a pasted answer).
pub fn same_code(a: &str, b: &str) -> bool {
    let norm = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()
    };
    norm(a) == norm(b)
}

/// Every `LAB/REGION` id marked in `text`, in order of their begin markers.
pub fn ids_in(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("// lab ")?
                .strip_suffix(": begin")
                .map(String::from)
        })
        .collect()
}

/// Reads a file of the tree rooted at `root`.
pub fn read(root: &Path, rel: &str) -> Result<String, RegionError> {
    std::fs::read_to_string(root.join(rel)).map_err(|e| RegionError::Io {
        file: PathBuf::from(rel),
        why: e.to_string(),
    })
}

/// Writes a file of the tree rooted at `root`.
pub fn write(root: &Path, rel: &str, text: &str) -> Result<(), RegionError> {
    std::fs::write(root.join(rel), text).map_err(|e| RegionError::Io {
        file: PathBuf::from(rel),
        why: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "fn f() {\n    let a = 1;\n    // lab x/y: begin\n    if a > 0 {\n        g();\n    }\n    // lab x/y: end\n}\n";

    #[test]
    fn finds_the_body_without_indentation() {
        let p = Path::new("f.rs");
        assert_eq!(body(TEXT, p, "x/y").unwrap(), "if a > 0 {\n    g();\n}\n");
        let span = find(TEXT, p, "x/y").unwrap();
        assert_eq!((span.begin, span.end, span.indent.as_str()), (2, 6, "    "));
        assert_eq!(span.body_lines(), (4, 6));
        assert_eq!(ids_in(TEXT), vec!["x/y"]);
    }

    #[test]
    fn replace_reindents_and_round_trips() {
        let p = Path::new("f.rs");
        let stubbed = replace(TEXT, p, "x/y", "panic!(\"no\");\n\n").unwrap();
        assert_eq!(
            stubbed,
            "fn f() {\n    let a = 1;\n    // lab x/y: begin\n    panic!(\"no\");\n\n    // lab x/y: end\n}\n"
        );
        let back = replace(&stubbed, p, "x/y", &body(TEXT, p, "x/y").unwrap()).unwrap();
        assert_eq!(back, TEXT);
        assert!(same_code("  a\n\nb", "a\n    b\n"));
        assert!(!same_code("a", "b"));
    }

    #[test]
    fn missing_unclosed_and_duplicate_regions_are_refused() {
        let p = Path::new("f.rs");
        let e = find(TEXT, p, "x/z").unwrap_err();
        assert!(matches!(e, RegionError::Missing { .. }));
        assert!(e.to_string().contains("`// lab x/z: begin`"), "{e}");
        let unclosed = TEXT.replace("// lab x/y: end", "");
        assert!(matches!(
            find(&unclosed, p, "x/y"),
            Err(RegionError::Unclosed { .. })
        ));
        let twice = format!("{TEXT}{TEXT}");
        assert!(matches!(
            find(&twice, p, "x/y"),
            Err(RegionError::Duplicate { .. })
        ));
    }
}
