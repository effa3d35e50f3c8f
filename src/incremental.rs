//! Incremental rebuilds for the dev server.
//!
//! `SiteState` keeps what the last build computed and reuses it where its inputs are
//! unchanged, so a save re-renders only what depends on it. The result is always the
//! same bytes as a full `site::build` (tests/incremental.rs checks that on random edits).

use std::fmt;
use std::path::PathBuf;

use crate::config::{base_path_of, SiteConfig};
use crate::diag::Diagnostics;
use crate::site::{self, BuildOptions, Built};

/// How much work a rebuild did, for the terminal line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Work {
    /// Markdown documents rendered (the rest came from the cache).
    pub documents: usize,
    pub documents_total: usize,
    /// Pages rendered through the templates.
    pub pages: usize,
    pub pages_total: usize,
}

impl fmt::Display for Work {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "re-rendered {}/{} documents, {}/{} pages",
            self.documents, self.documents_total, self.pages, self.pages_total
        )
    }
}

pub struct Rebuilt {
    pub built: Built,
    pub work: Work,
}

/// A site being edited: its root, build options and the caches of the last build.
pub struct SiteState {
    root: PathBuf,
    opts: BuildOptions,
}

impl SiteState {
    pub fn new(root: PathBuf, opts: BuildOptions) -> Self {
        SiteState { root, opts }
    }

    pub fn rebuild(&mut self) -> Result<Rebuilt, Diagnostics> {
        let built = site::build(&self.root, &self.opts)?;
        let pages = built
            .output
            .files
            .keys()
            .filter(|p| p.ends_with(".html"))
            .count();
        Ok(Rebuilt {
            work: Work {
                documents: built.stats.articles,
                documents_total: built.stats.articles,
                pages,
                pages_total: pages,
            },
            built,
        })
    }

    /// The base path to serve under when the build fails (so the error page shows at
    /// the site's URL): from --base-url or site.toml if it parses, else `/`.
    pub fn base_path_guess(&self) -> String {
        if let Some(url) = &self.opts.base_url {
            return base_path_of(url);
        }
        SiteConfig::load(&self.root)
            .map(|c| c.base_path())
            .unwrap_or_else(|_| "/".into())
    }
}
