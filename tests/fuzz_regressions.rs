//! Every input a fuzzer crashed on (`fuzz/`, see RELIABILITY.md), replayed through the
//! same code as its fuzz target. A file in `tests/fuzz_regressions/<target>/` per finding.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn front_matter_findings() {
    for (name, data) in inputs("front_matter") {
        eprintln!("replaying front_matter/{name}");
        kiji::fuzzing::front_matter(&data);
    }
}

#[test]
fn linker_findings() {
    for (name, data) in inputs("linker") {
        eprintln!("replaying linker/{name}");
        if let Ok(text) = std::str::from_utf8(&data) {
            kiji::fuzzing::linker(text);
        }
    }
}

#[test]
fn date_findings() {
    for (name, data) in inputs("date") {
        eprintln!("replaying date/{name}");
        if let Ok(text) = std::str::from_utf8(&data) {
            kiji::fuzzing::date(text);
        }
    }
}
