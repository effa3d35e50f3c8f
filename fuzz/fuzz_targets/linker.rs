//! Terms, a blank line, then Markdown for the glossary linker; see `kiji::fuzzing::linker`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| kiji::fuzzing::linker(data));
