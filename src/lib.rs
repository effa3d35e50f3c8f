//! kiji (記事, "article"): a static site generator for publications of Markdown
//! articles, with a shared glossary linked across every article and a timeline.
//!
//! The build reads as a pipeline: load (`source`) → parse (`content`) → link
//! (`markdown`, `glossary`, `timeline`, `index`) → render (`render`, `publish`) →
//! write (`output`). `site::build` runs it in memory.

// Diagnostics are the cold path and carry their source line; boxing them buys nothing.
#![allow(clippy::result_large_err)]

pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod crawl;
pub mod date;
pub mod diag;
pub mod frontmatter;
#[doc(hidden)]
pub mod fuzzing;
pub mod glossary;
pub mod highlight;
pub mod html;
pub mod ical;
pub mod incremental;
pub mod index;
pub mod markdown;
pub mod new;
pub mod output;
pub mod progress;
pub mod publish;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod slug;
pub mod source;
pub mod theme;
pub mod timeline;

pub use site::{build, BuildOptions, Built};
