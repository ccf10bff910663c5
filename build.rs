//! Embeds `rules/*.yaml` (the default rules), `rules/nlp/*.yaml` (the
//! `@nlp` set), `rules/repeated/*.yaml` (part of the defaults, after the
//! phrase rules) and `rules/scorer/*.yaml` (`@scorer`) so the installed
//! binary carries them.

use std::fmt::Write as _;
use std::path::Path;

fn embed(code: &mut String, name: &str, dir: &Path, prefix: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("rules directory")
        .map(|e| e.expect("rules entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    writeln!(code, "pub static {name}: &[(&str, &str)] = &[").unwrap();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let file = f.file_name().unwrap().to_string_lossy();
        writeln!(code, "    (\"{prefix}{file}\", include_str!({:?})),", f.display().to_string()).unwrap();
    }
    code.push_str("];\n");
}

fn main() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut code = String::new();
    embed(&mut code, "DEFAULT_RULES", &rules, "rules/");
    embed(&mut code, "NLP_RULES", &rules.join("nlp"), "rules/nlp/");
    embed(&mut code, "REPEATED_RULES", &rules.join("repeated"), "rules/repeated/");
    embed(&mut code, "SCORER_RULES", &rules.join("scorer"), "rules/scorer/");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("default_rules.rs");
    std::fs::write(out, code).unwrap();
}
