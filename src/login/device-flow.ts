import { AuthError } from "../auth/errors.js";
import type { TokenClient, TokenGrant } from "../auth/token-client.js";
import { sleep } from "../net/backoff.js";

export interface DeviceFlowOptions {
  readonly tokenClient: Pick<TokenClient, "grant" | "post">;
  readonly clientId: string;
  readonly scope: string;
  readonly say: (line: string) => void;
}

interface DeviceCodeAnswer {
  readonly device_code: string;
  readonly user_code: string;
  readonly verification_uri: string;
  readonly expires_in: number;
  readonly interval?: number;
  readonly message?: string;
}

const SLOW_DOWN_STEP_MS = 5_000;

/** The device-code flow, for machines without a browser: sign in on another device with a code. */
export async function deviceLogin(options: DeviceFlowOptions): Promise<TokenGrant> {
  const text = await options.tokenClient.post(
    "/v2.0/devicecode",
    new URLSearchParams({ client_id: options.clientId, scope: options.scope }),
  );
  const answer = JSON.parse(text) as DeviceCodeAnswer;
  if (typeof answer.device_code !== "string" || typeof answer.user_code !== "string") {
    throw new Error("the authority's device code answer has no device_code or user_code");
  }
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
