// Live reload in a real browser: `node live-reload.mjs <article-url> <site-root>`.
// The page is opened once; every change after that arrives by itself (the test never
// navigates). Run by tests/browser_reload.rs against `kiji serve --watch`.
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launch, test, run, assert } from "./lib.mjs";

const [url, root] = process.argv.slice(2);
if (!url || !root) {
  console.error("usage: node live-reload.mjs <article-url> <site-root>");
  process.exit(2);
}
const articleFile = join(root, "content/articles/a.md");
const cssFile = join(root, "assets/style.css");
const article = (body, front = 'title = "Alpha"\ndate = 2025-01-10') =>
  writeFileSync(articleFile, `+++\n${front}\n+++\n${body}\n`);
const WAIT = { timeout: 15000 };

const context = await launch();
const page = await context.newPage();
let navigations = 0;
page.on("framenavigated", (frame) => {
  if (frame === page.mainFrame()) navigations++;
});
await page.goto(url);
// The script connects, then says hello; wait for the stream to be open.
await page.waitForFunction(() => window.kijiLive?.connected, null, WAIT);

test("an edit to the article appears without the test navigating", async () => {
  const before = navigations;
  article("Typed in the editor, seen in the browser.");
  await page.waitForFunction(
    () => document.querySelector(".prose")?.textContent.includes("Typed in the editor, seen in the browser."),
    null,
    WAIT,
  );
  assert(navigations > before, "the page reloaded itself");
});

test("a broken front matter shows the overlay with the file and line, a fix clears it", async () => {
  article("Broken.", 'title = "Alpha"\ndate = "2025-13-45"');
  const overlay = page.locator("#kiji-overlay");
  await overlay.waitFor(WAIT);
  const location = await overlay.locator(".kiji-error .kiji-location").first().textContent();
  assert(location.startsWith("content/articles/a.md:3"), `location: ${location}`);
  const source = await overlay.locator(".kiji-error pre").first().textContent();
  assert(source.includes('date = "2025-13-45"'), `source line: ${source}`);
  // The last good page is still underneath.
  const prose = await page.locator(".prose").textContent();
  assert(prose.includes("Typed in the editor"), `prose: ${prose}`);
  article("Fixed and back.");
  await page.waitForFunction(
    () => !document.getElementById("kiji-overlay") && document.querySelector(".prose")?.textContent.includes("Fixed and back."),
    null,
    WAIT,
  );
});

test("a stylesheet change applies without reloading the page", async () => {
  await page.evaluate(() => { window.kijiNotReloaded = true; });
  const css = readFileSync(cssFile, "utf8");
  writeFileSync(cssFile, css + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n");
  await page.waitForFunction(() => getComputedStyle(document.body).outlineColor === "rgb(1, 2, 3)", null, WAIT);
  assert(await page.evaluate(() => window.kijiNotReloaded === true), "the page was reloaded");
});

await run();
await context.close();
