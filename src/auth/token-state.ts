import type { Logger } from "pino";
import { chooseRefreshToken, RefreshTokenStore, sha256 } from "./refresh-token-store.js";

export interface TokenState {
  readonly store: RefreshTokenStore;
  /** The refresh token to start with, or undefined when neither config nor STATE_DIR has one. */
  readonly refreshToken: string | undefined;
  /** When it was issued, if known (the token file's save time). */
  readonly issuedAt: number | undefined;
  /** The configured token the chain descends from, kept in the token file. */
  readonly configuredSha256: string | undefined;
}

/** Opens STATE_DIR (creating it, clearing a crash's leftovers) and picks the refresh token to use. */
export async function openTokenState(
  stateDir: string,
  configured: string | undefined,
  logger: Logger,
): Promise<TokenState> {
  const store = new RefreshTokenStore(stateDir);
  try {
    await store.createDir();
    await store.removeLeftovers();
  } catch (error) {
    const { code, path } = error as NodeJS.ErrnoException;
    logger.error(
      { stateDir, code, path },
      "STATE_DIR cannot be created: rotated refresh tokens will live only in memory",
    );
  }
  const stored = await store.load();
  if (stored.kind === "unreadable") logger.warn({ stateDir }, stored.problem);
  const persisted = stored.kind === "found" ? stored.token : undefined;
  const chosen = chooseRefreshToken(configured, persisted);
  if (chosen?.source === "persisted") {
    logger.info({ path: store.path }, "using the persisted (rotated) refresh token");
  } else if (chosen !== undefined && persisted !== undefined) {
    logger.info("the configured refresh token changed since the last run; using it");
  }
  const savedAt = persisted === undefined ? Number.NaN : Date.parse(persisted.savedAt);
  return {
    store,
    refreshToken: chosen?.token,
    issuedAt: chosen?.source === "persisted" && Number.isFinite(savedAt) ? savedAt : undefined,
    configuredSha256: configured !== undefined ? sha256(configured) : persisted?.configuredSha256,
  };
}
