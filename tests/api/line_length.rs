//! No line under `tests/` is longer than 100 characters, rustfmt's width. rustfmt does not
//! break string literals, so a long GraphQL document or message would pass it unnoticed:
//! split it with `\` continuations (the text stays the same) or move the document to
//! `documents/`.

use std::path::{Path, PathBuf};

const MAX_CHARACTERS: usize = 100;

fn files_under(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files_under(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[test]
fn no_line_in_tests_is_longer_than_100_characters() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("tests"), &mut files);
    let mut long = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        for (index, line) in text.lines().enumerate() {
            let characters = line.chars().count();
            if characters > MAX_CHARACTERS {
                let path = file.strip_prefix(root).unwrap_or(file).display();
                long.push(format!("{path}:{}: {characters} characters", index + 1));
            }
        }
    }
    assert!(
        files.iter().any(|file| file.ends_with("line_length.rs")),
        "tests/ was not read: {files:?}"
    );
    assert!(
        long.is_empty(),
        "lines longer than {MAX_CHARACTERS} characters:\n{}",
        long.join("\n")
    );
}
