//! The crate's layers, checked on its source: a lower layer never refers to
//! a higher one (`video` knows nothing of envs or recording, `record`
//! nothing of publishing or training), and no two modules of a layer refer
//! to each other in a circle.
//!
//! References are the `crate::…` and `super::…` paths in code (comments and
//! doc comments are skipped); a name a layer's `mod.rs` re-exports counts as
//! a reference to the module it comes from.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and the modules it may refer to.
const LAYERS: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("frame", &["error"]),
    ("video", &["error", "frame"]),
    ("env", &["error", "frame"]),
    ("tensorboard", &["error", "frame", "video"]),
    ("record", &["error", "frame", "video", "env"]),
    (
        "catalog",
        &["error", "frame", "video", "env", "record", "tensorboard"],
    ),
    (
        "tracker",
        &["error", "frame", "video", "env", "record", "catalog"],
    ),
    ("policy", &["error", "env"]),
    (
        "train",
        &[
            "error",
            "frame",
            "video",
            "env",
            "record",
            "catalog",
            "policy",
            "tensorboard",
            "tracker",
        ],
    ),
];

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's text without comments (line comments, doc comments and
/// block comments); string literals are kept, which is harmless here.
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("//").into_iter().chain(rest.find("/*")).min() {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |n| &rest[n..]);
        } else {
            rest = rest.find("*/").map_or("", |n| &rest[n + 2..]);
        }
    }
    out.push_str(rest);
    out
}

/// The paths after `prefix` (such as `crate::`) in `code`: for
/// `crate::video::{VideoSpec, VideoWriter}` the segments `["video",
/// "VideoSpec"]` and `["video", "VideoWriter"]`.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (i, _) in code.match_indices(prefix) {
        if code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue; // `$crate::`, `super::super::`, `a::crate::`
        }
        let mut segments = Vec::new();
        let mut rest = &code[i + prefix.len()..];
        loop {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                break;
            }
            segments.push(rest[..end].to_string());
            rest = &rest[end..];
            if let Some(after) = rest.strip_prefix("::") {
                if let Some(group) = after.strip_prefix('{') {
                    let close = group.find('}').unwrap_or(group.len());
                    for name in group[..close].split(',') {
                        let name: String = name
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() {
                            let mut path = segments.clone();
                            path.push(name);
                            paths.push(path);
                        }
                    }
                    segments.clear();
                    break;
                }
                rest = after;
            } else {
                break;
            }
        }
        if !segments.is_empty() {
            paths.push(segments);
        }
    }
    paths
}

/// Where a file sits: its top-level module and, inside it, its first-level
/// child (`video/codecs/gif.rs` is `("video", Some("codecs"))`, `video/mod.rs`
/// is `("video", None)`).
fn place(src: &Path, file: &Path) -> (String, Option<String>) {
    let rel = file.strip_prefix(src).unwrap();
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    let top = parts[0].clone();
    let child = parts.get(1).filter(|c| *c != "mod").cloned();
    (top, child)
}

#[test]
fn no_layer_refers_to_a_higher_one_and_no_module_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();

    // The children of each layer, and the names each layer's mod.rs
    // re-exports from them (`pub use writer::{VideoWriter, ..}`).
    let mut children: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut reexports: BTreeMap<(String, String), String> = BTreeMap::new();
    for file in &files {
        let (top, child) = place(&src, file);
        if let Some(child) = child {
            children.entry(top).or_default().insert(child);
        } else if file.ends_with("mod.rs") {
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            for line in code.split(';') {
                let Some(used) = line.trim().strip_prefix("pub use ") else {
                    continue;
                };
                for path in paths_after(&format!(" {used}"), " ") {
                    if path.len() >= 2 {
                        reexports
                            .insert((top.clone(), path[path.len() - 1].clone()), path[0].clone());
                    }
                }
            }
        }
    }

    let mut wrong = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let (top, child) = place(&src, file);
        if top == "lib" || top == "bin" {
            continue;
        }
        let Some(may) = allowed.get(top.as_str()) else {
            wrong.push(format!("{}: module {top} is not in LAYERS", file.display()));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let node = format!("{top}/{}", child.clone().unwrap_or_default());
        let siblings = children.get(&top).cloned().unwrap_or_default();
        let target_in_layer = |name: &str| -> Option<String> {
            if siblings.contains(name) {
                Some(name.to_string())
            } else {
                reexports.get(&(top.clone(), name.to_string())).cloned()
            }
        };
        let mut refs: Vec<(String, Option<String>)> = Vec::new();
        for path in paths_after(&code, "crate::") {
            let to = path[0].clone();
            if to == top {
                refs.push((to, path.get(1).and_then(|n| target_in_layer(n))));
            } else {
                refs.push((to, None));
            }
        }
        // `super::` from a layer's direct child names a sibling; deeper
        // files' `super::` stays inside their child.
        if child.is_some() && file.parent() == Some(src.join(&top).as_path()) {
            for path in paths_after(&code, "super::") {
                refs.push((top.clone(), target_in_layer(&path[0])));
            }
        }
        for (to, sibling) in refs {
            if to == top {
                if let Some(sibling) = sibling {
                    let target = format!("{top}/{sibling}");
                    if target != node {
                        edges.entry(node.clone()).or_default().insert(target);
                    }
                }
            } else if !may.contains(&to.as_str()) && allowed.contains_key(to.as_str()) {
                wrong.push(format!(
                    "{}: the {top} layer refers to crate::{to}",
                    file.display()
                ));
            }
        }
    }

    // Circles among the modules of a layer: a depth-first search.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = stack.iter().position(|n| n == node) {
            circles.push(format!("{} -> {node}", stack[at..].join(" -> ")));
            return;
        }
        if !done.insert(node.to_string()) {
            return;
        }
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, stack, done, circles);
        }
        stack.pop();
    }
    let mut circles = Vec::new();
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done, &mut circles);
    }
    circles.sort();
    circles.dedup();

    assert!(
        wrong.is_empty(),
        "references to higher layers:\n{}",
        wrong.join("\n")
    );
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
    // The check sees the references it should: the recorder uses the
    // writer, the wrapper the recorder.
    assert!(
        edges["record/wrapper"].contains("record/recorder"),
        "{edges:?}"
    );
    assert!(
        edges["catalog/gallery"].contains("catalog/index"),
        "{edges:?}"
    );
}
