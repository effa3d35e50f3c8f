use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    kiji::cli::run(kiji::cli::Cli::parse())
}
