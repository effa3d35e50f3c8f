//! `kiji serve`: a local preview server (tiny_http) that serves the site from memory,
//! under its base path, exactly as GitHub Pages would.

use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, RwLock};

use clap::Args;
use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use crate::cli::CommonArgs;
use crate::output::Output;
use crate::site;

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind; anything but 127.0.0.1 exposes the preview to your network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Rebuild when sources change and reload the browser.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What the server serves: the last good site.
pub struct ServerState {
    pub output: RwLock<Arc<Output>>,
    pub base_path: String,
}

pub fn run(root: &Path, args: &ServeArgs) -> ExitCode {
    let built = match site::build(root, &args.common.options()) {
        Ok(b) => b,
        Err(d) => {
            crate::cli::report(&d.sorted());
            return ExitCode::FAILURE;
        }
    };
    crate::cli::report(&built.warnings);
    if args.bind != "127.0.0.1" && args.bind != "localhost" && args.bind != "::1" {
        eprintln!(
            "warning: binding to {} makes the preview reachable from other machines",
            args.bind
        );
    }
    let server = match Server::http((args.bind.as_str(), args.port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}\n  = help: another program may use that port; try --port 0 to pick a free one", args.bind, args.port);
            return ExitCode::FAILURE;
        }
    };
    let base_path = built.config.base_path();
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(args.port);
    let state = Arc::new(ServerState {
        output: RwLock::new(Arc::new(built.output)),
        base_path: base_path.clone(),
    });
    println!("serving on http://{}:{port}{base_path}", args.bind);
    serve_forever(server, state);
    ExitCode::SUCCESS
}

pub fn serve_forever(server: Server, state: Arc<ServerState>) {
    let server = Arc::new(server);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let server = server.clone();
            let state = state.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    handle(request, &state);
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
}

/// Outcome of mapping a request path onto the site.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(String),
    Redirect(String),
    NotFound,
    BadRequest,
}

/// Maps a URL path to a file of the site, refusing anything that could leave it.
pub fn resolve(url_path: &str, base_path: &str, output: &Output) -> Resolved {
    let path = url_path.split(['?', '#']).next().unwrap_or("");
    let Some(decoded) = percent_decode(path) else {
        return Resolved::BadRequest;
    };
    if decoded.contains('\\')
        || decoded.contains('\0')
        || decoded.split('/').any(|s| s == ".." || s == ".")
    {
        return Resolved::BadRequest;
    }
    if decoded.trim_end_matches('/') == base_path.trim_end_matches('/') && !decoded.ends_with('/') {
        return Resolved::Redirect(format!("{decoded}/"));
    }
    let Some(rel) = decoded.strip_prefix(base_path) else {
        return Resolved::NotFound;
    };
    if rel.is_empty() || rel.ends_with('/') {
        let index = format!("{rel}index.html");
        return if output.get(&index).is_some() {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if output.get(rel).is_some() {
        return Resolved::File(rel.to_string());
    }
    if output.get(&format!("{rel}/index.html")).is_some() {
        return Resolved::Redirect(format!("{decoded}/"));
    }
    Resolved::NotFound
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn handle(request: Request, state: &ServerState) {
    let output = state.output.read().map(|o| o.clone()).unwrap_or_default();
    let head = request.method() == &Method::Head;
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(Response::from_string("method not allowed").with_status_code(405));
        return;
    }
    let (status, body, ctype, location) = match resolve(request.url(), &state.base_path, &output) {
        Resolved::File(path) => (
            200,
            output.get(&path).unwrap_or_default().to_vec(),
            content_type(&path),
            None,
        ),
        Resolved::Redirect(to) => (301, Vec::new(), "text/plain; charset=utf-8", Some(to)),
        Resolved::BadRequest => (
            400,
            b"bad request".to_vec(),
            "text/plain; charset=utf-8",
            None,
        ),
        Resolved::NotFound => match output.get("404.html") {
            Some(page) => (404, page.to_vec(), "text/html; charset=utf-8", None),
            None => (
                404,
                b"not found".to_vec(),
                "text/plain; charset=utf-8",
                None,
            ),
        },
    };
    let len = body.len();
    let mut response = Response::from_data(if head { Vec::new() } else { body })
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", ctype))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    if head {
        response = response.with_header(header("Content-Length", &len.to_string()));
    }
    if let Some(to) = location {
        response = response.with_header(header("Location", &to));
    }
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Output {
        let mut o = Output::default();
        o.insert("index.html", "home");
        o.insert("articles/a/index.html", "a");
        o.insert("style.css", "css");
        o
    }

    #[test]
    fn maps_paths_under_the_base_path() {
        let o = site();
        assert_eq!(
            resolve("/repo/", "/repo/", &o),
            Resolved::File("index.html".into())
        );
        assert_eq!(
            resolve("/repo", "/repo/", &o),
            Resolved::Redirect("/repo/".into())
        );
        assert_eq!(
            resolve("/repo/articles/a", "/repo/", &o),
            Resolved::Redirect("/repo/articles/a/".into())
        );
        assert_eq!(
            resolve("/repo/style.css?v=1", "/repo/", &o),
            Resolved::File("style.css".into())
        );
        assert_eq!(resolve("/style.css", "/repo/", &o), Resolved::NotFound);
    }

    #[test]
    fn refuses_traversal_in_every_spelling() {
        let o = site();
        for bad in [
            "/repo/../etc/passwd",
            "/repo/%2e%2e/x",
            "/repo/%2E%2E/x",
            "/repo/..%5cx",
            "/repo/a\\..\\b",
            "/repo/%00",
            "/repo/%zz",
        ] {
            assert!(
                matches!(
                    resolve(bad, "/repo/", &o),
                    Resolved::BadRequest | Resolved::NotFound
                ),
                "{bad}"
            );
        }
    }
}
