//! Harness for `kiji serve`: run the real binary on an ephemeral port, talk to it
//! over plain TCP (a tiny HTTP/1.1 client and an SSE reader), and wait on what it
//! prints or sends, never on the clock.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use scraper::Html;

/// Upper bound for anything we wait on; a healthy run takes milliseconds.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT/base/`
    pub url: String,
    /// Every later stdout line (rebuild reports).
    lines: Receiver<String>,
    stderr: Option<ChildStderr>,
}

impl Server {
    /// `kiji --root <root> serve --port 0 <args>`; returns once it listens (and, with
    /// --watch, once the watcher is set up).
    pub fn start(root: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiji"));
        command.arg("--root").arg(root);
        Server::spawn(command, args)
    }

    /// `start` with extra environment variables for kiji.
    pub fn start_with_env(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiji"));
        command.arg("--root").arg(root).envs(env.iter().copied());
        Server::spawn(command, args)
    }

    /// `kiji serve --port 0 <args>` run inside the site folder, as the README says,
    /// with the default root `.`.
    pub fn start_inside(root: &Path, args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiji"));
        command.current_dir(root);
        Server::spawn(command, args)
    }

    fn spawn(mut command: Command, args: &[&str]) -> Server {
        let mut child = command
            .args(["serve", "--port", "0"])
            .args(args)
            .env("KIJI_BUILD_DATE", crate::common::BUILD_DATE)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kiji serve");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = child.stderr.take();
        let mut server = Server {
            child,
            addr: "127.0.0.1:1".parse().unwrap(),
            url: String::new(),
            lines,
            stderr,
        };
        let serving = server.wait_line(|l| l.starts_with("serving on "));
        server.url = serving.trim_start_matches("serving on ").to_string();
        let host_port = server
            .url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        server.addr = host_port.parse().expect("address in the serving line");
        if args.contains(&"--watch") {
            server.wait_line(|l| l.starts_with("watching "));
        }
        server
    }

    /// The next stdout line matching `pred` (earlier ones are skipped).
    pub fn wait_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "kiji serve printed no matching line; stderr:\n{}",
                    self.stop_and_read_stderr()
                ),
            }
        }
    }

    /// The site's base path (`/` or `/repo/`).
    pub fn base(&self) -> String {
        let rest = self.url.trim_start_matches("http://");
        rest[rest.find('/').unwrap()..].to_string()
    }

    pub fn get(&self, path: &str) -> Resp {
        request(self.addr, "GET", path)
    }

    pub fn events(&self) -> Events {
        Events::connect(self.addr, &format!("{}__kiji/events", self.base()))
    }

    pub fn stop_and_read_stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut text = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn html(&self) -> Html {
        Html::parse_document(&self.text())
    }
}

/// One request with `Connection: close`; the target is sent exactly as given
/// (no normalisation), so traversal attempts reach the server intact.
pub fn request(addr: SocketAddr, method: &str, target: &str) -> Resp {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Resp {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

/// An open Server-Sent Events stream.
pub struct Events {
    reader: BufReader<TcpStream>,
    pub status: u16,
    pub content_type: String,
}

#[derive(Debug, Clone)]
pub struct Sse {
    pub name: String,
    pub data: String,
}

impl Sse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("{e}: {}", self.data))
    }
}

impl Events {
    pub fn connect(addr: SocketAddr, path: &str) -> Events {
        let mut stream = TcpStream::connect(addr).expect("connect");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line).unwrap();
        let status = status_line
            .split(' ')
            .nth(1)
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        let mut content_type = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.eq_ignore_ascii_case("content-type") {
                    content_type = v.trim().to_string();
                }
            }
        }
        Events {
            reader,
            status,
            content_type,
        }
    }

    /// The next event, or None if none arrives within `timeout`.
    pub fn next_within(&mut self, timeout: Duration) -> Option<Sse> {
        // A deadline for the whole event: heartbeat comments must not extend it.
        let deadline = Instant::now() + timeout;
        let (mut name, mut data) = (String::from("message"), String::new());
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.reader.get_ref().set_read_timeout(Some(left)).unwrap();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    return None
                }
                Err(e) => panic!("event stream: {e}"),
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !data.is_empty() {
                    return Some(Sse { name, data });
                }
                name = "message".into();
                continue;
            }
            if let Some(v) = line.strip_prefix("event:") {
                name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim_start());
            }
        }
    }

    /// The next event; panics if none comes.
    pub fn next(&mut self) -> Sse {
        self.next_within(PATIENCE)
            .expect("an event within the patience limit")
    }

    /// The next event with this name, skipping others (e.g. `hello`).
    pub fn expect(&mut self, name: &str) -> Sse {
        loop {
            let e = self.next();
            if e.name == name {
                return e;
            }
            assert!(
                e.name == "hello",
                "expected a {name} event, got {}: {}",
                e.name,
                e.data
            );
        }
    }
}
