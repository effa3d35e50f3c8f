// kiji search: reads the index kiji writes under search/ (see src/search.rs), fetching
// only the shards of the words typed and the document chunks of the results shown.
(function () {
  "use strict";
  var form = document.querySelector(".search-form");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[type=search]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var dir = form.getAttribute("data-index");
  var SHOWN = 10;
  var WORD = /[\p{Alphabetic}\p{N}]/u;
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/;
  var files = {};
  var pages = {};
  var index = null;
  var latest = 0;

  function load(name) {
    var url = dir + name + (index ? "?v=" + index.build : "");
    if (!files[name]) {
      files[name] = fetch(url).then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
    }
    return files[name];
  }

  // The same splitting as src/search.rs `words`.
  function words(text) {
    var out = [];
    var word = "";
    var flush = function () {
      if (word && (Array.from(word).length > 1 || /^\p{N}+$/u.test(word))) out.push(word);
      word = "";
    };
    for (var c of text) {
      if (CJK.test(c)) { flush(); out.push(c); }
      else if (WORD.test(c)) word += c.toLowerCase();
      else flush();
    }
    flush();
    return out;
  }

  // Shards that may hold words starting with `w`: the longest prefix of `w`, and deeper
  // ones. On a big site a word's first letters can span dozens of shards: those are only
  // fetched once the word is long enough to need a handful.
  var DEEPER = 4;
  function shardsFor(w) {
    var best = -1;
    var deeper = [];
    index.shards.forEach(function (p, i) {
      if (w.startsWith(p) && (best < 0 || p.length > index.shards[best].length)) best = i;
      else if (p.length > w.length && p.startsWith(w)) deeper.push(i);
    });
    var out = deeper.length <= DEEPER ? deeper : [];
    if (best >= 0) out.push(best);
    return out;
  }

  // doc → score for one query word; a word it merely starts counts half.
  function match(w) {
    return Promise.all(shardsFor(w).map(function (i) { return load("s" + i + ".json"); }))
      .then(function (shards) {
        var scores = new Map();
        shards.forEach(function (shard) {
          Object.keys(shard).forEach(function (key) {
            if (!key.startsWith(w)) return;
            var factor = key === w ? 1 : 0.5;
            var p = shard[key];
            for (var j = 0, doc = 0; j < p.length; j += 2) {
              doc += p[j];
              scores.set(doc, (scores.get(doc) || 0) + p[j + 1] * factor);
            }
          });
        });
        return scores;
      });
  }

  // Documents matching every word, best first.
  function rank(perWord) {
    var total = perWord[0];
    perWord.slice(1).forEach(function (m) {
      var next = new Map();
      total.forEach(function (s, doc) { if (m.has(doc)) next.set(doc, s + m.get(doc)); });
      total = next;
    });
    return Array.from(total.entries()).sort(function (a, b) { return b[1] - a[1] || a[0] - b[0]; });
  }

  function docs(ids) {
    return Promise.all(ids.map(function (id) {
      return load("d" + Math.floor(id / index.chunk) + ".json").then(function (chunk) {
        var d = chunk[id % index.chunk];
        return { kind: d[0], title: d[1], url: d[2], summary: d[3] };
      });
    }));
  }

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function pattern(terms) {
    var parts = terms.map(function (t) {
      return CJK.test(t) ? escapeRe(t) : "(?<![\\p{Alphabetic}\\p{N}])" + escapeRe(t) + "[\\p{Alphabetic}\\p{N}]*";
    });
    return new RegExp(parts.join("|"), "giu");
  }

  // Appends `text` to `el`, the words matching the query wrapped in <mark>; no innerHTML.
  function highlight(el, text, terms) {
    var re = pattern(terms);
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      if (!m[0]) { re.lastIndex++; continue; }
      el.append(text.slice(last, m.index));
      var mark = document.createElement("mark");
      mark.textContent = m[0];
      el.append(mark);
      last = m.index + m[0].length;
    }
    el.append(text.slice(last));
  }

  // The passage of an article around the first match, from the article page itself.
  function snippet(url, terms) {
    if (!pages[url]) {
      pages[url] = fetch(url).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var prose = doc.querySelector(".prose");
        return prose ? prose.textContent.replace(/\s+/g, " ").trim() : "";
      });
    }
    return pages[url].then(function (text) {
      var m = pattern(terms).exec(text);
      if (!m) return null;
      var start = Math.max(0, text.lastIndexOf(" ", Math.max(0, m.index - 70)));
      var end = text.indexOf(" ", Math.min(text.length, m.index + 110));
      if (end < 0) end = text.length;
      return (start > 0 ? "…" : "") + text.slice(start, end).trim() + (end < text.length ? "…" : "");
    });
  }

  function item(doc, terms) {
    var li = document.createElement("li");
    li.className = "result result-" + doc.kind;
    var a = document.createElement("a");
    a.href = doc.url;
    var kind = document.createElement("span");
    kind.className = "result-kind";
    kind.textContent = doc.kind === "term" ? "Glossary" : "Article";
    var title = document.createElement("span");
    title.className = "result-title";
    highlight(title, doc.title, terms);
    a.append(kind, " ", title);
    var p = document.createElement("p");
    p.className = "result-text";
    highlight(p, doc.summary, terms);
    li.append(a, p);
    // Words found only in the body: show the passage where the first of them occurs.
    var missing = terms.filter(function (t) { return !pattern([t]).test(doc.title + " " + doc.summary); });
    if (doc.kind === "article" && missing.length) {
      snippet(doc.url, missing).then(function (s) {
        if (!s) return;
        p.textContent = "";
        highlight(p, s, terms);
      }, function () { /* keep the summary */ });
    }
    return li;
  }

  function show(found, shown, terms, query) {
    list.textContent = "";
    shown.forEach(function (d) { list.append(item(d, terms)); });
    var n = found.length;
    status.textContent = !query ? "" : n === 0 ? "No results for “" + query + "”."
      : n > shown.length ? "Showing the best " + shown.length + " of " + n + " results."
      : n + (n === 1 ? " result." : " results.");
  }

  function search(query) {
    var id = ++latest;
    var terms = words(query);
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
    if (!terms.length) { show([], [], terms, ""); return Promise.resolve(); }
    return load("index.json").then(function (ix) {
      index = ix;
      return Promise.all(terms.map(match));
    }).then(function (perWord) {
      var found = rank(perWord);
      return docs(found.slice(0, SHOWN).map(function (e) { return e[0]; })).then(function (shown) {
        if (id === latest) show(found, shown, terms, query.trim());
      });
    }).catch(function (e) {
      if (id === latest) status.textContent = "Search is unavailable: " + e.message;
    });
  }

  var timer = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 80);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    search(input.value);
  });

  // ↓ from the field enters the results; ↑/↓ move through them, Escape returns to the field.
  function links() { return Array.from(list.querySelectorAll("a")); }
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && links().length) { e.preventDefault(); links()[0].focus(); }
  });
  list.addEventListener("keydown", function (e) {
    var all = links();
    var i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i < all.length - 1) { e.preventDefault(); all[i + 1].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (i ? all[i - 1] : input).focus(); }
    else if (e.key === "Escape") { e.preventDefault(); input.focus(); }
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; search(initial); }
  form.classList.add("ready");
})();
