// SPDX-License-Identifier: EUPL-1.2
// What the browser tests share: headless Debian Chromium through playwright-core (no browser
// download), a live jubesd with a browser for one test file, a bounded wait for a condition on the
// page, and posting a message over mTLS.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { makePki, requireEnv, startGateway, tempDir } from '../load/jubesd.mjs';

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

/** POSTs `xml` to /v1/messages of the gateway `gw` as `party` (its certificate from the test PKI `pki`). */
export function postMessage(gw, pki, party, xml) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: gw.api, method: 'POST', path: '/v1/messages',
      ca: fs.readFileSync(path.join(pki, 'ca.crt')),
      cert: fs.readFileSync(path.join(pki, 'clients', `${party}.crt`)),
      key: fs.readFileSync(path.join(pki, 'clients', `${party}.key`)),
      headers: { 'Content-Type': 'application/xml' },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(xml);
  });
}

/**
 * One jubesd (a test PKI, its data under a temporary directory) and one Chromium for the tests of a
 * file: started before them, stopped and removed after them (the directory kept with JUBES_KEEP_TMP).
 * `config(work)` may write a configuration file into the work directory and return its path.
 * @return {work, pki, dataDir, config, gw, browser, post(party, xml)}, filled in before the tests run;
 * a test that restarts the gateway puts the new one in `gw`, which is the one stopped afterwards.
 */
export function gatewayWithBrowser(prefix, { config, viewport = { width: 1400, height: 1400 } } = {}) {
  const fx = { post: (party, xml) => postMessage(fx.gw, fx.pki, party, xml) };
  let userDataDir;
  before(async () => {
    requireEnv();
    fx.work = tempDir(prefix);
    fx.pki = makePki(path.join(fx.work, 'pki'));
    fx.dataDir = path.join(fx.work, 'data');
    fx.config = config ? config(fx.work) : undefined;
    fx.gw = await startGateway({ dataDir: fx.dataDir, pki: fx.pki, config: fx.config });
    ({ context: fx.browser, userDataDir } = await launchBrowser(viewport));
  });
  after(async () => {
    if (fx.browser) await fx.browser.close();
    if (fx.gw) await fx.gw.stop('SIGTERM');
    for (const d of [userDataDir, process.env.JUBES_KEEP_TMP ? null : fx.work]) {
      if (d) fs.rmSync(d, { recursive: true, force: true });
    }
  });
  return fx;
}
