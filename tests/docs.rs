//! The docs must stay true to the code they quote.
//!
//! Design note: checked on the source alone, no boot: a code block the
//! docs present as a real file must be that file.

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
