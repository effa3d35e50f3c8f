//! The command line: `kiji build | check | new | serve`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::diag::Diagnostics;
use crate::output;
use crate::progress;
use crate::site::{self, BuildOptions};

#[derive(Debug, Parser)]
#[command(
    name = "kiji",
    version,
    about = "Build a publication of Markdown articles, with a shared glossary and a timeline, into a static site."
)]
pub struct Cli {
    /// The site's folder (holding site.toml and content/).
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into public/ (or --output); the previous output is kept if anything fails.
    Build(BuildArgs),
    /// Build in memory and check every link; writes nothing. Exits 1 on any error.
    ///
    /// After everything a build verifies, crawls the generated HTML as served under the
    /// base path: every link, #fragment, image and asset must resolve, and no link may
    /// leave the base path. feed.xml and sitemap.xml must be valid. Errors name the
    /// Markdown or template line that wrote the link.
    Check(CheckArgs),
    /// Create a new article with its front matter filled in.
    New(NewArgs),
    /// Serve the site locally for preview.
    Serve(crate::serve::ServeArgs),
}

#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Override base_url from site.toml (e.g. https://user.github.io/repo/).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Include articles marked `draft = true`.
    #[arg(long)]
    pub drafts: bool,
}

impl CommonArgs {
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            drafts: self.drafts,
            base_url: self.base_url.clone(),
            today: std::env::var("KIJI_BUILD_DATE")
                .ok()
                .and_then(|d| crate::date::PartialDate::parse(&d).ok()),
        }
    }
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Where to write the site (relative to --root unless absolute).
    #[arg(long, short, default_value = "public", value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The article's title.
    pub title: String,
    /// The file name (without .md); derived from the title by default.
    #[arg(long)]
    pub slug: Option<String>,
}

pub fn run(cli: Cli) -> ExitCode {
    match &cli.command {
        Command::Build(args) => build(&cli.root, args),
        Command::Check(args) => check(&cli.root, args),
        Command::New(args) => crate::new::run(&cli.root, args),
        Command::Serve(args) => crate::serve::run(&cli.root, args),
    }
}

pub fn report(diags: &Diagnostics) {
    if !diags.is_empty() {
        eprintln!("{}", diags.render());
    }
}

fn failed(diags: &Diagnostics, what: &str) -> ExitCode {
    report(diags);
    let errors = diags.errors().count();
    eprintln!(
        "{what} failed with {errors} error{}",
        if errors == 1 { "" } else { "s" }
    );
    ExitCode::FAILURE
}

fn build(root: &Path, args: &BuildArgs) -> ExitCode {
    let out = if args.output.is_absolute() {
        args.output.clone()
    } else {
        root.join(&args.output)
    };
    if let Err(e) = output::check_output_dir(root, &out) {
        eprintln!("error: {e}\n  = help: {}", e.help());
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    progress::enable();
    // Two builds into one output wait for each other; each writes its own staging
    // folder, swapped in only when the whole site was built and written.
    let lock = match output::lock_output(&out) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}\n  = help: {}", e.help());
            return ExitCode::FAILURE;
        }
    };
    let staging = match output::Staging::begin(&out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}\n  = help: {}", e.help());
            return ExitCode::FAILURE;
        }
    };
    let built = match site::build_into(root, &args.common.options(), staging.dir()) {
        Ok(b) => b,
        Err(diags) => {
            let kept = if out.exists() {
                format!("the previous {} was left as it was", out.display())
            } else {
                "nothing was written".to_string()
            };
            progress::finish();
            return failed(&diags.sorted(), &format!("build ({kept})"));
        }
    };
    progress::suspend(|| report(&built.warnings));
    crate::progress::timings::mark("swap");
    let written = match built.output.write_error() {
        Some(e) => Err(e),
        None => staging.commit(),
    };
    progress::finish();
    if let Err(e) = written {
        eprintln!("error: {e}\n  = help: {}", e.help());
        return ExitCode::FAILURE;
    }
    drop(lock);
    let s = &built.stats;
    eprintln!(
        "built {} articles, {} glossary terms, {} events → {} files in {} ({:.0?}){}",
        s.articles,
        s.terms,
        s.events,
        s.files,
        out.display(),
        started.elapsed(),
        warnings_suffix(&built.warnings)
    );
    ExitCode::SUCCESS
}

fn warnings_suffix(w: &Diagnostics) -> String {
    match w.warnings().count() {
        0 => String::new(),
        1 => ", 1 warning".into(),
        n => format!(", {n} warnings"),
    }
}

fn check(root: &Path, args: &CheckArgs) -> ExitCode {
    match crate::check::run(root, &args.common.options()) {
        Ok(warnings) => {
            let warnings = warnings.sorted();
            report(&warnings);
            if !warnings.is_empty() {
                eprintln!("by file:\n{}", crate::check::summary(&warnings));
            }
            eprintln!("check passed{}", warnings_suffix(&warnings));
            ExitCode::SUCCESS
        }
        Err(diags) => {
            let diags = diags.sorted();
            report(&diags);
            eprintln!("by file:\n{}", crate::check::summary(&diags));
            let errors = diags.errors().count();
            eprintln!(
                "check failed with {errors} error{}",
                if errors == 1 { "" } else { "s" }
            );
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
