use std::process::ExitCode;

use clap::Parser;

// The build allocates many short-lived strings on two threads at once (comrak's AST,
// Tera's values, page buffers): glibc's malloc/free were ~20% of a 10,000-article
// profile. mimalloc's thread-local heaps cut most of that. Oniguruma's mallocs (C, in
// syntect's regex searches) reach mimalloc through libmimalloc-sys' `override` feature.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    kiji::cli::run(kiji::cli::Cli::parse())
}
