// A page of 10,000 rows is 5 MB of JSON: JSON.parse of it whole stalls the event loop and makes
// 10,000 objects at once that all survive into the old generation. These helpers find where the
// top-level members and the array's elements are (strings and brackets only), so the rows can be
// parsed a slice at a time, by JSON.parse itself (native, far faster than a parser in JS), with
// the event loop free between slices. Anything they do not understand: undefined, and the caller
// parses the body whole, with the same result and the same errors.

/** Bytes [start, end) of one JSON value in a body. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return i;
    i++;
  }
}

/** The index after the string whose opening quote is at `at`; -1 when it does not end. */
function stringEnd(bytes: Uint8Array, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote < 0) return -1;
    let slashes = 0;
    while (bytes[quote - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/**
 * The index after the value that starts at `at`: strings skipped whole, brackets counted (not
 * matched: JSON.parse checks the slice). -1 when the brackets do not close before `limit`.
 */
function valueEnd(bytes: Uint8Array, at: number, limit: number): number {
  let depth = 0;
  let i = at;
  while (i < limit) {
    const b = bytes[i];
    if (b === QUOTE) {
      i = stringEnd(bytes, i);
      if (i < 0 || i > limit) return -1;
      if (depth === 0) return i;
      continue;
    }
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
    else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      if (depth === 0) return i;
      depth--;
      if (depth === 0) return i + 1;
    } else if (depth === 0 && (b === COMMA || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09))
      return i;
    i++;
  }
  return depth === 0 ? i : -1;
}

/** The value in `span`, parsed (JSON.parse throws when it is not JSON). */
export function parseSpan(bytes: Uint8Array, span: Span): unknown {
  return JSON.parse(UTF8.decode(bytes.subarray(span.start, span.end)));
}

/** The elements `from` to `to` (exclusive) of an array, parsed in one JSON.parse. */
export function parseElements(
  bytes: Uint8Array,
  elements: readonly Span[],
  from: number,
  to: number,
): unknown[] {
  const first = elements[from];
  const last = elements[to - 1];
  if (first === undefined || last === undefined) return [];
  const parsed: unknown = JSON.parse(`[${UTF8.decode(bytes.subarray(first.start, last.end))}]`);
  return parsed as unknown[];
}

/** A top-level object's members (the last of a repeated name wins, as in JSON.parse). */
export function objectMembers(bytes: Uint8Array): Map<string, Span> | undefined {
  const members = new Map<string, Span>();
  let i = skipSpace(bytes, 0);
  if (bytes[i] !== OPEN_OBJECT) return undefined;
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_OBJECT)
    return skipSpace(bytes, i + 1) === bytes.length ? members : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(bytes, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = parseSpan(bytes, { start: i, end: keyEnd }) as string;
    } catch {
      return undefined;
    }
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    i = skipSpace(bytes, i + 1);
    const end = valueEnd(bytes, i, bytes.length);
    if (end <= i) return undefined;
    members.set(key, { start: i, end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
    } else if (bytes[i] === CLOSE_OBJECT) {
      return skipSpace(bytes, i + 1) === bytes.length ? members : undefined;
    } else return undefined;
  }
}

/** The elements of the array in `span`; undefined when it is not an array. */
export function arrayElements(bytes: Uint8Array, span: Span): Span[] | undefined {
  if (bytes[span.start] !== OPEN_ARRAY) return undefined;
  const elements: Span[] = [];
  let i = skipSpace(bytes, span.start + 1);
  if (bytes[i] === CLOSE_ARRAY) return i + 1 === span.end ? elements : undefined;
  for (;;) {
    const end = valueEnd(bytes, i, span.end);
    if (end <= i) return undefined;
    elements.push({ start: i, end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
    } else if (bytes[i] === CLOSE_ARRAY) {
      return i + 1 === span.end ? elements : undefined;
    } else return undefined;
  }
}
