//! Embeds the playground bundle (`playground/dist`, built with `npm run build` there) when
//! it has been built; without it the server serves a GraphiQL page from a CDN instead.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(bundled_playground)");
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("playground/dist");
    let index = dist.join("index.html");
    // Watching the folder that will hold the bundle notices when it is first built.
    let watched = if dist.exists() {
        &dist
    } else {
        dist.parent().unwrap()
    };
    println!("cargo::rerun-if-changed={}", watched.display());
    let mut files = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    if index.exists() {
        println!("cargo::rustc-cfg=bundled_playground");
        let mut paths = Vec::new();
        collect(&dist, &mut paths);
        paths.sort();
        for path in paths {
            let name = path
                .strip_prefix(&dist)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            writeln!(
                files,
                "    ({name:?}, include_bytes!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
    }
    files.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("playground_files.rs");
    std::fs::write(out, files).unwrap();
}

fn collect(dir: &Path, paths: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, paths);
        } else {
            paths.push(path);
        }
    }
}
