import { randomBytes } from "node:crypto";
import type { Request, Response } from "express";
import { page } from "./aad-errors.js";

interface DeviceCode {
  readonly userCode: string;
  readonly expiresAt: number;
  approved: boolean;
  lastPoll: number;
}

const DEVICE_FORM = `<form method="post"><label>Code <input id="user_code" name="user_code" required></label>
<button id="next" type="submit">Next</button></form>`;
const EXPIRES_IN_SECONDS = 900;

/** The device-code flow: a code to approve on /devicelogin, polled for at the token endpoint. */
export class SimulatedDeviceFlow {
  readonly #codes = new Map<string, DeviceCode>();
  readonly #intervalSeconds: number;
  readonly #now: () => number;

  constructor(intervalSeconds: number, now: () => number) {
    this.#intervalSeconds = intervalSeconds;
    this.#now = now;
  }

  /** POST /{tenant}/oauth2/v2.0/devicecode, for a known tenant and app. */
  start(res: Response, baseUrl: string): void {
    const deviceCode = randomBytes(32).toString("base64url");
    const userCode = Array.from(
      randomBytes(8),
      (b) => "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[b % 32],
    ).join("");
    this.#codes.set(deviceCode, {
      userCode,
      expiresAt: this.#now() + EXPIRES_IN_SECONDS * 1000,
      approved: false,
      lastPoll: 0,
    });
    const verificationUri = `${baseUrl}/devicelogin`;
    res.json({
      user_code: userCode,
      device_code: deviceCode,
      verification_uri: verificationUri,
      expires_in: EXPIRES_IN_SECONDS,
      interval: this.#intervalSeconds,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
    });
  }

  formPage(res: Response): void {
    res.type("html").send(page("Enter code", DEVICE_FORM));
  }

  /** POST /devicelogin: the user enters the code (and, in this simulator, is signed in). */
  approve(req: Request, res: Response): void {
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const code = (body.user_code ?? "").trim().toUpperCase();
    const entry = [...this.#codes.values()].find((d) => d.userCode === code);
    if (entry === undefined || entry.expiresAt < this.#now()) {
      res
        .status(400)
        .type("html")
        .send(page("Enter code", `<p id="error">That code is not valid.</p>${DEVICE_FORM}`));
      return;
    }
    entry.approved = true;
    res
      .type("html")
      .send(page("Signed in", '<p id="done">You have signed in. You can close this window.</p>'));
  }

  /** The device-code grant: pending, slow down or expired are answered here; approved calls issue. */
  redeem(deviceCode: string | undefined, res: Response, issue: () => void): void {
    const entry = this.#codes.get(deviceCode ?? "");
    if (entry === undefined || entry.expiresAt < this.#now()) {
      res.status(400).json({
        error: "expired_token",
        error_description:
          "AADSTS70020: The provided value for the input parameter 'device_code' is not valid or has expired.",
      });
      return;
    }
    if (!entry.approved) {
      const interval = this.#intervalSeconds * 1000;
      const early = this.#now() - entry.lastPoll < interval * 0.8;
      entry.lastPoll = this.#now();
      res.status(400).json({
        error: early ? "slow_down" : "authorization_pending",
        error_description: "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.",
        error_codes: [70016],
      });
      return;
    }
    this.#codes.delete(deviceCode ?? "");
    issue();
  }
}
