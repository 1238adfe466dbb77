import { randomUUID } from "node:crypto";
import type { Response } from "express";

/** A refusal as Entra ID answers it: HTTP status, OAuth error, AADSTS code and message. */
export interface Refusal {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number;
  readonly message: string;
}

/**
 * The error body Entra ID sends, with the AADSTS code in description and error_codes, trace lines
 * and ids (as in azure-cli#14244); `traced: false` gives the bare OAuth shape of RFC 6749.
 */
export function aadErrorBody(
  error: string,
  aadsts: number,
  message: string,
  traced = true,
): string {
  if (!traced) return JSON.stringify({ error, error_description: `AADSTS${aadsts}: ${message}` });
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return JSON.stringify({
    error,
    error_description: `AADSTS${aadsts}: ${message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${new Date().toISOString()}`,
    error_codes: [aadsts],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
}

/** Answers a refusal with Entra ID's body (traced or bare). */
export function sendRefusal(res: Response, refusal: Refusal, traced: boolean): void {
  res
    .status(refusal.status)
    .type("application/json; charset=utf-8")
    .send(aadErrorBody(refusal.error, refusal.aadsts, refusal.message, traced));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page of the simulated sign-in UI. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} - Partner Center simulator</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
