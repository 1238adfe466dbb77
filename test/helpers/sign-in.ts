import { launchChromium } from "./chromium.js";
import type { Spawned } from "./process.js";
import { stderrLine } from "./sign-in-refusals.js";

/**
 * The device-code flow's user: reads the code `login` printed and enters it on the simulator's
 * /devicelogin page (which signs in whoever enters a valid code). Returns the page's text.
 */
export async function approveDeviceCode(login: Spawned, simulatorUrl: string): Promise<string> {
  const message = await stderrLine(login, /enter the code/);
  const userCode = /code ([A-Z0-9]{8})/.exec(message)?.[1] ?? "";
  const approve = await fetch(`${simulatorUrl}/devicelogin`, {
    method: "POST",
    body: new URLSearchParams({ user_code: userCode }),
  });
  return approve.text();
}

/**
 * The browser flow's user, in real Chromium: opens the authorize URL, signs in with MFA on the
 * simulator's page and follows the redirect to login's loopback listener. Returns the final URL.
 */
export async function signInInChromium(authorize: URL): Promise<string> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(authorize.href);
    await page.fill("#username", "admin@contoso-partner.onmicrosoft.com");
    await page.fill("#password", "correct horse battery staple");
    await page.fill("#otp", "123456");
    await page.click("#signin");
    await page.waitForSelector("#done", { timeout: 10_000 });
    return page.url();
  } finally {
    await browser.close();
  }
}
