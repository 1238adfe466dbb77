import { readFileSync } from "node:fs";

/** Descriptors kept for everything but inbound connections: outbound requests, files, workers. */
const RESERVED_MIN = 128;
const RESERVED_SHARE = 0.1;

export interface OpenFileLimits {
  readonly soft: number;
  readonly hard: number;
}

/** `Max open files` of /proc/self/limits (Node has no getrlimit); undefined where there is none. */
export function openFileLimits(
  read: () => string = () => readFileSync("/proc/self/limits", "utf8"),
): OpenFileLimits | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (match === null) return undefined;
  const value = (v: string | undefined) =>
    v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v);
  return { soft: value(match[1]), hard: value(match[2]) };
}

/**
 * The most connections each of `listeners` servers may hold so that, together, they stay below
 * the soft descriptor limit with room for outbound requests; undefined: no limit known.
 */
export function connectionCap(soft: number, listeners: number): number | undefined {
  if (!Number.isFinite(soft)) return undefined;
  const reserved = Math.max(RESERVED_MIN, Math.ceil(soft * RESERVED_SHARE));
  return Math.max(1, Math.floor((soft - reserved) / Math.max(1, listeners)));
}
