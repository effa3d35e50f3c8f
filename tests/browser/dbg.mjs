import { launch } from "./lib.mjs";
const ctx = await launch();
const page = await ctx.newPage();
await page.setViewportSize({ width: 390, height: 844 });
for (const a of ["no-plan-b", "asian-nato", "beyond-washington"]) {
  await page.goto("http://127.0.0.1:8719/articles/" + a + "/");
  const n = await page.locator("a.term").count();
  for (let i = 0; i < n; i++) {
    const t = page.locator("a.term").nth(i);
    await t.focus();
    const id = await t.getAttribute("aria-describedby");
    const box = await page.locator(`[id="${id}"]`).boundingBox();
    const tb = await t.boundingBox();
    if (!box || box.x < 0 || box.x + box.width > 390) console.log(a, i, JSON.stringify(box), JSON.stringify(tb));
  }
}
await page.locator("a.term").nth(2).focus();
await page.locator("a.term").nth(2).scrollIntoViewIfNeeded();
await page.screenshot({ path: "/tmp/theme-shots/tip.png" });
await ctx.close();
