//! The partial-date parser; see `kiji::fuzzing::date`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &str| kiji::fuzzing::date(data));
