//! descrape: strip scraped boilerplate from raw article dumps.
//!
//! The library holds everything testable: [`cli`] is what the user typed,
//! [`commands`] runs one subcommand each and [`exit_codes`] maps their
//! outcomes; [`rules`] parses and compiles YAML rules, [`engine`] turns
//! text plus rules into edits with no I/O, [`text`] holds the edit and
//! line helpers everyone shares, [`decode`] turns bytes (of text or of a
//! page) into text, [`html`] renders pages, [`walk`] finds inputs,
//! [`document`] is the model of what a run cleans, [`input`] reads one
//! document and [`pipeline`] runs the engine over many in parallel and in
//! order, [`output`] writes atomically, [`changelog`] and [`report`]
//! describe what was done, [`interrupt`] turns Ctrl-C into a stop
//! request, and [`clean`] is the cleaning run behind `clean`.

pub mod align;
pub mod changelog;
pub mod clean;
pub mod cli;
pub mod commands;
pub mod config;
pub mod counts_file;
pub mod decode;
pub mod detect;
pub mod diff;
pub mod document;
pub mod engine;
pub mod eval;
pub mod examples;
pub mod exit_codes;
pub mod explain;
pub mod format;
pub mod html;
pub mod input;
pub mod inspect;
pub mod interrupt;
pub mod jsonl;
pub mod mojibake;
pub mod output;
pub mod pipeline;
mod prescan;
pub mod repeat;
pub mod report;
pub mod rules;
pub mod suggest;
pub mod text;
pub mod walk;
