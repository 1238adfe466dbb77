/** The last poll as the landing page shows it (the poller's status, in the shape read here). */
export interface LastPollView {
  /** When the last poll finished (undefined: the first one is still running). */
  readonly lastPollAt: number | undefined;
  readonly lastPollOk: boolean | undefined;
  readonly lastSuccessAt: number | undefined;
  readonly failures: readonly { readonly collector: string; readonly reason: string }[];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function when(ms: number | undefined): string {
  return ms === undefined ? "never" : new Date(ms).toISOString();
}

/** A small page for people who open the exporter in a browser. It shows no configuration. */
export function renderLandingPage(
  version: string,
  telemetryPath: string,
  status: LastPollView,
): string {
  const state =
    status.lastPollOk === undefined
      ? "first poll in progress"
      : status.lastPollOk
        ? "succeeded"
        : "failed";
  const failures = status.failures
    .map((f) => `<li>${escapeHtml(f.collector)}: ${escapeHtml(f.reason)}</li>`)
    .join("");
  const path = escapeHtml(telemetryPath);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Partner Center Exporter</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}dt{font-weight:600}</style>
</head>
<body>
<h1>Partner Center Exporter</h1>
<p>Microsoft Partner Center licence usage analytics for Prometheus. Version ${escapeHtml(version)}.</p>
<ul>
<li><a href="${path}">Metrics</a></li>
<li><a href="/healthz">Health</a></li>
<li><a href="/readyz">Readiness</a></li>
</ul>
<h2>Last poll</h2>
<dl>
<dt>Status</dt><dd>${state}</dd>
<dt>Finished</dt><dd>${when(status.lastPollAt)}</dd>
<dt>Last success</dt><dd>${when(status.lastSuccessAt)}</dd>
</dl>
${failures ? `<ul>${failures}</ul>` : ""}
</body>
</html>
`;
}
