//! Slugs for URLs and ids: lowercase, letters and digits of any script, `-` between words.

pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            // "Japan's" → "japans", not "japan-s".
        } else {
            pending_dash = true;
        }
    }
    out
}

/// True for a slug an editor may write by hand: what `slugify` would keep.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty() && slugify(slug) == slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_words_of_any_script() {
        assert_eq!(slugify("Article 9"), "article-9");
        assert_eq!(slugify("  Japan's \"No Plan B\"!  "), "japans-no-plan-b");
        assert_eq!(slugify("日本の防衛 政策"), "日本の防衛-政策");
        assert_eq!(slugify("AUKUS Pillar 2"), "aukus-pillar-2");
        assert!(is_valid_slug("aukus-pillar-2"));
        assert!(!is_valid_slug("Bad Slug"));
    }
}
