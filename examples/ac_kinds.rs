use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::time::Instant;
fn main() {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let mut pats: Vec<String> = Vec::new();
    for e in std::fs::read_dir(root.join("content/glossary")).unwrap() {
        let t = std::fs::read_to_string(e.unwrap().path()).unwrap();
        for l in t.lines() {
            if let Some(v) = l.strip_prefix("term = ") {
                pats.push(v.trim_matches('"').to_string());
            }
            if let Some(v) = l.strip_prefix("aliases = ") {
                for a in v.trim_matches(|c| c == '[' || c == ']').split(',') {
                    pats.push(a.trim().trim_matches('"').to_string());
                }
            }
        }
    }
    let mut texts = Vec::new();
    for e in std::fs::read_dir(root.join("content/articles"))
        .unwrap()
        .take(3000)
    {
        texts.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
    }
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    println!("{} patterns, {} MB", pats.len(), bytes >> 20);
    for round in 0..2 {
        for (name, kind) in [
            ("dfa", AhoCorasickKind::DFA),
            ("cnfa", AhoCorasickKind::ContiguousNFA),
            ("nnfa", AhoCorasickKind::NoncontiguousNFA),
        ] {
            let ac = AhoCorasick::builder()
                .kind(Some(kind))
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(true)
                .prefilter(false)
                .build(&pats)
                .unwrap();
            let t = Instant::now();
            let mut n = 0;
            for tx in &texts {
                n += ac.find_overlapping_iter(tx.as_str()).count();
            }
            let el = t.elapsed();
            if round == 1 {
                println!(
                    "{name}: {:.1} ns/byte, {} matches, mem {} KB",
                    el.as_nanos() as f64 / bytes as f64,
                    n,
                    ac.memory_usage() >> 10
                );
            }
        }
    }
}
