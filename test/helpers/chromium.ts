/**
 * The headless Chromium both browser suites run in (test/browser/): where it is
 * (CHROMIUM_PATH, else Debian's /usr/bin/chromium) and how it is started — no sandbox,
 * GPU or background network, so a CI container runs it and the page fetches nothing else.
 */
import { type Browser, chromium } from 'playwright-core';

/** The Chromium executable the browser tests use. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Start headless Chromium with the tests' flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
