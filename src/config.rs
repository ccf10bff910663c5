//! From what the user typed to what the library runs with: the command
//! line's value enums (`cli.rs`) mapped to the library's own types, so no
//! library type depends on clap.

use crate::{cli, document, jsonl, repeat};

impl From<cli::Format> for document::Format {
    fn from(f: cli::Format) -> Self {
        match f {
            cli::Format::Text => document::Format::Text,
            cli::Format::Jsonl => document::Format::Jsonl,
        }
    }
}

impl From<cli::InputType> for document::InputType {
    fn from(t: cli::InputType) -> Self {
        match t {
            cli::InputType::Auto => document::InputType::Auto,
            cli::InputType::Text => document::InputType::Text,
            cli::InputType::Html => document::InputType::Html,
        }
    }
}

impl From<cli::GroupBy> for repeat::GroupBy {
    fn from(g: cli::GroupBy) -> Self {
        match g {
            cli::GroupBy::Auto => repeat::GroupBy::Auto,
            cli::GroupBy::Dir => repeat::GroupBy::Dir,
            cli::GroupBy::None => repeat::GroupBy::None,
            cli::GroupBy::Field(name) => repeat::GroupBy::Field(name),
        }
    }
}

impl From<cli::Compression> for jsonl::Compression {
    fn from(c: cli::Compression) -> Self {
        match c {
            cli::Compression::None => jsonl::Compression::None,
            cli::Compression::Gzip => jsonl::Compression::Gzip,
            cli::Compression::Zstd => jsonl::Compression::Zstd,
        }
    }
}
