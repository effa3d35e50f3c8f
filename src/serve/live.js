// kiji serve --watch: live reload and the error overlay. Injected in dev mode only.
(() => {
  "use strict";
  const me = document.currentScript;
  const BASE = (me && me.dataset.base) || "/";
  const INSTANCE = (me && me.dataset.instance) || "";
  // The build this page was served from; a stream that reports another one means
  // the page is stale (a missed event, or a restarted server).
  let generation = Number((me && me.dataset.generation) || 0);

  function connect() {
    const source = new EventSource(BASE + "__kiji/events");
    source.addEventListener("hello", (e) => {
      const d = JSON.parse(e.data);
      if (d.instance !== INSTANCE || d.generation !== generation) location.reload();
      // For tests and the curious: the stream is open and this page is current.
      window.kijiLive = { connected: true, generation };
    });
    source.addEventListener("reload", () => location.reload());
    source.addEventListener("css", (e) => {
      const d = JSON.parse(e.data);
      generation = d.generation;
      swapStylesheets(d.paths);
    });
    source.addEventListener("build-error", (e) => showOverlay(JSON.parse(e.data)));
    source.addEventListener("build-ok", hideOverlay);
    source.onerror = () => {
      // EventSource retries by itself unless the server answered with an error;
      // then start over, so a restarted server is found again.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        setTimeout(connect, 1000);
      }
    };
  }

  function swapStylesheets(paths) {
    for (const link of document.querySelectorAll('link[rel~="stylesheet"]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin || !paths.includes(url.pathname)) continue;
      const fresh = link.cloneNode();
      fresh.href = url.pathname + "?kiji=" + Date.now();
      // Swap once loaded, so the page never shows unstyled.
      fresh.addEventListener("load", () => link.remove(), { once: true });
      link.after(fresh);
    }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.assign(node, attrs || {});
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function hideOverlay() {
    const old = document.getElementById("kiji-overlay");
    if (old) old.remove();
  }

  function problem(p) {
    const section = el("section", { className: p.severity === "error" ? "kiji-error" : "kiji-warning" });
    const h = el("h2");
    h.append(el("span", { className: "kiji-location" }, p.location), " " + p.message);
    section.append(h, el("pre", {}, p.rendered));
    return section;
  }

  function showOverlay(d) {
    hideOverlay();
    const n = d.errors.length;
    const box = el("div", { id: "kiji-overlay", role: "alert" });
    box.style.cssText =
      "position:fixed;inset:0;z-index:2147483647;overflow:auto;padding:1.5rem 2rem;" +
      "background:rgba(20,20,24,.96);color:#eee;font:14px/1.45 system-ui,sans-serif";
    const close = el("button", { type: "button", title: "Hide until the next build" }, "×");
    close.style.cssText = "float:right;font-size:1.5rem;background:none;color:inherit;border:0;cursor:pointer";
    close.onclick = hideOverlay;
    box.append(close, el("h1", {}, "kiji: the build failed with " + n + " error" + (n === 1 ? "" : "s")));
    box.append(el("p", {}, "Showing the last good build. Fix the problem and save: this clears by itself."));
    for (const p of d.errors.concat(d.warnings)) box.append(problem(p));
    for (const pre of box.querySelectorAll("pre")) {
      pre.style.cssText = "white-space:pre-wrap;background:#000;padding:.75rem;border-radius:4px;font:13px/1.4 ui-monospace,monospace";
    }
    document.body.append(box);
  }

  connect();
})();
