// Debian's Chromium for the browser tests and benchmarks: one path, one set of flags.
// The flags keep a headless Chromium off the network (this machine has none but loopback)
// and never let a tool download a browser of its own.
import { chromium } from 'playwright-core';

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for every launch: headless, no sandbox (root), no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run'
];

/**
 * Launches Debian's Chromium through playwright-core.
 * @param {{ timeout?: number }} [options] - launch timeout in ms (default 60 s).
 * @returns {Promise<import('playwright-core').Browser>}
 */
export function launchChromium({ timeout = 60_000 } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout
  });
}
