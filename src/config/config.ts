/** The Config type, derived from the settings table: a setting's place and parser give its field. */
import type { SettingEntry } from "./settings.js";

type Parsed<E> = E extends { parse(...args: never[]): infer T } ? T : never;

/** A setting with a default (fixed, per cloud) or required outside --demo always has a value. */
type ValueOf<E> = E extends { default: string } | { required: true } | { perCloud: string }
  ? Parsed<E>
  : Parsed<E> | undefined;

type SectionOf<E> = E extends { at: `${infer S}.${string}` } ? S : never;
type FieldOf<E> = E extends { at: `${string}.${infer F}` } ? F : never;
type TopLevelOf<E> = E extends { at: `${string}.${string}` }
  ? never
  : E extends { at: infer A extends string }
    ? A
    : never;

type Section<S extends string> = {
  readonly [E in SettingEntry as SectionOf<E> extends S ? FieldOf<E> : never]: ValueOf<E>;
};

/** Every setting, nested by concern, as the table declares it. */
export type Settings = { readonly [S in SectionOf<SettingEntry>]: Section<S> } & {
  readonly [E in SettingEntry as TopLevelOf<E>]: ValueOf<E>;
};

type SecretEntry = Extract<SettingEntry, { kind: "secret" }>;

/** The loaded configuration: the settings plus what follows from them. */
export type Config = Settings & {
  readonly azure: {
    /** The API's resource (audience) in the token request, from the cloud. */
    readonly resource: string;
  };
  /** Files the secrets came from (`*_FILE`), re-read when they change. */
  readonly secretFiles: { readonly [E in SecretEntry as FieldOf<E>]: string | undefined };
  readonly collectors: {
    /** --collector.NAME (true) and --no-collector.NAME (false), applied after the list. */
    readonly toggles: ReadonlyMap<string, boolean>;
  };
};

/** Which collectors to run: the COLLECTORS list (or the default), then the toggles. */
export type CollectorSelection = Config["collectors"];
export type LogLevel = Config["log"]["level"];
export type LogFormat = Config["log"]["format"];
