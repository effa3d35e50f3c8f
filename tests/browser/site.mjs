// End-to-end tests of the bundled site in headless chromium.
//
//   node tests/browser/site.mjs BASE_URL [BASE_PATH_URL]
//
// BASE_URL serves the site built for "/"; BASE_PATH_URL (optional) serves the same site
// built with a base path (e.g. http://127.0.0.1:PORT/kiji-demo/). `cargo test --test
// browser_site` builds and serves both. Screenshots go to target/screenshots/ (or
// $KIJI_SCREENSHOTS).
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launch, test, run, assert } from "./lib.mjs";

const [base, basePathUrl] = process.argv.slice(2);
if (!base) {
  console.error("usage: node tests/browser/site.mjs BASE_URL [BASE_PATH_URL]");
  process.exit(2);
}
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SHOTS = process.env.KIJI_SCREENSHOTS || here("../../target/screenshots/");
const AXE = here("node_modules/axe-core/axe.min.js");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const PAGES = { home: "", article: "articles/no-plan-b/", glossary: "glossary/", timeline: "timeline/" };

const ctx = await launch();
// Every console error, uncaught exception and failed request, per page URL.
const problems = [];
function watch(page) {
  page.on("console", (m) => m.type() === "error" && problems.push(`console error on ${page.url()}: ${m.text()}`));
  page.on("pageerror", (e) => problems.push(`uncaught on ${page.url()}: ${e.message}`));
  page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} for ${r.url()}`));
  page.on("requestfailed", (r) => {
    // A navigation cancels the page's pending loads (often the favicon): that is the
    // browser leaving the page, not the site failing.
    if (r.failure()?.errorText === "net::ERR_ABORTED") return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  // The site works offline: no fonts, scripts or images from other hosts.
  page.on("request", (r) => /^https?:/.test(r.url()) && new URL(r.url()).hostname !== "127.0.0.1"
    && problems.push(`request to another host: ${r.url()}`));
  return page;
}
async function open(path, { size = DESKTOP, scheme = "light", root = base } = {}) {
  const page = watch(await ctx.newPage());
  await page.setViewportSize(size);
  await page.emulateMedia({ colorScheme: scheme });
  const res = await page.goto(new URL(path, root).href);
  assert(res.ok(), `${path}: HTTP ${res.status()}`);
  return page;
}
// Relative luminance of a computed CSS colour, 0 (black) … 1 (white).
function luminance(css) {
  const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

test("screenshots of home, an article, glossary and timeline, desktop and phone, light and dark", async () => {
  mkdirSync(SHOTS, { recursive: true });
  for (const scheme of ["light", "dark"]) {
    for (const [device, size] of [["desktop", DESKTOP], ["phone", PHONE]]) {
      for (const [name, path] of Object.entries(PAGES)) {
        const page = await open(path, { size, scheme });
        await page.screenshot({ path: `${SHOTS}/${name}-${device}-${scheme}.png` });
        // Responsive: nothing sticks out sideways, at any width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `${name} at ${size.width}px scrolls sideways by ${overflow}px`);
        await page.close();
      }
    }
  }
});

test("pages fit a 320px phone without sideways scrolling", async () => {
  for (const path of [...Object.values(PAGES), "search/?q=japan", "tags/"]) {
    const page = await open(path, { size: { width: 320, height: 640 } });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `${path || "home"} at 320px scrolls sideways by ${overflow}px`);
    await page.close();
  }
});

test("article lines hold 60–80 characters on a desktop", async () => {
  const page = await open(PAGES.article);
  const perLine = await page.evaluate(() => {
    const p = [...document.querySelectorAll(".prose > p")].sort((a, b) => b.innerText.length - a.innerText.length)[0];
    const lines = p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight);
    return p.innerText.length / Math.round(lines); // innerText: without the hidden tooltips
  });
  assert(perLine >= 60 && perLine <= 80, `${perLine.toFixed(1)} characters per line`);
  await page.close();
});

test("keyboard alone reaches a glossary term and shows its tooltip", async () => {
  const page = await open(PAGES.article);
  let focused = null;
  for (let i = 0; i < 80 && !focused; i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => document.activeElement.matches("a.term") ? document.activeElement.getAttribute("aria-describedby") : null);
  }
  assert(focused, "no a.term link reached with 80 presses of Tab");
  const tip = page.locator(`[id="${focused}"]`);
  assert(await tip.getAttribute("role") === "tooltip", "the described-by element is not a tooltip");
  assert(await tip.isVisible(), "the tooltip stays hidden while its term has keyboard focus");
  assert((await tip.textContent()).trim().length > 10, "the tooltip is empty");
  // Inside the viewport, so it is readable.
  const box = await tip.boundingBox();
  assert(box.x >= 0 && box.x + box.width <= DESKTOP.width, `tooltip off screen: ${JSON.stringify(box)}`);
  await page.keyboard.press("Escape");
  assert(!(await tip.isVisible()), "Escape does not close the tooltip");
  await page.close();
});

test("every glossary tooltip fits the window on desktop, tablet and phone", async () => {
  for (const size of [DESKTOP, { width: 700, height: 900 }, PHONE]) {
    for (const path of ["articles/no-plan-b/", "articles/beyond-washington/", "articles/asian-nato/"]) {
      const page = await open(path, { size });
      const terms = page.locator("a.term");
      for (let i = 0; i < (await terms.count()); i++) {
        await terms.nth(i).focus();
        const id = await terms.nth(i).getAttribute("aria-describedby");
        const box = await page.locator(`[id="${id}"]`).boundingBox();
        assert(box && box.x >= 0 && box.x + box.width <= size.width && box.y >= 0 && box.y + box.height <= size.height,
          `${path} at ${size.width}px: tooltip ${id} at ${JSON.stringify(box)}`);
      }
      await page.close();
    }
  }
});

test("the skip link is the first stop and moves focus to the content", async () => {
  const page = await open(PAGES.article);
  await page.keyboard.press("Tab");
  const first = await page.evaluate(() => document.activeElement.className);
  assert(first === "skip-link", `first Tab stop is .${first}`);
  assert(await page.locator(".skip-link").isVisible(), "the focused skip link is not visible");
  await page.keyboard.press("Enter");
  assert(await page.evaluate(() => document.activeElement.id) === "main", "focus did not move to main");
  await page.close();
});

test("one h1 per page and no skipped heading levels", async () => {
  for (const path of [...Object.values(PAGES), "search/", "tags/", "404.html"]) {
    const page = await open(path);
    const levels = await page.evaluate(() => [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].map((h) => Number(h.tagName[1])));
    assert(levels.filter((l) => l === 1).length === 1 && levels[0] === 1, `${path}: headings ${levels}`);
    levels.forEach((l, i) => assert(i === 0 || l <= levels[i - 1] + 1, `${path}: h${levels[i - 1]} then h${l}`));
    await page.close();
  }
});

test("search finds an article by a word only its body contains, highlighted, by keyboard", async () => {
  const page = await open("search/");
  // A long word from the article's body that is not in its title or summary.
  const article = await ctx.newPage();
  await article.goto(new URL(PAGES.article, base).href);
  const word = await article.evaluate(() => {
    const head = document.querySelector(".article-header").textContent.toLowerCase();
    const words = document.querySelector(".prose").textContent.match(/[A-Za-z]{9,}/g);
    return words.find((w) => !head.includes(w.toLowerCase()));
  });
  await article.close();
  assert(word, "no body-only word found");
  await page.locator("#search-input").pressSequentially(word.toLowerCase(), { delay: 20 });
  const hit = page.locator(`.result a[href$="/${PAGES.article}"]`);
  await hit.waitFor({ timeout: 5000 });
  const item = page.locator(".result", { has: page.locator(`a[href$="/${PAGES.article}"]`) });
  await item.locator(".result-text mark").first().waitFor({ timeout: 5000 });
  const marked = await item.locator("mark").allTextContents();
  assert(marked.some((m) => m.toLowerCase().startsWith(word.toLowerCase())), `marks ${marked} miss ${word}`);
  assert(/result/.test(await page.locator("#search-status").textContent()), "the status does not count results");
  assert(new URL(page.url()).searchParams.get("q") === word.toLowerCase(), "the query is not kept in the URL");
  // ↓ enters the list, ↓/↑ move, Enter opens.
  await page.keyboard.press("ArrowDown");
  const results = await page.locator(".result a").count();
  for (let i = 0; i < results; i++) {
    if (await hit.evaluate((a) => a === document.activeElement)) break;
    await page.keyboard.press("ArrowDown");
  }
  assert(await hit.evaluate((a) => a === document.activeElement), "arrow keys never reached the result");
  await Promise.all([page.waitForURL(`**/${PAGES.article}`), page.keyboard.press("Enter")]);
  await page.close();
});

test("search finds glossary terms by alias and shows nothing for gibberish", async () => {
  const page = await open("search/?q=extended%20deterrence%20dialogue");
  await page.locator(".result-term").first().waitFor({ timeout: 5000 });
  assert((await page.locator(".result-term .result-title").first().textContent()) === "EDD", "EDD is not the first glossary result");
  await page.locator("#search-input").fill("zzqxv");
  await page.waitForFunction(() => /No results/.test(document.getElementById("search-status").textContent));
  assert(await page.locator(".result").count() === 0, "results shown for gibberish");
  await page.close();
});

test("dark mode follows the system and the toggle, and the choice is remembered", async () => {
  const page = await open(PAGES.article, { scheme: "dark" });
  assert(luminance(await background(page)) < 0.05, `dark scheme background ${await background(page)}`);
  const codeBg = await page.evaluate(() => getComputedStyle(document.querySelector(".prose") || document.body).color);
  assert(luminance(codeBg) > 0.5, `dark scheme text ${codeBg}`);
  await page.locator(".theme-toggle").click();
  assert(luminance(await background(page)) > 0.8, `after the toggle: ${await background(page)}`);
  assert(await page.locator(".theme-toggle").getAttribute("aria-pressed") === "false", "aria-pressed not updated");
  await page.reload();
  assert(luminance(await background(page)) > 0.8, "the choice of light was forgotten on reload");
  await page.locator(".theme-toggle").click();
  assert(luminance(await background(page)) < 0.05, "the toggle does not switch back to dark");
  await page.evaluate(() => localStorage.removeItem("kiji-theme"));
  await page.close();
});

// Contrast ratio of two computed CSS colours (WCAG 2.1).
const contrast = (a, b) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

test("highlighted code is coloured differently, and legibly, in both schemes", async () => {
  const seen = {};
  for (const scheme of ["light", "dark"]) {
    const page = await open(PAGES.article, { scheme });
    // The bundled articles have no code: add a block shaped like comrak + syntect's output.
    seen[scheme] = await page.evaluate(() => {
      const pre = document.createElement("pre");
      pre.className = "syntax-highlighting";
      pre.innerHTML = '<code class="language-rust"><span class="source rust"><span class="meta function rust"><span class="storage type function rust">fn</span></span> '
        + '<span class="comment line double-slash rust">// note</span> <span class="string quoted double rust">"text"</span> '
        + '<span class="entity name tag html">div</span> <span class="keyword control rust">if</span></span></code>';
      document.querySelector(".prose").prepend(pre);
      let bg = "rgba(0, 0, 0, 0)";
      for (let el = pre; el && /rgba\(.*, 0\)$/.test(bg); el = el.parentElement) bg = getComputedStyle(el).backgroundColor;
      const tokens = [...pre.querySelectorAll("span span")];
      // The theme's own classes ("meta", "tag", …) must not restyle code tokens.
      const leaks = tokens.filter((t) => getComputedStyle(t).fontSize !== getComputedStyle(pre.firstChild).fontSize
        || getComputedStyle(t).backgroundColor !== "rgba(0, 0, 0, 0)").map((t) => t.className);
      return { bg, leaks, tokens: tokens.map((t) => getComputedStyle(t).color) };
    });
    assert(seen[scheme].leaks.length === 0, `theme styles leak into code tokens: ${seen[scheme].leaks}`);
    for (const colour of seen[scheme].tokens) {
      const ratio = contrast(colour, seen[scheme].bg);
      assert(ratio >= 4.5, `${scheme}: token ${colour} on ${seen[scheme].bg} has contrast ${ratio.toFixed(2)}`);
    }
    await page.close();
  }
  assert(seen.light.bg !== seen.dark.bg, `code background ${seen.light.bg} in both schemes`);
});

test("pages read in full without JavaScript", async () => {
  const page = await ctx.newPage(); // not watched: the aborted scripts are this test's doing
  await page.route("**/*.js", (r) => r.abort());
  await page.goto(new URL(PAGES.article, base).href);
  assert(await page.locator(".prose p").first().isVisible(), "article text hidden without scripts");
  assert(await page.locator(".toc a").first().isVisible(), "contents hidden without scripts");
  assert(await page.locator(".theme-toggle").isHidden(), "a toggle that cannot work is shown");
  await page.close();
});

test("the contents stay in view on desktop and fold away on phones", async () => {
  const page = await open(PAGES.article);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight * 0.6));
  const box = await page.locator(".toc").boundingBox();
  assert(box.y >= 0 && box.y < DESKTOP.height, `contents scrolled away: ${JSON.stringify(box)}`);
  await page.close();
  const phone = await open(PAGES.article, { size: PHONE });
  await phone.locator(".toc summary").click();
  assert(await phone.locator(".toc ol").isHidden(), "the contents do not fold");
  await phone.close();
});

test("focused links show a clear outline", async () => {
  const page = await open(PAGES.article);
  for (const selector of [".site-nav a", ".prose a", ".tag", ".toc a"]) {
    await page.locator(selector).first().focus();
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert(outline.style !== "none" && outline.width >= 2, `${selector}: outline ${JSON.stringify(outline)}`);
  }
  await page.close();
});

test("print hides the navigation and keeps the article", async () => {
  const page = await open(PAGES.article);
  await page.emulateMedia({ media: "print" });
  assert(await page.locator(".site-header").isHidden(), "header printed");
  assert(await page.locator(".prose").isVisible(), "article not printed");
  // Dark on screen, black on white on paper, the toggle's choice included.
  await page.emulateMedia({ media: "print", colorScheme: "dark" });
  await page.evaluate(() => { document.documentElement.dataset.theme = "dark"; });
  assert(luminance(await background(page)) > 0.95, `printed background ${await background(page)}`);
  for (const selector of [".prose p", ".article-header p.meta", "a.tag"]) {
    const colour = await page.locator(selector).first().evaluate((e) => getComputedStyle(e).color);
    assert(contrast(colour, "rgb(255, 255, 255)") >= 4.5, `printed ${selector} in ${colour}`);
  }
  await page.close();
});

test("axe finds no serious or critical accessibility problems, light and dark", async () => {
  const found = [];
  for (const scheme of ["light", "dark"]) {
    for (const path of [...Object.values(PAGES), "search/?q=japan", "tags/"]) {
      const page = await open(path, { scheme });
      if (path.startsWith("search")) await page.locator(".result").first().waitFor({ timeout: 5000 });
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`));
      violations.forEach((v) => found.push(`${scheme} ${path || "home"}: ${v}`));
      await page.close();
    }
  }
  assert(found.length === 0, found.join("\n"));
});

if (basePathUrl) {
  test("under a base path: styles load, links stay inside it, search works", async () => {
    const prefix = new URL(basePathUrl).pathname;
    const page = await open("", { root: basePathUrl });
    const hrefs = await page.evaluate(() => [...document.querySelectorAll("a[href^='/'], link[href^='/']")].map((a) => a.getAttribute("href")));
    const outside = hrefs.filter((h) => !h.startsWith(prefix));
    assert(outside.length === 0, `links outside ${prefix}: ${outside}`);
    assert(await page.evaluate(() => getComputedStyle(document.querySelector(".site-header")).borderBottomStyle) === "solid", "style.css not applied");
    await page.goto(new URL("search/?q=senkaku", basePathUrl).href);
    const first = page.locator(".result a").first();
    await first.waitFor({ timeout: 5000 });
    const href = await first.getAttribute("href");
    assert(href.startsWith(prefix), `result ${href} outside ${prefix}`);
    await Promise.all([page.waitForURL(`**${href}`), first.click()]);
    await page.close();
  });
}

test("no console errors, uncaught exceptions, failed requests or requests to other hosts", async () => {
  assert(problems.length === 0, [...new Set(problems)].join("\n"));
});

await run();
await ctx.close();
