//! Embeds the rules so the installed binary carries them: `rules/*.yaml`
//! (the default rules) and each folder `rules/NAME/` as the built-in set
//! `@NAME` (today `@nlp`, `@repeated` and `@scorer`). A new folder is a new
//! set; `src/rules/load.rs` says which set is part of the defaults.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `*.yaml` files of `dir`, in name order.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("rules directory")
        .map(|e| e.expect("rules entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// `(name, text)` entries for the files of `dir`, named `{prefix}{file}`.
fn entries(code: &mut String, dir: &Path, prefix: &str) {
    for f in yaml_files(dir) {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = f.file_name().unwrap().to_string_lossy();
        writeln!(code, "    (\"{prefix}{file}\", include_str!({:?})),", f.display().to_string()).unwrap();
    }
}

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut code = String::from("pub static DEFAULT_RULES: &[(&str, &str)] = &[\n");
    entries(&mut code, &rules, "rules/");
    code.push_str("];\n");
    let mut sets: Vec<String> = std::fs::read_dir(&rules)
        .expect("rules directory")
        .map(|e| e.expect("rules entry").path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    sets.sort();
    code.push_str("/// The built-in sets: `rules/NAME/*.yaml` as `@NAME`.\n");
    code.push_str("pub static SETS: &[(&str, &[(&str, &str)])] = &[\n");
    for set in &sets {
        writeln!(code, "(\"{set}\", &[").unwrap();
        entries(&mut code, &rules.join(set), &format!("rules/{set}/"));
        code.push_str("]),\n");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("default_rules.rs");
    std::fs::write(out, code).unwrap();
}
