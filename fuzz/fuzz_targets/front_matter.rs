//! Raw bytes as an article, glossary or timeline file; see `kiji::fuzzing::front_matter`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kiji::fuzzing::front_matter(data));
