//! The crate's layers, checked on its source: a lower layer never refers to
//! a higher one (`video` knows nothing of envs or recording, `record`
//! nothing of publishing or training), and no two modules of a layer refer
//! to each other in a circle.
//!
//! A small tokenizer reads each file (skipping comments, doc comments,
//! string, char and byte literals), and a parser takes from the tokens
//! every path that can name a module of the crate: `use` trees (grouped,
//! nested, `self`, `as`, globs, relative to a child module) and paths in
//! code that start with `crate::`, `super::`, `self::` or a child module's
//! name. Paths are resolved as rustc does for modules: inline `mod x { .. }`
//! blocks count, and a name a module imports (`pub use writer::VideoWriter`
//! in `video/mod.rs`, `pub use error::Error` in `lib.rs`) leads to the
//! module it comes from. Files pulled in with `include!` (the generated
//! TensorBoard protobuf code) are skipped.

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

// ---------------------------------------------------------------- tokens

/// What the parser needs of Rust's tokens; everything else is `Punct`.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    /// `::`
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Star,
    Dollar,
    Punct,
}

/// The tokens of a Rust file, without comments and literals.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i = skip_block_comment(&chars, i);
        } else if c == '"' {
            i = skip_string(&chars, i + 1);
        } else if c == '\'' {
            i = skip_char_or_lifetime(&chars, i);
        } else if c.is_ascii_digit() {
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
        } else if is_ident(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = at(i);
            match word.as_str() {
                "r" | "br" | "cr" if next == '"' || (next == '#' && raw_string_at(&chars, i)) => {
                    i = skip_raw_string(&chars, i);
                }
                "b" | "c" if next == '"' => i = skip_string(&chars, i + 1),
                "b" if next == '\'' => i = skip_char_or_lifetime(&chars, i),
                "r" if next == '#' => i += 1, // a raw identifier: `r#type`
                _ => tokens.push(Token::Ident(word)),
            }
        } else {
            tokens.push(match c {
                ':' if at(i + 1) == ':' => {
                    i += 1;
                    Token::PathSep
                }
                '{' => Token::Open,
                '}' => Token::Close,
                ',' => Token::Comma,
                ';' => Token::Semi,
                '*' => Token::Star,
                '$' => Token::Dollar,
                _ => Token::Punct,
            });
            i += 1;
        }
    }
    tokens
}

/// Past the block comment opening at `i` (block comments nest).
fn skip_block_comment(chars: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
            depth += 1;
            i += 2;
        } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// Past the closing quote of a string whose text starts at `i`.
fn skip_string(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Whether `#`s then `"` start at `i` (a raw string after `r`).
fn raw_string_at(chars: &[char], i: usize) -> bool {
    chars[i..].iter().find(|c| **c != '#') == Some(&'"')
}

/// Past a raw string whose `#`s or `"` start at `i`.
fn skip_raw_string(chars: &[char], mut i: usize) -> usize {
    let hashes = chars[i..].iter().take_while(|c| **c == '#').count();
    i += hashes + 1;
    while i < chars.len() {
        if chars[i] == '"' && chars[i + 1..].iter().take_while(|c| **c == '#').count() >= hashes {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Past a char literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a lifetime's
/// quote (`'a`, `'static`) at `i`.
fn skip_char_or_lifetime(chars: &[char], i: usize) -> usize {
    if chars.get(i + 1) == Some(&'\\') {
        let close = chars[i + 2..].iter().position(|c| *c == '\'');
        close.map_or(chars.len(), |n| i + 2 + n + 1)
    } else if chars.get(i + 2) == Some(&'\'') {
        i + 3
    } else {
        i + 1 // a lifetime: its name is read as an identifier
    }
}

// ---------------------------------------------------------------- paths

/// A path in a file that may name a module of the crate.
#[derive(Clone, Debug, PartialEq)]
struct Reference {
    /// The inline modules (`mod tests { .. }`) the path sits in.
    scope: Vec<String>,
    /// Its segments as written: `["super", "format", "VideoFormat"]`.
    path: Vec<String>,
    /// For a `use`, the name it brings in (`None` for a glob).
    imports: Option<String>,
    /// Whether it is in a `use`: a relative first segment may then be a
    /// name the module imports, not only a child module.
    in_use: bool,
}

/// Every path in `tokens` that can name a module of the crate.
fn references(tokens: &[Token]) -> Vec<Reference> {
    let ident = |i: usize| match tokens.get(i) {
        Some(Token::Ident(word)) => Some(word.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    let mut scope: Vec<(String, usize)> = Vec::new(); // inline modules, brace depth
    let mut pending_mod: Option<String> = None;
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let names: Vec<String> = scope.iter().map(|(name, _)| name.clone()).collect();
        let after_sep = i > 0 && matches!(tokens[i - 1], Token::PathSep | Token::Dollar);
        match &tokens[i] {
            Token::Open => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    scope.push((name, depth));
                }
                i += 1;
            }
            Token::Close => {
                if scope.last().is_some_and(|(_, d)| *d == depth) {
                    scope.pop();
                }
                depth -= 1;
                i += 1;
            }
            Token::Ident(word) if word == "mod" => {
                pending_mod = ident(i + 1).map(str::to_string);
                if tokens.get(i + 2) != Some(&Token::Open) {
                    pending_mod = None;
                }
                i += 2;
            }
            Token::Ident(word) if word == "use" && !after_sep => {
                let mut paths = Vec::new();
                i = use_tree(tokens, i + 1, Vec::new(), &mut paths);
                for (path, imports) in paths {
                    out.push(Reference {
                        scope: names.clone(),
                        path,
                        imports,
                        in_use: true,
                    });
                }
            }
            Token::Ident(_) if !after_sep && tokens.get(i + 1) == Some(&Token::PathSep) => {
                let mut path = Vec::new();
                while let Some(word) = ident(i) {
                    path.push(word.to_string());
                    if tokens.get(i + 1) != Some(&Token::PathSep) {
                        i += 1;
                        break;
                    }
                    i += 2;
                }
                out.push(Reference {
                    scope: names,
                    path,
                    imports: None,
                    in_use: false,
                });
            }
            _ => i += 1,
        }
    }
    out
}

/// Reads the use tree at `i` under `prefix` into `out` (each full path and
/// the name it imports); returns the index after the tree.
fn use_tree(
    tokens: &[Token],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    // Leading `::` (`use ::std::..`) names an extern crate: nothing of ours.
    loop {
        match tokens.get(i) {
            Some(Token::Ident(word)) => {
                prefix.push(word.clone());
                i += 1;
                if tokens.get(i) == Some(&Token::PathSep) {
                    i += 1;
                    continue;
                }
                let mut name = prefix.last().cloned();
                if let Some(Token::Ident(word)) = tokens.get(i)
                    && word == "as"
                {
                    name = match tokens.get(i + 1) {
                        Some(Token::Ident(alias)) if alias != "_" => Some(alias.clone()),
                        _ => None,
                    };
                    i += 2;
                }
                if prefix.last().is_some_and(|s| s == "self") {
                    prefix.pop(); // `{self, ..}` imports the prefix itself
                    if name.as_deref() == Some("self") {
                        name = prefix.last().cloned();
                    }
                }
                out.push((prefix, name));
                return i;
            }
            Some(Token::Star) => {
                prefix.push("*".to_string());
                out.push((prefix, None));
                return i + 1;
            }
            Some(Token::Open) => {
                i += 1;
                while !matches!(tokens.get(i), None | Some(Token::Close)) {
                    i = use_tree(tokens, i, prefix.clone(), out);
                    if tokens.get(i) == Some(&Token::Comma) {
                        i += 1;
                    }
                }
                return i + 1;
            }
            _ => return i + 1,
        }
    }
}

// ---------------------------------------------------------------- the crate

/// The crate's modules and the names each imports, for resolving paths.
#[derive(Default)]
struct Modules {
    /// Every module's path from the crate root: `["video", "codecs", "gif"]`.
    modules: BTreeSet<Vec<String>>,
    /// `(module, name)` to the absolute path the module's `use` names.
    imports: BTreeMap<(Vec<String>, String), Vec<String>>,
}

impl Modules {
    /// `path`, written in `module`, from the crate root; `None` for paths
    /// into other crates or to local names.
    fn absolute(&self, module: &[String], path: &[String], in_use: bool) -> Option<Vec<String>> {
        let mut at = module.to_vec();
        let mut rest = path;
        match path.first().map(String::as_str) {
            Some("crate") => {
                at.clear();
                rest = &path[1..];
            }
            Some("self" | "super") => {
                while let Some(first) = rest.first() {
                    match first.as_str() {
                        "self" => {}
                        "super" => {
                            at.pop()?;
                        }
                        _ => break,
                    }
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                let mut child = at.clone();
                child.push(first.to_string());
                if !self.modules.contains(&child) {
                    let imported = self.imports.get(&(at.clone(), first.to_string()));
                    return match imported {
                        Some(target) if in_use => {
                            Some(target.iter().chain(&path[1..]).cloned().collect())
                        }
                        _ => None,
                    };
                }
            }
            None => return None,
        }
        at.extend(rest.iter().cloned());
        Some(at)
    }

    /// The module an absolute path ends in, following imports:
    /// `video::VideoFormat::Mp4` is in `["video", "format"]`.
    fn module_of(&self, path: &[String]) -> Vec<String> {
        let mut path = path.to_vec();
        let mut at = Vec::new();
        let mut i = 0;
        let mut hops = 0;
        while i < path.len() {
            let mut child = at.clone();
            child.push(path[i].clone());
            if self.modules.contains(&child) {
                at = child;
                i += 1;
            } else if let Some(target) = self.imports.get(&(at.clone(), path[i].clone()))
                && hops < 32
            {
                path = target.iter().chain(&path[i + 1..]).cloned().collect();
                at.clear();
                i = 0;
                hops += 1;
            } else {
                break;
            }
        }
        at
    }
}

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

/// A file's module path: `video/codecs/gif.rs` is `["video", "codecs",
/// "gif"]`, `video/mod.rs` is `["video"]`, `lib.rs` is `[]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The crate's files (not `bin/`, not `include!`d ones), each with its
/// module path and the references in it.
fn crate_files(src: &Path) -> Vec<(PathBuf, Vec<String>, Vec<Reference>)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let mut included = BTreeSet::new();
    for (file, text) in files.iter().zip(&texts) {
        for (at, _) in text.match_indices("include!(\"") {
            let name = text[at + 10..].split('"').next().unwrap();
            included.insert(file.parent().unwrap().join(name));
        }
    }
    files
        .into_iter()
        .zip(texts)
        .filter(|(file, _)| !file.starts_with(src.join("bin")) && !included.contains(file))
        .map(|(file, text)| {
            let module = module_path(src, &file);
            (file, module, references(&tokenize(&text)))
        })
        .collect()
}

#[test]
fn no_layer_refers_to_a_higher_one_and_no_module_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = crate_files(&src);
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();

    // The modules, then what each imports (relative imports resolve
    // against the modules, so all modules first).
    let mut crate_ = Modules::default();
    for (_, module, refs) in &files {
        crate_.modules.insert(module.clone());
        for r in refs {
            crate_
                .modules
                .insert([module.clone(), r.scope.clone()].concat());
        }
    }
    for (_, module, refs) in &files {
        for r in refs {
            let at = [module.clone(), r.scope.clone()].concat();
            if let (Some(name), Some(target)) = (&r.imports, crate_.absolute(&at, &r.path, false)) {
                crate_.imports.insert((at, name.clone()), target);
            }
        }
    }

    let mut wrong = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, module, refs) in &files {
        let Some(top) = module.first() else { continue }; // lib.rs
        let Some(may) = allowed.get(top.as_str()) else {
            wrong.push(format!("{}: module {top} is not in LAYERS", file.display()));
            continue;
        };
        let node = format!("{top}/{}", module.get(1).cloned().unwrap_or_default());
        for r in refs {
            let at = [module.clone(), r.scope.clone()].concat();
            let Some(target) = crate_.absolute(&at, &r.path, r.in_use) else {
                continue;
            };
            let to = crate_.module_of(&target);
            match to.first() {
                Some(to_top) if to_top == top => {
                    if let Some(child) = to.get(1) {
                        let target = format!("{top}/{child}");
                        if target != node {
                            edges.entry(node.clone()).or_default().insert(target);
                        }
                    }
                }
                Some(to_top) if !may.contains(&to_top.as_str()) => wrong.push(format!(
                    "{}: the {top} layer refers to {} (`{}`)",
                    file.display(),
                    to.join("::"),
                    r.path.join("::")
                )),
                _ => {}
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

    wrong.sort();
    wrong.dedup();
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

// ---------------------------------------------------------------- the parser's own tests

/// The paths in `text`, joined with `::`, and what each `use` imports.
fn paths_in(text: &str) -> Vec<String> {
    references(&tokenize(text))
        .into_iter()
        .map(|r| {
            let mut s = r.scope.iter().map(|m| format!("{m}>")).collect::<String>();
            s.push_str(&r.path.join("::"));
            if r.in_use {
                s.push_str(&format!(" as {}", r.imports.as_deref().unwrap_or("*")));
            }
            s
        })
        .collect()
}

#[test]
fn parser_reads_grouped_and_nested_use_trees() {
    assert_eq!(
        paths_in("use super::{A, B};"),
        ["super::A as A", "super::B as B"]
    );
    assert_eq!(
        paths_in("pub(crate) use crate::{video::{facts::X, format::{self, Y as Z}}, frame::*,};"),
        [
            "crate::video::facts::X as X",
            "crate::video::format as format",
            "crate::video::format::Y as Z",
            "crate::frame::* as *",
        ]
    );
    assert_eq!(paths_in("use super::{self as up};"), ["super as up"]);
    assert_eq!(paths_in("use writer::Thing as _;"), ["writer::Thing as *"]);
}

#[test]
fn parser_reads_inline_paths() {
    assert_eq!(
        paths_in("let f = crate::video::format::VideoFormat::Mp4; x(super::format::X::new());"),
        [
            "crate::video::format::VideoFormat::Mp4",
            "super::format::X::new"
        ]
    );
    // `$crate::` in a macro and the tail of a longer path are not starts.
    assert_eq!(paths_in("$crate::video::X; a::crate::b;"), ["a::crate::b"]);
    assert_eq!(paths_in("Vec::<u8>::new()"), ["Vec"]);
}

#[test]
fn parser_skips_comments_and_literals() {
    let text = r####"
        // use crate::record::Recorder;
        /// [`x`](crate::record::Recorder)
        /* crate::train::A /* nested crate::train::B */ crate::train::C */
        let s = "crate::train::D \" crate::train::E";
        let r = r#"crate::train::F " crate::train::G"#;
        let b = b"crate::train::H";
        let c = '"'; let q = '\''; let u = '\u{22}';
        fn f<'a>(x: &'a str) -> &'a str { crate::video::Y }
    "####;
    assert_eq!(paths_in(text), ["crate::video::Y"]);
}

#[test]
fn parser_tracks_inline_modules() {
    assert_eq!(
        paths_in("mod tests { use super::*; mod deeper { fn f() { super::A; } } } super::B;"),
        ["tests>super::* as *", "tests>deeper>super::A", "super::B"]
    );
}

#[test]
fn resolution_follows_imports_to_the_defining_module() {
    let v = |s: &str| -> Vec<String> { s.split("::").map(str::to_string).collect() };
    let mut crate_ = Modules::default();
    for m in [
        "video",
        "video::facts",
        "video::format",
        "video::codecs",
        "error",
    ] {
        crate_.modules.insert(v(m));
    }
    crate_.modules.insert(Vec::new());
    crate_.imports.insert(
        (v("video"), "VideoFormat".into()),
        v("video::format::VideoFormat"),
    );
    crate_
        .imports
        .insert((Vec::new(), "Error".into()), v("error::Error"));
    let facts = v("video::facts");
    let resolve = |at: &[String], path: &str, in_use: bool| {
        crate_
            .absolute(at, &v(path), in_use)
            .map(|p| crate_.module_of(&p).join("::"))
    };
    assert_eq!(
        resolve(&facts, "super::VideoFormat::Mp4", false).unwrap(),
        "video::format"
    );
    assert_eq!(resolve(&facts, "crate::Error", false).unwrap(), "error");
    assert_eq!(
        resolve(&v("video::codecs"), "super::super::video::facts::X", false).unwrap(),
        "video::facts"
    );
    assert_eq!(
        resolve(&v("video"), "facts::X", false).unwrap(),
        "video::facts"
    );
    assert_eq!(
        resolve(&v("video"), "VideoFormat", true).unwrap(),
        "video::format"
    );
    assert_eq!(resolve(&facts, "serde::Serialize", true), None);
}
