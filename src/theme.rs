//! The theme: templates and assets embedded in the binary, overridden file by file
//! by the site's `layouts/` and `assets/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use tera::Tera;
use walkdir::WalkDir;

use crate::diag::{Diagnostic, Diagnostics};
use crate::source::{display_path, is_hidden_or_temp};

pub const LAYOUTS_DIR: &str = "layouts";
pub const ASSETS_DIR: &str = "assets";

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("theme/templates/", $name)))),*]
    };
}

pub const TEMPLATES: &[(&str, &str)] = embedded!(
    "base.html",
    "index.html",
    "article.html",
    "tag.html",
    "tags.html",
    "glossary.html",
    "timeline.html",
    "404.html",
    "search.html",
    "macros.html",
);

pub const ASSETS: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("theme/assets/style.css")),
    ("kiji.js", include_bytes!("theme/assets/kiji.js")),
    ("search.js", include_bytes!("theme/assets/search.js")),
    ("favicon.svg", include_bytes!("theme/assets/favicon.svg")),
];

/// A template's text and where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct TemplateSource {
    /// `layouts/article.html`, or `(built-in theme) article.html`.
    pub file: String,
    pub text: Arc<str>,
    pub overridden: bool,
}

pub struct Theme {
    pub tera: Tera,
    pub templates: BTreeMap<String, TemplateSource>,
    pub assets: BTreeMap<String, Vec<u8>>,
    /// A hash of every template's name and text and of the base path their `url`
    /// helper adds: what the compiled templates, and every page rendered with them,
    /// depend on (`Theme::load_reusing`, `incremental::PageCache`).
    fingerprint: u64,
}

impl Theme {
    /// Whether `template` is the built-in one (not overridden in layouts/).
    pub fn is_built_in(&self, template: &str) -> bool {
        self.templates.get(template).is_some_and(|t| !t.overridden)
    }

    /// Whether any template is the site's own: it may print anything in the context of
    /// any page, such as the number of events every page's `site` holds.
    pub fn overrides_a_template(&self) -> bool {
        self.templates.values().any(|t| t.overridden)
    }

    pub fn load(root: &Path, base_path: &str) -> Result<Theme, Diagnostics> {
        Self::load_reusing(root, base_path, None)
    }

    /// `load`, taking `previous`' compiled templates if every template's text and the
    /// base path are the same: the dev server reads the theme on every save that takes
    /// the full path, and compiling it was ~6 ms of a ~12 ms rebuild of a small site.
    pub fn load_reusing(
        root: &Path,
        base_path: &str,
        previous: Option<&Theme>,
    ) -> Result<Theme, Diagnostics> {
        let mut templates: BTreeMap<String, TemplateSource> = TEMPLATES
            .iter()
            .map(|(name, text)| {
                let source = TemplateSource {
                    file: format!("(built-in theme) {name}"),
                    text: Arc::from(*text),
                    overridden: false,
                };
                (name.to_string(), source)
            })
            .collect();
        let mut diags = Diagnostics::new();
        for (name, file, bytes) in read_dir_files(root, LAYOUTS_DIR, &mut diags) {
            match String::from_utf8(bytes) {
                Ok(text) => {
                    let text = text.replace("\r\n", "\n");
                    templates.insert(
                        name,
                        TemplateSource {
                            file,
                            text: Arc::from(text),
                            overridden: true,
                        },
                    );
                }
                Err(_) => diags.push(
                    Diagnostic::error(format!("{file} is not valid UTF-8 text")).in_file(file),
                ),
            }
        }
        let mut assets: BTreeMap<String, Vec<u8>> = ASSETS
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        assets.insert(
            "syntax.css".into(),
            crate::highlight::stylesheet().as_bytes().to_vec(),
        );
        for (name, _, bytes) in read_dir_files(root, ASSETS_DIR, &mut diags) {
            assets.insert(name, bytes);
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let fingerprint = fingerprint(&templates, base_path);
        let tera = match previous.filter(|p| p.fingerprint == fingerprint) {
            Some(p) => p.tera.clone(),
            None => compile(&templates, base_path)?,
        };
        Ok(Theme {
            tera,
            templates,
            assets,
            fingerprint,
        })
    }

    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// A diagnostic for a Tera error, naming the template file and, where it can, the line.
    pub fn template_error(&self, template: &str, err: &tera::Error) -> Diagnostic {
        template_diagnostic(&self.templates, template, err)
    }
}

fn fingerprint(templates: &BTreeMap<String, TemplateSource>, base_path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    base_path.hash(&mut h);
    for (name, t) in templates {
        (name, &*t.text).hash(&mut h);
    }
    h.finish()
}

fn read_dir_files(
    root: &Path,
    dir: &str,
    diags: &mut Diagnostics,
) -> Vec<(String, String, Vec<u8>)> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(&base).follow_links(true).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() && !is_hidden_or_temp(e.path()) => {
                let name = e
                    .path()
                    .strip_prefix(&base)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                let file = display_path(root, e.path());
                match std::fs::read(e.path()) {
                    Ok(bytes) => files.push((name, file, bytes)),
                    Err(err) => diags.push(
                        Diagnostic::error(format!("cannot read {file}: {err}")).in_file(file),
                    ),
                }
            }
            Ok(_) => {}
            Err(err) => diags.push(Diagnostic::error(format!("cannot read {dir}/: {err}"))),
        }
    }
    files
}

fn compile(
    templates: &BTreeMap<String, TemplateSource>,
    base_path: &str,
) -> Result<Tera, Diagnostics> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fn(crate::html::escape_for_templates);
    crate::render::register_helpers(&mut tera, base_path);
    let pairs: Vec<(&str, &str)> = templates
        .iter()
        .map(|(n, s)| (n.as_str(), s.text.as_ref()))
        .collect();
    if let Err(e) = tera.add_raw_templates(pairs) {
        let name = failing_template(&e).unwrap_or_default();
        return Err(template_diagnostic(templates, &name, &e).into());
    }
    check_include_cycles(&tera, templates)?;
    check_macro_recursion(&tera, templates)?;
    Ok(tera)
}

/// A macro that calls itself (directly or through others) outside any `{% if %}` or
/// `{% for %}` can never stop, and Tera would recurse until the stack overflows.
/// Recursion under a condition is left alone: it is how trees are rendered.
fn check_macro_recursion(
    tera: &Tera,
    templates: &BTreeMap<String, TemplateSource>,
) -> Result<(), Diagnostics> {
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, t) in &tera.templates {
        for (name, m) in &t.macros {
            let mut calls = Vec::new();
            unconditional_calls(&m.body, &mut calls);
            let targets = calls
                .into_iter()
                .filter_map(|(ns, callee)| {
                    let target = if ns == "self" {
                        Some(file.as_str())
                    } else {
                        t.imported_macro_files
                            .iter()
                            .find(|(_, n)| *n == ns)
                            .map(|(f, _)| f.as_str())
                    };
                    target.map(|f| format!("{f}::{callee}"))
                })
                .collect();
            graph.insert(format!("{file}::{name}"), targets);
        }
    }
    let graph: BTreeMap<&str, Vec<String>> =
        graph.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let mut done = Vec::new();
    for start in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(&graph, start, &mut path, &mut done) {
            let (file, name) = cycle[0].split_once("::").unwrap_or(("", &cycle[0]));
            let mut d = Diagnostic::error(format!(
                "template {file}: the macro `{name}` calls itself with no condition that could stop it: {}",
                cycle.join(" → ")
            ))
            .help("put the recursive call inside an {% if %} that becomes false, or remove it");
            if let Some(source) = templates.get(file) {
                d = d.in_file(&source.file);
                if let Some(line) = line_of(&source.text, &format!("macro {name}")) {
                    d = d.at_line(&source.text, line);
                }
            }
            return Err(d.into());
        }
    }
    Ok(())
}

/// Macro calls (namespace, name) that run whenever `nodes` run: not under if/for.
fn unconditional_calls(nodes: &[tera::ast::Node], calls: &mut Vec<(String, String)>) {
    use tera::ast::Node;
    for node in nodes {
        match node {
            Node::VariableBlock(_, e) => expr_calls(e, calls),
            Node::Set(_, set) => expr_calls(&set.value, calls),
            Node::FilterSection(_, f, _) => unconditional_calls(&f.body, calls),
            Node::Block(_, b, _) => unconditional_calls(&b.body, calls),
            _ => {}
        }
    }
}

fn expr_calls(e: &tera::ast::Expr, calls: &mut Vec<(String, String)>) {
    use tera::ast::ExprVal;
    match &e.val {
        ExprVal::MacroCall(m) => {
            calls.push((m.namespace.clone(), m.name.clone()));
            m.args.values().for_each(|a| expr_calls(a, calls));
        }
        ExprVal::FunctionCall(f) => f.args.values().for_each(|a| expr_calls(a, calls)),
        ExprVal::Math(m) => {
            expr_calls(&m.lhs, calls);
            expr_calls(&m.rhs, calls);
        }
        // `a and f()` may be a guard: only the left side always runs.
        ExprVal::Logic(l) => expr_calls(&l.lhs, calls),
        ExprVal::Array(items) => items.iter().for_each(|i| expr_calls(i, calls)),
        _ => {}
    }
    for f in &e.filters {
        f.args.values().for_each(|a| expr_calls(a, calls));
    }
}

/// Tera 1 follows `{% include %}` with no depth limit, so an include cycle would
/// overflow the stack and abort the process while rendering: refuse it up front.
fn check_include_cycles(
    tera: &Tera,
    templates: &BTreeMap<String, TemplateSource>,
) -> Result<(), Diagnostics> {
    let graph: BTreeMap<&str, Vec<String>> = tera
        .templates
        .iter()
        .map(|(name, t)| (name.as_str(), template_edges(tera, t)))
        .collect();
    let mut done: Vec<&str> = Vec::new();
    for start in graph.keys() {
        let mut path = Vec::new();
        if let Some(cycle) = find_cycle(&graph, start, &mut path, &mut done) {
            return Err(include_cycle_diagnostic(templates, &cycle).into());
        }
    }
    Ok(())
}

/// The templates rendering `t` renders too: its includes (the first that exists, as
/// Tera picks) and its parent.
fn template_edges(tera: &Tera, t: &tera::Template) -> Vec<String> {
    let mut edges = Vec::new();
    let mut stack: Vec<&tera::ast::Node> = t.ast.iter().collect();
    stack.extend(t.macros.values().flat_map(|m| &m.body));
    while let Some(node) = stack.pop() {
        use tera::ast::Node;
        match node {
            Node::Include(_, names, _) => {
                if let Some(n) = names.iter().find(|n| tera.templates.contains_key(*n)) {
                    edges.push(n.clone());
                }
            }
            Node::Block(_, b, _) => stack.extend(&b.body),
            Node::Forloop(_, f, _) => {
                stack.extend(&f.body);
                stack.extend(f.empty_body.iter().flatten());
            }
            Node::If(i, _) => {
                stack.extend(i.conditions.iter().flat_map(|(_, _, body)| body));
                stack.extend(i.otherwise.iter().flat_map(|(_, body)| body));
            }
            Node::FilterSection(_, f, _) => stack.extend(&f.body),
            Node::MacroDefinition(_, m, _) => stack.extend(&m.body),
            _ => {}
        }
    }
    edges.extend(t.parent.clone());
    edges
}

/// Depth-first search; returns the path of the first cycle through `node`'s descendants.
fn find_cycle<'g>(
    graph: &'g BTreeMap<&'g str, Vec<String>>,
    node: &'g str,
    path: &mut Vec<&'g str>,
    done: &mut Vec<&'g str>,
) -> Option<Vec<String>> {
    if let Some(i) = path.iter().position(|p| *p == node) {
        let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
        cycle.push(node.to_string());
        return Some(cycle);
    }
    if done.contains(&node) {
        return None;
    }
    path.push(node);
    for next in graph.get(node).into_iter().flatten() {
        let Some((key, _)) = graph.get_key_value(next.as_str()) else {
            continue;
        };
        if let Some(cycle) = find_cycle(graph, key, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.push(node);
    None
}

fn include_cycle_diagnostic(
    templates: &BTreeMap<String, TemplateSource>,
    cycle: &[String],
) -> Diagnostic {
    // Point at the include that closes the loop, in the template that holds it.
    let (from, to) = (&cycle[cycle.len() - 2], &cycle[cycle.len() - 1]);
    let mut d = Diagnostic::error(format!(
        "template {from}: templates include each other in a loop: {}",
        cycle.join(" → ")
    ))
    .help("Tera would include these templates forever; remove one of the includes (or extends) in the loop");
    if let Some(source) = templates.get(from.as_str()) {
        d = d.in_file(&source.file);
        if let Some(line) = line_of(&source.text, &format!("\"{to}\"")) {
            d = d.at_line(&source.text, line);
        }
    }
    d
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    let offset = text.find(needle)?;
    Some(text[..offset].matches('\n').count() + 1)
}

/// The template named in "Failed to parse 'x.html'"-style messages.
fn failing_template(err: &tera::Error) -> Option<String> {
    let text = err.to_string();
    let start = text.find('\'')? + 1;
    let end = start + text[start..].find('\'')?;
    Some(text[start..end].to_string())
}

fn error_chain(err: &tera::Error) -> Vec<String> {
    let mut chain = vec![err.to_string()];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    chain
}

fn template_diagnostic(
    templates: &BTreeMap<String, TemplateSource>,
    name: &str,
    err: &tera::Error,
) -> Diagnostic {
    let chain = error_chain(err);
    // Tera's innermost message is the useful one; its outer ones only name the template.
    let detail = chain.last().cloned().unwrap_or_default();
    let innermost_template = chain.iter().rev().find_map(|m| {
        let start = m.find('\'')? + 1;
        let end = start + m[start..].find('\'')?;
        templates
            .contains_key(&m[start..end])
            .then(|| m[start..end].to_string())
    });
    let name = innermost_template.unwrap_or_else(|| name.to_string());
    let Some(source) = templates.get(&name) else {
        return Diagnostic::error(format!("template error: {}", chain.join(": ")));
    };
    let summary = error_summary(&detail);
    let mut d = Diagnostic::error(format!(
        "template {name}: {}",
        summary.trim_start_matches("* ")
    ))
    .in_file(&source.file)
    .help(if source.overridden {
        "fix the template in layouts/, or delete it to use the built-in one"
    } else {
        "this is kiji's built-in template; report it as a bug"
    });
    if let Some(line) = parse_error_line(&detail)
        .or_else(|| missing_variable_line(&detail, &source.text))
        .or_else(|| missing_template_line(&detail, &source.text))
        .or_else(|| {
            detail
                .contains("Circular extend")
                .then(|| line_of(&source.text, "extends"))
                .flatten()
        })
    {
        d = d.at_line(&source.text, line);
    }
    d
}

/// Tera parse errors carry `--> line:column`.
fn parse_error_line(message: &str) -> Option<usize> {
    let rest = &message[message.find("--> ")? + 4..];
    rest.split(':').next()?.trim().parse().ok()
}

/// Tera 1 does not track lines in render errors; find the variable in the template instead.
fn missing_variable_line(message: &str, text: &str) -> Option<usize> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    let variable = &message[start..end];
    let offset = text.find(variable)?;
    Some(text[..offset].matches('\n').count() + 1)
}

/// "Template '[nope.html]' not found": the line of the include naming it.
fn missing_template_line(message: &str, text: &str) -> Option<usize> {
    let start = message.find("'[")? + 2;
    let end = start + message[start..].find("]'")?;
    let first = message[start..end].split(", ").next()?;
    line_of(text, &format!("\"{first}\""))
}

/// The one line of a Tera message that says what is wrong. Parse errors draw a pest
/// snippet (`--> 3:19`, `|`, `^---`) and end with `= expected …`; render errors are
/// a single sentence.
fn error_summary(detail: &str) -> String {
    let lines = || detail.lines().map(str::trim).filter(|l| !l.is_empty());
    let expected = lines().find_map(|l| l.strip_prefix("= "));
    let sentence = || {
        lines().rfind(|l| {
            let snippet = l.starts_with("-->") || l.starts_with('|') || l.starts_with('=');
            let numbered = l.chars().next().is_some_and(|c| c.is_ascii_digit()) && l.contains('|');
            !snippet && !numbered
        })
    };
    expected
        .or_else(sentence)
        .unwrap_or(detail.trim())
        .to_string()
}
