//! `site.toml`: the publication's settings.

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, Diagnostics};

pub const CONFIG_FILE: &str = "site.toml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Where the site is published, e.g. `https://user.github.io/repo/`.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub author: String,
    /// Custom domain for GitHub Pages; written to `CNAME`.
    #[serde(default)]
    pub cname: Option<String>,
    #[serde(default)]
    pub glossary: GlossaryConfig,
    #[serde(default)]
    pub timeline: TimelineConfig,
    #[serde(default)]
    pub markdown: MarkdownConfig,
    #[serde(default)]
    pub feed: FeedConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkMode {
    /// Link the first mention of each term in an article.
    #[default]
    First,
    /// Link every mention.
    All,
    /// Link nothing.
    None,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GlossaryConfig {
    #[serde(default)]
    pub link: LinkMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TimelineOrder {
    #[default]
    OldestFirst,
    NewestFirst,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineConfig {
    #[serde(default)]
    pub order: TimelineOrder,
    /// Where the events take place, for search engines (schema.org `Event.location`);
    /// events carry no location when it is not set.
    #[serde(default)]
    pub location: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownConfig {
    /// Raw HTML in Markdown is dropped unless the site trusts its authors.
    #[serde(default)]
    pub allow_raw_html: bool,
    /// Turn "quotes" and -- into typographic ones.
    #[serde(default = "yes")]
    pub smart_punctuation: bool,
}

impl Default for MarkdownConfig {
    fn default() -> Self {
        MarkdownConfig {
            allow_raw_html: false,
            smart_punctuation: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    #[serde(default = "default_feed_limit")]
    pub limit: usize,
}

impl Default for FeedConfig {
    fn default() -> Self {
        FeedConfig {
            limit: default_feed_limit(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_feed_limit() -> usize {
    20
}
fn default_base_url() -> String {
    "/".to_string()
}
fn default_language() -> String {
    "en".to_string()
}

impl SiteConfig {
    /// The path part of `base_url`, always starting and ending with `/` (`/repo/`).
    pub fn base_path(&self) -> String {
        base_path_of(&self.base_url)
    }

    /// `https://host` part of the base URL, empty when the base URL is only a path.
    pub fn origin(&self) -> String {
        match self.base_url.split_once("://") {
            Some((scheme, rest)) => {
                let host = rest.split('/').next().unwrap_or("");
                format!("{scheme}://{host}")
            }
            None => String::new(),
        }
    }

    /// An absolute URL for a site path (`articles/a/` → `https://host/repo/articles/a/`).
    pub fn absolute_url(&self, path: &str) -> String {
        format!(
            "{}{}{}",
            self.origin(),
            self.base_path(),
            path.trim_start_matches('/')
        )
    }

    pub fn parse(text: &str, file: &str) -> Result<SiteConfig, Diagnostics> {
        let source: Arc<str> = Arc::from(text);
        let config: SiteConfig = toml::from_str(text).map_err(|e| {
            let mut d = Diagnostic::error(format!("{CONFIG_FILE}: {}", e.message().trim()))
                .in_file(file)
                .help("see the README's `site.toml` section for the accepted keys");
            if let Some(span) = e.span() {
                d = d.at_span(&source, span);
            }
            Diagnostics::from(d)
        })?;
        config.validate(&source, file)?;
        Ok(config)
    }

    fn validate(&self, source: &Arc<str>, file: &str) -> Result<(), Diagnostics> {
        let base = &self.base_url;
        let ok =
            base.starts_with('/') || base.starts_with("http://") || base.starts_with("https://");
        if !ok {
            let span = source.find(base.as_str()).map(|s| s..s + base.len());
            let mut d = Diagnostic::error(format!(
                "base_url \"{base}\" is neither an absolute URL nor a path"
            ))
            .in_file(file)
            .help("use e.g. base_url = \"https://user.github.io/repo/\" or \"/\"");
            if let Some(span) = span {
                d = d.at_span(source, span);
            }
            return Err(d.into());
        }
        Ok(())
    }

    pub fn load(root: &Path) -> Result<SiteConfig, Diagnostics> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => SiteConfig::parse(&text, CONFIG_FILE),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Diagnostic::error(format!(
                "no {CONFIG_FILE} in {}",
                root.display()
            ))
            .help(format!(
                "create {CONFIG_FILE} with at least a title, e.g.:\n    title = \"My publication\"\n    base_url = \"https://user.github.io/repo/\"\nor run kiji with --root pointing at the site's folder"
            ))
            .into()),
            Err(e) => Err(Diagnostic::error(format!("cannot read {CONFIG_FILE}: {e}"))
                .in_file(CONFIG_FILE)
                .into()),
        }
    }
}

pub fn base_path_of(base_url: &str) -> String {
    let path = match base_url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => base_url,
    };
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_path_comes_from_the_url() {
        assert_eq!(base_path_of("https://user.github.io/repo/"), "/repo/");
        assert_eq!(base_path_of("https://user.github.io/repo"), "/repo/");
        assert_eq!(base_path_of("https://example.org"), "/");
        assert_eq!(base_path_of("/"), "/");
        assert_eq!(base_path_of("/a/b"), "/a/b/");
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_key() {
        let err = SiteConfig::parse("title = \"x\"\ntitel = \"y\"\n", "site.toml").unwrap_err();
        let d = &err.0[0];
        assert!(d.message.contains("titel"), "{}", d.message);
        assert_eq!(d.line, Some(2));
    }

    #[test]
    fn absolute_urls_keep_the_subpath() {
        let c = SiteConfig::parse(
            "title = \"x\"\nbase_url = \"https://u.github.io/r/\"",
            "site.toml",
        )
        .unwrap();
        assert_eq!(
            c.absolute_url("/articles/a/"),
            "https://u.github.io/r/articles/a/"
        );
    }
}
