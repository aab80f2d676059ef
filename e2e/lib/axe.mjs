// axe-core (Deque's accessibility engine, the one browsers' dev tools use) run in a page opened by
// lib/chromium.mjs: every rule it runs by default (WCAG 2.x A/AA and best practices, colour contrast
// included), on the page as the browser rendered it. The pages' CSP allows no script, so axe goes
// in through the DevTools protocol (page.evaluate), which the page's CSP does not govern; nothing
// else on the page changes.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's violations on `page`, each as { id, impact, help, nodes: [CSS selector…] }. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(AXE);
  }
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Fails with axe-core's findings when it reports any violation on `page`. */
export async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `axe-core on ${what} (${page.url()}):\n${JSON.stringify(violations, null, 2)}`);
}
