// SPDX-License-Identifier: EUPL-1.2
// What the browser tests share: headless Debian Chromium through playwright-core (no browser
// download) and a bounded wait for a condition on the page.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { tempDir } from '../load/jubesd.mjs';

export const CHROMIUM = process.env.JUBES_CHROMIUM || '/usr/bin/chromium';

/** Starts Chromium with a fresh profile; @return {context, userDataDir} (close the context, remove the dir). */
export async function launchBrowser(viewport = { width: 1400, height: 1000 }) {
  const userDataDir = tempDir('jubes-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, userDataDir };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Calls `fn` until it returns {ok: true}; fails the test with its last answer after `timeoutMs`. */
export async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last.ok) return last;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await sleep(250);
  }
}
