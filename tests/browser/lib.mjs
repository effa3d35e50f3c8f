// Shared helpers for the browser suites: launch Debian's chromium the only way that
// works on a closed network, and a tiny runner that prints "N passed, N failed".
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = process.env.KIJI_CHROMIUM || "/usr/bin/chromium";

export async function launch() {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "kiji-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

export async function run() {
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    try {
      await t.fn();
      passed++;
      console.log(`ok - ${t.name}`);
    } catch (e) {
      failed++;
      console.log(`not ok - ${t.name}\n  ${String(e && e.stack || e).split("\n").join("\n  ")}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

export function assert(cond, message) {
  if (!cond) throw new Error(message || "assertion failed");
}
