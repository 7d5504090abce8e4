//! Core's top-level modules form layers: each uses only those below it, so no two modules reach
//! each other, directly or round about. This reads core's sources (`crate::…` and `super::…`
//! paths outside comments and test modules), builds the graph of top-level modules and fails
//! with the path of any cycle it finds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn core_modules_have_no_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = module_graph(&src);
    assert!(
        graph.len() > 20,
        "expected core's modules, found {:?}",
        graph.keys().collect::<Vec<_>>()
    );
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "core's modules depend on each other in a circle; move the shared part to a lower \
         module:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn paths_are_read_from_uses_groups_and_supers() {
    let code = "use crate::a::B;\nuse crate::{b, c::{D, E}};\n// crate::commented\n\
                fn f() { crate::d::g(); super::e::h(); }\n\
                #[cfg(test)]\nmod tests {\n    use crate::tested;\n}\n";
    let found = referenced_modules(code, &["x".into(), "y".into()]);
    let expected: BTreeSet<String> = ["a", "b", "c", "d", "x"].map(String::from).into();
    assert_eq!(found, expected);
    // In a folder's `mod.rs`, `super` is the crate root.
    let found = referenced_modules("use super::z::W;", &["x".into()]);
    assert_eq!(found, BTreeSet::from(["z".to_owned()]));
}

#[test]
fn a_cycle_is_reported_with_its_path() {
    let mut graph = Graph::new();
    graph
        .entry("auth".into())
        .or_default()
        .insert("context".into());
    graph
        .entry("context".into())
        .or_default()
        .insert("auth".into());
    graph
        .entry("users".into())
        .or_default()
        .insert("auth".into());
    assert_eq!(cycles(&graph), vec!["auth -> context -> auth".to_owned()]);
    graph.get_mut("context").map(|uses| uses.remove("auth"));
    assert!(cycles(&graph).is_empty());
}

fn module_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    for file in rust_files(src) {
        let relative = file.strip_prefix(src).unwrap_or(&file);
        let mut path: Vec<String> = relative
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if path.last().is_some_and(|last| last == "mod") {
            path.pop();
        }
        if path == ["lib"] {
            continue;
        }
        let code = std::fs::read_to_string(&file).unwrap_or_default();
        let own = path[0].clone();
        let uses = graph.entry(own.clone()).or_default();
        uses.extend(
            referenced_modules(&code, &path)
                .into_iter()
                .filter(|m| *m != own),
        );
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level modules that `code`, the file of module `path`, names.
fn referenced_modules(code: &str, path: &[String]) -> BTreeSet<String> {
    let code = without_comments_and_tests(code);
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if at > 0 && is_ident(code.as_bytes()[at - 1]) {
            continue; // `stint_core::…`-like names that end in "crate"
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            found.extend(group_heads(group));
        } else {
            found.extend(leading_ident(rest));
        }
    }
    for (at, _) in code.match_indices("super::") {
        if at > 0 && is_ident(code.as_bytes()[at - 1]) {
            continue;
        }
        let Some(name) = leading_ident(&code[at + "super::".len()..]) else {
            continue;
        };
        // `super` of `a::b` is `a`; of a top-level module, the crate root.
        let parent = &path[..path.len().saturating_sub(1)];
        found.insert(parent.first().cloned().unwrap_or(name));
    }
    found.retain(|m| m != "self");
    found
}

/// The first segment of each item of a `{…}` group, up to its closing brace.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if c.is_whitespace() => {}
            _ if item_start => {
                heads.extend(leading_ident(&group[i..]));
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

fn leading_ident(text: &str) -> Option<String> {
    let end = text.bytes().take_while(|b| is_ident(*b)).count();
    (end > 0).then(|| text[..end].to_owned())
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The code without line comments and without the `#[cfg(test)] mod …` that closes a file.
fn without_comments_and_tests(code: &str) -> String {
    let mut kept = String::new();
    let mut lines = code.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        let code_part = match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        };
        kept.push_str(code_part);
        kept.push('\n');
    }
    kept
}

/// Every cycle, one per strongly connected component, as `a -> b -> a`.
fn cycles(graph: &Graph) -> Vec<String> {
    let mut reported = Vec::new();
    let mut in_reported: BTreeSet<String> = BTreeSet::new();
    for start in graph.keys() {
        if in_reported.contains(start) {
            continue;
        }
        if let Some(path) = path_back(graph, start) {
            in_reported.extend(path.iter().cloned());
            reported.push(path.join(" -> "));
        }
    }
    reported
}

/// The shortest path from `start` back to itself, if there is one.
fn path_back(graph: &Graph, start: &str) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut frontier = vec![start];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for node in frontier {
            for used in graph.get(node).into_iter().flatten() {
                if used == start {
                    let mut between = Vec::new();
                    let mut at = node;
                    while at != start {
                        between.push(at.to_owned());
                        at = came_from.get(at).copied().unwrap_or(start);
                    }
                    between.reverse();
                    let mut path = vec![start.to_owned()];
                    path.extend(between);
                    path.push(start.to_owned());
                    return Some(path);
                }
                if !came_from.contains_key(used.as_str()) {
                    came_from.insert(used, node);
                    next.push(used.as_str());
                }
            }
        }
        frontier = next;
    }
    None
}
