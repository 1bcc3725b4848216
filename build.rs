//! The playground: GraphiQL, bundled from `playground/` with npm and Vite, embedded in the
//! binary. When npm is there, this builds the bundle in OUT_DIR (a copy of the sources with
//! its own node_modules, so nothing is written outside the target directory but npm's own
//! download cache); without npm the server serves a page that loads GraphiQL from a CDN.
//! `USERPLAN_PLAYGROUND` chooses: `auto` (the default: the bundle when npm can build it,
//! else the CDN page, with a warning that cargo repeats on every build), `bundle` (no build without the bundle), `cdn` (no
//! npm at all), or the path of a bundle built elsewhere (`npm run build` in `playground/`
//! writes `playground/dist`).

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// What the bundle is built from: a change to one of these builds it again.
const SOURCES: &[&str] = &[
    "package.json",
    "package-lock.json",
    ".npmrc",
    "index.html",
    "vite.config.js",
    "src",
];
/// What `npm ci` installs from: while these are unchanged, the installed packages are kept.
const PACKAGE_FILES: &[&str] = &["package.json", "package-lock.json", ".npmrc"];
const NPM: &str = if cfg!(windows) { "npm.cmd" } else { "npm" };

fn main() {
    println!("cargo::rustc-check-cfg=cfg(bundled_playground)");
    println!("cargo::rerun-if-env-changed=USERPLAN_PLAYGROUND");
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("playground");
    for source in SOURCES {
        println!("cargo::rerun-if-changed={}", sources.join(source).display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mode = std::env::var("USERPLAN_PLAYGROUND").unwrap_or_default();
    let dist = match mode.as_str() {
        "cdn" => None,
        "" | "auto" => match build(&sources, &out) {
            Ok(dist) => Some(dist),
            Err(why) => {
                // Cargo does not notice npm being installed later: the variable does.
                warn(&format!(
                    "the playground will load GraphiQL from a CDN (unpkg.com), because {why}; \
                     with npm, build once with USERPLAN_PLAYGROUND=bundle to embed it \
                     (USERPLAN_PLAYGROUND=cdn says the CDN page is intended)"
                ));
                None
            }
        },
        "bundle" => Some(
            build(&sources, &out)
                .unwrap_or_else(|why| fail(&format!("USERPLAN_PLAYGROUND=bundle, but {why}"))),
        ),
        path => {
            let dist = PathBuf::from(path);
            if !dist.join("index.html").is_file() {
                fail(&format!(
                    "USERPLAN_PLAYGROUND={path}: no index.html there (expected `auto`, \
                     `bundle`, `cdn` or the directory `npm run build` wrote)"
                ));
            }
            println!("cargo::rerun-if-changed={path}");
            Some(dist)
        }
    };
    let mut files = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    if let Some(dist) = dist {
        println!("cargo::rustc-cfg=bundled_playground");
        let mut paths = Vec::new();
        collect(&dist, &mut paths);
        paths.sort();
        for path in paths {
            let name = path.strip_prefix(&dist).unwrap().to_string_lossy();
            let name = name.replace('\\', "/");
            let path = path.display().to_string();
            writeln!(files, "    ({name:?}, include_bytes!({path:?})),").unwrap();
        }
    }
    files.push_str("];\n");
    std::fs::write(out.join("playground_files.rs"), files).unwrap();
}

/// Builds the bundle in `out`, returning the directory that holds it, or why it could not.
fn build(sources: &Path, out: &Path) -> Result<PathBuf, String> {
    let found = Command::new(NPM).arg("--version").output();
    if !found.is_ok_and(|output| output.status.success()) {
        return Err(
            "npm was not found (install Node.js 20.19 or later with npm to embed \
                    the bundle)"
                .to_owned(),
        );
    }
    let work = out.join("playground");
    std::fs::create_dir_all(&work).map_err(|err| format!("cannot create {work:?}: {err}"))?;
    // A file deleted from the sources must not linger in the copy.
    let _ = std::fs::remove_dir_all(work.join("src"));
    for source in SOURCES {
        copy(&sources.join(source), &work.join(source))
            .map_err(|err| format!("cannot copy playground/{source}: {err}"))?;
    }
    let started = Instant::now();
    let installed = work.join("node_modules/.userplan-installed-from");
    let wanted = PACKAGE_FILES
        .iter()
        .map(|file| std::fs::read_to_string(work.join(file)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\0");
    let install = std::fs::read_to_string(&installed).ok().as_ref() != Some(&wanted);
    if install {
        // Bounded waits, so that a machine without network falls back instead of hanging.
        npm(
            &work,
            &[
                "ci",
                "--no-audit",
                "--no-fund",
                "--prefer-offline",
                "--fetch-timeout=30000",
                "--fetch-retries=1",
            ],
        )?;
        std::fs::write(&installed, &wanted).map_err(|err| err.to_string())?;
    }
    let installed_in = started.elapsed();
    npm(&work, &["run", "build"])?;
    // Not a warning: cargo repeats a build script's warnings on every build after it, and
    // this is the normal case (`cargo build -vv` shows it).
    eprintln!(
        "built the playground bundle with npm in {:.0} s ({}vite {:.0} s)",
        started.elapsed().as_secs_f64(),
        if install {
            format!("npm ci {:.0} s, ", installed_in.as_secs_f64())
        } else {
            String::new()
        },
        (started.elapsed() - installed_in).as_secs_f64(),
    );
    Ok(work.join("dist"))
}

fn npm(dir: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new(NPM)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|err| format!("`npm {}` did not start: {err}", args.join(" ")))?;
    if output.status.success() {
        return Ok(());
    }
    let text = String::from_utf8_lossy(&output.stderr);
    let last_lines: Vec<_> = text.lines().rev().take(8).collect();
    let last_lines: Vec<_> = last_lines.into_iter().rev().collect();
    Err(format!(
        "`npm {}` failed ({}): {}",
        args.join(" "),
        output.status,
        last_lines.join(" / ")
    ))
}

fn copy(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

fn collect(dir: &Path, paths: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, paths);
        } else {
            paths.push(path);
        }
    }
}

fn warn(message: &str) {
    println!("cargo::warning={message}");
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
