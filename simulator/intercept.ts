import type { Response } from "express";

/** The simulator's endpoints, as a test that makes one misbehave names them. */
export type Endpoint =
  | "usage"
  | "deployment"
  | "customer-usage"
  | "customer-deployment"
  | "customers"
  | "subscriptions"
  | "token";

/** The error body an endpoint sends for a status (with the Retry-After it announced, if any). */
export type ErrorBody = (status: number, retryAfterSeconds: number | undefined) => string;

/**
 * Asked by every endpoint before it answers: true when the request was answered (or will never
 * be) by someone else. The shipped simulator answers everything itself; a test plugs its faults
 * in here (test/helpers/faults.ts), in its own process, never over HTTP.
 */
export type Intercept = (
  endpoint: Endpoint,
  page: number,
  res: Response,
  errorBody: ErrorBody,
) => Promise<boolean>;

export const NO_INTERCEPT: Intercept = async () => false;
