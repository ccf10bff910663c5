//! The integration tests: one binary, a module per area, each running the
//! real `descrape` binary on files in a temporary directory.

mod util;

mod changelog;
mod clean;
mod html;
mod nlp;
mod props;
mod regressions;
mod repeat;
mod safety;
mod shards;
mod tune;
