//! `kiji check`: everything a build verifies, plus hints for editors.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics};
use crate::site::{self, BuildOptions};

pub fn run(root: &Path, opts: &BuildOptions) -> Result<Diagnostics, Diagnostics> {
    let built = site::build(root, opts)?;
    let mut diags = built.warnings;
    diags.extend(editor_hints(root, opts));
    diags.into_result()
}

/// Glossary terms no article mentions, and acronyms used in 2+ articles without an entry.
fn editor_hints(root: &Path, opts: &BuildOptions) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let Ok((sources, _)) = crate::source::load_all(root) else {
        return diags;
    };
    let Ok(config) = crate::config::SiteConfig::load(root) else {
        return diags;
    };
    let Ok((content, _)) = crate::content::parse_all(
        &sources,
        &config,
        &crate::content::ParseOptions {
            drafts: opts.drafts,
        },
    ) else {
        return diags;
    };
    let known: BTreeSet<String> = content
        .terms
        .iter()
        .flat_map(|t| std::iter::once(t.name.clone()).chain(t.aliases.iter().cloned()))
        .collect();
    let glossary = crate::glossary::Glossary::new(
        content
            .terms
            .iter()
            .map(|t| crate::glossary::TermSpec {
                info: crate::glossary::TermInfo {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    tip: String::new(),
                    href: String::new(),
                },
                names: std::iter::once(t.name.clone())
                    .chain(t.aliases.iter().cloned())
                    .collect(),
                case_sensitive: t.case_sensitive,
            })
            .collect(),
    );
    let mut mentioned = vec![false; content.terms.len()];
    let mut acronyms: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    for (i, a) in content.articles.iter().enumerate() {
        let body = a.body();
        for (_, _, t) in glossary.find_mentions(body) {
            mentioned[t] = true;
        }
        for word in body.split(|c: char| !c.is_alphanumeric()) {
            if word.len() >= 2
                && crate::glossary::is_acronym(word)
                && word.chars().all(|c| c.is_ascii_uppercase())
            {
                acronyms.entry(word.to_string()).or_default().insert(i);
            }
        }
    }
    for (t, seen) in content.terms.iter().zip(mentioned) {
        if !seen {
            diags.push(
                Diagnostic::warning(format!("no article mentions the glossary term \"{}\"", t.name))
                    .in_file(&t.origin.file)
                    .help("mention it in an article, add the form the articles use to `aliases`, or remove the term"),
            );
        }
    }
    for (word, articles) in acronyms
        .into_iter()
        .filter(|(w, a)| a.len() >= 2 && !known.contains(w))
    {
        let files: Vec<&str> = articles
            .iter()
            .map(|&i| content.articles[i].origin.file.as_str())
            .collect();
        diags.push(
            Diagnostic::warning(format!(
                "\"{word}\" is used in {} articles but has no glossary entry ({})",
                articles.len(),
                files.join(", ")
            ))
            .help(format!(
                "add content/glossary/{}.md with term = \"{word}\" if readers need it explained",
                word.to_lowercase()
            )),
        );
    }
    diags
}
