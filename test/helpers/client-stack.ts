import {
  AccessTokenProvider,
  type TokenHealth,
  type TokenObserver,
} from "../../src/auth/access-token-provider.js";
import type { RefreshResult } from "../../src/auth/errors.js";
import { RefreshTokenStore } from "../../src/auth/refresh-token-store.js";
import { TokenClient } from "../../src/auth/token-client.js";
import { httpPolicy } from "../../src/net/exchange.js";
import { PartnerCenterClient } from "../../src/partner-center/client.js";
import { captureLogs } from "./log-sink.js";
import type { PartnerCenterSimulator } from "./simulator.js";
import { testDir } from "./temp-dir.js";

export interface ClientStack {
  readonly client: PartnerCenterClient;
  readonly tokens: AccessTokenProvider;
  readonly store: RefreshTokenStore;
  readonly refreshes: RefreshResult[];
  readonly persisted: boolean[];
  readonly healths: TokenHealth[];
  readonly requests: { endpoint: string; code: string }[];
  readonly logs: ReturnType<typeof captureLogs>;
}

/** The real auth and client classes, wired to a running simulator with fast retry settings. */
export async function clientStack(
  simulator: PartnerCenterSimulator,
  overrides: {
    requestTimeoutMs?: number;
    maxRetries?: number;
    maxRetryAfterMs?: number;
    maxBodyBytes?: number;
    refreshToken?: string;
    stateDir?: string;
    /** Where the API is, if not the simulator (which stays the token authority). */
    baseUrl?: string;
  } = {},
): Promise<ClientStack> {
  const logs = captureLogs();
  const refreshes: RefreshResult[] = [];
  const persisted: boolean[] = [];
  const healths: TokenHealth[] = [];
  const requests: { endpoint: string; code: string }[] = [];
  const observer: TokenObserver = {
    onRefresh: (result) => refreshes.push(result),
    onPersisted: (ok) => persisted.push(ok),
    onHealth: (health) => healths.push(health),
  };
  const store = new RefreshTokenStore(overrides.stateDir ?? (await testDir("pce-client-")));
  // The same builder main.ts uses, with fast test settings.
  const common = httpPolicy(
    {
      requestTimeoutMs: overrides.requestTimeoutMs ?? 500,
      maxRetries: overrides.maxRetries ?? 2,
      retryBackoffMs: 5,
      maxRetryAfterMs: overrides.maxRetryAfterMs ?? 2_000,
    },
    "partner-center-exporter/test",
  );
  const tokens = new AccessTokenProvider({
    client: new TokenClient({
      ...common,
      authorityHost: simulator.url,
      tenantId: simulator.tenantId,
      clientId: simulator.clientId,
      clientSecret: () => simulator.clientSecret,
    }),
    store,
    refreshToken: overrides.refreshToken ?? simulator.initialRefreshToken,
    configuredSha256: undefined,
    logger: logs.logger,
    scrubber: logs.scrubber,
    observer,
    authBackoffMs: 60_000,
  });
  const client = new PartnerCenterClient({
    ...common,
    baseUrl: overrides.baseUrl ?? simulator.url,
    locale: "en-US",
    ...(overrides.maxBodyBytes !== undefined ? { maxBodyBytes: overrides.maxBodyBytes } : {}),
    tokens,
    observer: { onRequest: (endpoint, code) => requests.push({ endpoint, code }) },
    logger: logs.logger,
  });
  return { client, tokens, store, refreshes, persisted, healths, requests, logs };
}
