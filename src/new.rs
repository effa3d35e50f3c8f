//! `kiji new "Title"`: a new article with its front matter filled in.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::NewArgs;
use crate::date::PartialDate;
use crate::slug::slugify;

pub fn article_text(title: &str, today: PartialDate) -> String {
    let title = title.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "+++\ntitle = \"{title}\"\ndate = {}\nsummary = \"\"\ntags = []\n# draft = true   (uncomment to keep it out of the site until it is ready)\n\n# [source]\n# publication = \"\"\n# title = \"\"\n# author = \"\"\n# url = \"\"\n\n# [[events]]\n# date = \"2025-01\"\n# title = \"\"\n+++\n\nWrite the article here. Glossary terms are linked for you.\n",
        today.iso()
    )
}

pub fn run(root: &Path, args: &NewArgs) -> ExitCode {
    let slug = args
        .slug
        .clone()
        .map(|s| slugify(&s))
        .unwrap_or_else(|| slugify(&args.title));
    if slug.is_empty() {
        eprintln!(
            "error: the title \"{}\" gives an empty file name\n  = help: pass --slug my-article",
            args.title
        );
        return ExitCode::FAILURE;
    }
    let dir = root.join("content").join("articles");
    let path = dir.join(format!("{slug}.md"));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let file = std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(&path);
    let result = file.and_then(|mut f| {
        std::io::Write::write_all(
            &mut f,
            article_text(&args.title, PartialDate::today()).as_bytes(),
        )
    });
    match result {
        Ok(()) => {
            println!("{}", path.display());
            eprintln!("created {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!("error: {} already exists; kiji new never overwrites\n  = help: choose another title or pass --slug", path.display());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", path.display());
            ExitCode::FAILURE
        }
    }
}
