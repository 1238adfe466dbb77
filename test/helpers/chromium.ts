import { access, constants } from "node:fs/promises";
import { type Browser, chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";

/**
 * Debian's Chromium, headless, driven by playwright-core (which downloads no browser of its own;
 * it gives each launch a fresh temporary profile). A missing Chromium fails the test: CI installs
 * Debian's chromium package.
 */
export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM, constants.X_OK).catch(() => {
    throw new Error("chromium is not installed: apt-get install -y chromium");
  });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
