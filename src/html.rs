//! Small HTML helpers shared by the renderers.

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    escape_with(text, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#39;"),
        _ => None,
    })
}

/// Tera's `escape_html`, byte for byte (it also escapes `/`), for `Tera::set_escape_fn`:
/// Tera's own pushes one `char` at a time into a buffer twice the text's size, and
/// every value a page prints goes through it.
pub fn escape_for_templates(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_for_templates_into(&mut out, text);
    out
}

/// [`escape_for_templates`], appending to `out`.
pub fn escape_for_templates_into(out: &mut String, text: &str) {
    escape_into_with(out, text, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\'' => Some("&#x27;"),
        b'/' => Some("&#x2F;"),
        _ => None,
    });
}

/// Copies `text`, replacing each ASCII byte `entity` maps; runs in between are copied
/// whole. Only ASCII bytes are mapped, so the runs split on character boundaries.
fn escape_with(text: &str, entity: impl Fn(u8) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_into_with(&mut out, text, entity);
    out
}

fn escape_into_with(out: &mut String, text: &str, entity: impl Fn(u8) -> Option<&'static str>) {
    let mut last = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if let Some(e) = entity(b) {
            out.push_str(&text[last..i]);
            out.push_str(e);
            last = i + 1;
        }
    }
    out.push_str(&text[last..]);
}

/// JSON that is safe inside `<script type="application/ld+json">`: no `</script>` break-out.
pub fn json_for_script(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// Text content of an HTML fragment (for descriptions in metadata).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    proptest::proptest! {
        #[test]
        fn template_escaping_is_teras(text in "[a-z&<>\"'/ é日\\\n]{0,40}") {
            proptest::prop_assert_eq!(escape_for_templates(&text), tera::escape_html(&text));
        }
    }

    #[test]
    fn json_cannot_close_the_script_element() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        assert!(!json_for_script(&v).contains("</script>"));
    }
}
