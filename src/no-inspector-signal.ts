/**
 * SIGUSR1 would open Node's inspector on 127.0.0.1:9229, from which anyone on the host can read
 * process.env (the client secret). A listener replaces that default action; imported first by the
 * CLI, so it is in place before anything else loads (Node 20 has no --disable-sigusr1; the image,
 * on Node 24, also sets it). To debug, start the process with --inspect instead.
 */
process.on("SIGUSR1", () => undefined);
