import { AuthError } from "../auth/errors.js";
import { deviceCodeAnswer } from "../auth/schemas.js";
import type { TokenClient, TokenGrant } from "../auth/token-client.js";
import { checkBoundary } from "../boundaries/check-boundary.js";
import { sleep } from "../net/backoff.js";

export interface DeviceFlowOptions {
  readonly tokenClient: Pick<TokenClient, "grant" | "post">;
  readonly clientId: string;
  readonly scope: string;
  readonly say: (line: string) => void;
}

const SLOW_DOWN_STEP_MS = 5_000;

/** The device-code flow, for machines without a browser: sign in on another device with a code. */
export async function deviceLogin(options: DeviceFlowOptions): Promise<TokenGrant> {
  const text = await options.tokenClient.post(
    "/v2.0/devicecode",
    new URLSearchParams({ client_id: options.clientId, scope: options.scope }),
  );
  const unusable = (problem: string) =>
    new Error(`the authority's device code answer is unusable: ${problem}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw unusable("it is not JSON");
  }
  // The device code is a credential while it lasts: never shown.
  const answer = checkBoundary(deviceCodeAnswer, body, { where: "", fail: unusable, secret: true });
  options.say(
    answer.message ??
      `To sign in, open ${answer.verification_uri} and enter the code ${answer.user_code}.`,
  );
  let intervalMs = (answer.interval ?? 5) * 1000;
  const deadline = Date.now() + answer.expires_in * 1000;
  while (Date.now() < deadline) {
    await sleep(intervalMs);
    try {
      return await options.tokenClient.grant("/v2.0/token", {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: answer.device_code,
      });
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (error.oauthError === "authorization_pending") continue;
      if (error.oauthError === "slow_down") {
        intervalMs += SLOW_DOWN_STEP_MS;
        continue;
      }
      throw error;
    }
  }
  throw new Error("the device code expired before the sign-in finished; run login again");
}
