#!/usr/bin/env python3
"""Writes a synthetic N-article site (default 10,000) for measuring the search index.

    python3 scripts/search-corpus.py /tmp/corpus 10000
    cargo run --release -- --root /tmp/corpus build --output /tmp/corpus-out
    du -sb /tmp/corpus-out/search

Each article mixes paragraphs of the bundled articles with a paragraph of rare words
drawn from a 60,000-word vocabulary with a Zipf-like law, so the index sees a realistic
long tail of words rather than the same few thousand again and again.
"""
import pathlib
import random
import re
import shutil
import sys

out = pathlib.Path(sys.argv[1])
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
repo = pathlib.Path(__file__).resolve().parent.parent
rng = random.Random(9)

paragraphs = []
for f in sorted((repo / "content/articles").glob("*.md")):
    body = f.read_text().split("+++", 2)[2]
    paragraphs += [p.strip() for p in body.split("\n\n") if p.strip() and not p.lstrip().startswith(("#", "|", "-", "`", ">"))]
# Links between the bundled articles would point nowhere here.
paragraphs = [re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", p) for p in paragraphs]

syllables = ["ka", "ri", "to", "ne", "shi", "mo", "ra", "ten", "gu", "bel", "dor", "an", "vi", "qu", "lex", "os"]
vocab = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(60000)]
weights = [1 / (i + 1) for i in range(len(vocab))]

shutil.rmtree(out, ignore_errors=True)
(out / "content/articles").mkdir(parents=True)
shutil.copytree(repo / "content/glossary", out / "content/glossary")
(out / "site.toml").write_text('title = "Corpus"\nbase_url = "/"\n')
for i in range(count):
    body = rng.sample(paragraphs, k=min(6, len(paragraphs)))
    body.insert(2, " ".join(rng.choices(vocab, weights=weights, k=120)) + ".")
    date = f"{2000 + i % 25}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    (out / f"content/articles/a{i:05d}.md").write_text(
        f'+++\ntitle = "Article {i} {vocab[i]}"\ndate = {date}\nsummary = "Synthetic article {i}."\n+++\n'
        + "\n\n## Part\n\n".join(body) + "\n")
print(f"{count} articles in {out}")
