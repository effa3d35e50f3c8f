// Ad-hoc: screenshots of given paths, for looking at the theme while working on it.
// node tests/browser/shoot.mjs BASE OUTDIR path1 path2 …  (KIJI_DARK=1 for dark)
import { launch } from "./lib.mjs";
const [base, out, ...paths] = process.argv.slice(2);
const ctx = await launch();
const page = await ctx.newPage();
page.on("console", (m) => m.type() === "error" && console.log("console:", m.text()));
for (const scheme of ["light", "dark"]) {
  await page.emulateMedia({ colorScheme: scheme });
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    for (const p of paths) {
      await page.goto(new URL(p, base).href);
      const name = `${out}/${(p.replace(/[^a-z0-9]+/gi, "-") || "home").replace(/^-|-$/g, "") || "home"}-${w}-${scheme}.png`;
      await page.screenshot({ path: name, fullPage: process.env.FULL === "1" });
    }
  }
}
await ctx.close();
