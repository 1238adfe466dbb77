import { formatDuration, parseDuration } from "./duration.js";
import { type ListenAddress, parseListenAddress } from "./listen-address.js";

export type SettingKind =
  | "string"
  | "secret"
  | "url"
  | "duration"
  | "integer"
  | "listen"
  | "enum"
  | "boolean"
  | "path";

/** Where a parser says what is wrong with a value; the loader names the setting. */
export interface Report {
  problem(text: string): void;
  warning(text: string): void;
}

/** How one kind of setting turns text into a typed value; bad text is reported, a fallback returned. */
export interface ValueParser<T> {
  readonly kind: SettingKind;
  readonly choices?: readonly string[];
  /** The bounds of a whole number, for the documentation. */
  readonly range?: readonly [number, number];
  parse(text: string, report: Report): T;
}

/** Longer than any honest value of these settings: probably a secret pasted into the wrong one. */
const MAX_ECHOED_LENGTH = 40;

/** A bad value as a problem shows it: quoted, unless it is long enough to be a pasted secret. */
export function shown(value: string): string {
  return value.length > MAX_ECHOED_LENGTH
    ? `(a value of ${value.length} characters)`
    : `"${value}"`;
}

/** Text taken as it is; `secret` is never echoed and may come from a file, `path` names a file. */
export function text<const K extends "string" | "secret" | "path">(
  kind: K,
): ValueParser<string> & { readonly kind: K } {
  return { kind, parse: (value) => value };
}

/** Free text of a known shape; `problem` says what is wrong, given the value as shown. */
export function matching(pattern: RegExp, problem: (value: string) => string): ValueParser<string> {
  return {
    kind: "string",
    parse(value, report) {
      if (!pattern.test(value)) report.problem(problem(shown(value)));
      return value;
    },
  };
}

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off", ""];

export function boolean(): ValueParser<boolean> {
  return {
    kind: "boolean",
    parse(value, report) {
      const lower = value.toLowerCase();
      if (TRUE.includes(lower)) return true;
      if (!FALSE.includes(lower))
        report.problem(`${shown(lower)} is not a boolean (use true or false)`);
      return false;
    },
  };
}

export interface DurationBounds {
  readonly minMs: number;
  /** Below this the value is allowed, with `advice` as a warning. */
  readonly adviseBelowMs?: number;
  readonly advice?: string;
}

export function duration(bounds: DurationBounds): ValueParser<number> {
  return {
    kind: "duration",
    parse(value, report) {
      const ms = parseDuration(value);
      if (ms === undefined) {
        report.problem(`${shown(value)} is not a duration (examples: 500ms, 30s, 15m, 1h)`);
        return 0;
      }
      if (ms < bounds.minMs)
        report.problem(`must be at least ${formatDuration(bounds.minMs)}, got ${shown(value)}`);
      if (bounds.adviseBelowMs !== undefined && ms > 0 && ms < bounds.adviseBelowMs) {
        report.warning(`is ${formatDuration(ms)}: ${bounds.advice ?? ""}`);
      }
      return ms;
    },
  };
}

export function integer(min: number, max: number): ValueParser<number> {
  return {
    kind: "integer",
    range: [min, max],
    parse(value, report) {
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
      if (Number.isInteger(n) && n >= min && n <= max) return n;
      report.problem(`${shown(value)} is not a whole number from ${min} to ${max}`);
      return min;
    },
  };
}

/** An http(s) URL without credentials, without its trailing slashes. */
export function httpUrl(): ValueParser<string> {
  return {
    kind: "url",
    parse(value, report) {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        parsed = new URL("invalid:");
      }
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
        report.problem(`${shown(value)} is not an http(s) URL`);
        return "";
      }
      if (parsed.username !== "" || parsed.password !== "") {
        report.problem("must not carry credentials");
      }
      if (parsed.protocol === "http:" && !isLoopback(parsed.hostname)) {
        report.warning(
          `is plain http:// to ${parsed.host}: the client credential and the tokens would travel unencrypted (use https://; http:// is for a simulator on this machine)`,
        );
      }
      return parsed.href.replace(/\/+$/, "");
    },
  };
}

/** localhost, 127.0.0.0/8 and ::1: plain HTTP there never leaves the machine. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * An outbound proxy URL: `http://[user:password@]host:port` (or https://, or a bare host:port, as
 * curl reads it). A secret, since it may carry credentials: never echoed, `_FILE` supported.
 */
export function proxyUrl(): ValueParser<string> & { readonly kind: "secret" } {
  return {
    kind: "secret",
    parse(value, report) {
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
      let parsed: URL | undefined;
      try {
        parsed = new URL(withScheme);
      } catch {
        parsed = undefined;
      }
      if (parsed === undefined || parsed.hostname === "") {
        report.problem("is not a proxy URL (http://host:port)");
        return "";
      }
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        report.problem(`must be an http:// or https:// proxy, not ${parsed.protocol}//`);
        return "";
      }
      return parsed.href.replace(/\/+$/, "");
    },
  };
}

export function choice<const T extends string>(choices: readonly T[]): ValueParser<T> {
  return {
    kind: "enum",
    choices,
    parse(value, report) {
      const lower = value.toLowerCase();
      const found = choices.find((c) => c === lower);
      if (found !== undefined) return found;
      report.problem(`${shown(lower)} is not one of ${choices.join(", ")}`);
      return choices[0] as T;
    },
  };
}

function items(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** A comma list; with `allowed`, each item must be one of them (one problem per item). */
export function list(allowed?: readonly string[]): ValueParser<readonly string[]> {
  return {
    kind: "string",
    ...(allowed !== undefined ? { choices: allowed } : {}),
    parse(value, report) {
      const found = items(value);
      for (const item of found) {
        if (allowed?.includes(item) === false) {
          report.problem(`"${item}" is not one of ${allowed.join(", ")}`);
        }
      }
      return found;
    },
  };
}

/** One `host:port` or a comma list of them. */
export function listenAddresses(): ValueParser<readonly ListenAddress[]> {
  return {
    kind: "listen",
    parse(value, report) {
      return value.split(",").flatMap((item) => {
        const address = parseListenAddress(item.trim());
        if (address !== undefined) return [address];
        report.problem(`${shown(item.trim())} is not host:port (examples: :9841, 127.0.0.1:9841)`);
        return [];
      });
    },
  };
}

/** One `host:port`, for a command that listens on one address. */
export function listenAddress(): ValueParser<ListenAddress> {
  const list = listenAddresses();
  return {
    kind: "listen",
    parse(value, report) {
      const [address, ...more] = list.parse(value, report);
      if (more.length > 0) report.problem("takes one host:port, not a list");
      // After a problem the command stops before it listens anywhere.
      return address ?? { host: undefined, port: 0 };
    },
  };
}
