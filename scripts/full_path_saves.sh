#!/usr/bin/env bash
# Saves that take the dev server's full path, on a copy of a site: a new date that
# moves an article in the order (three times), then a new article and its deletion
# (twice), 4 s apart. Prints the line the server writes per save (what was rendered
# again and the time to the reload event) and, with KIJI_TIMINGS=1, its stages.
#
#   scripts/full_path_saves.sh /dev/shm/kiji-bench/corpus-10000 [target/release/kiji]
set -euo pipefail
SITE=${1:?usage: full_path_saves.sh SITE [KIJI]}
KIJI=$(realpath "${2:-target/release/kiji}")
PORT=${PORT:-18779}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
cp -r "$SITE" "$WORK/site"
cd "$WORK/site"
"$KIJI" serve --watch --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
until grep -q '^serving on' "$WORK/serve.log"; do sleep 0.5; done
article=$(ls content/articles/*.md | sort | sed -n 2p)
for date in 2003-02-11 2019-05-01 2008-07-07; do
  python3 - "$article" "$date" <<'PY'
import re, sys
path, date = sys.argv[1], sys.argv[2]
text = open(path).read()
open(path, "w").write(re.sub(r"(?m)^date = .*", f"date = {date}", text, count=1))
PY
  sleep 4
done
for n in 1 2; do
  python3 - "$article" "$n" <<'PY'
import re, sys
path, n = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"(?m)^date = .*", f"date = 2016-03-0{n}", text, count=1)
text = re.sub(r"(?m)^title = .*", f'title = "A brand new article {n}"', text, count=1)
open(path.rsplit("/", 1)[0] + "/zz-new-article.md", "w").write(text)
PY
  sleep 4
  rm content/articles/zz-new-article.md
  sleep 4
done
grep -E 'reload|timing' "$WORK/serve.log" | grep -v 'timing: edit'
