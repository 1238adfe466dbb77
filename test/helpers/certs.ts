import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPki {
  readonly dir: string;
  /** PEM paths. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A client certificate from an unrelated CA (must be refused where verification applies). */
  readonly strangerCert: string;
  readonly strangerKey: string;
  /** Issues another server certificate for 127.0.0.1 (a renewal), at the given paths. */
  renewServer(certPath: string, keyPath: string): Promise<void>;
}

/** Runs openssl in `dir`; a missing openssl rejects with the line that installs it. */
export async function openssl(dir: string, args: string[]): Promise<void> {
  await run("openssl", args, { cwd: dir }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "ENOENT"
      ? new Error("openssl is not installed: apt-get install -y openssl")
      : error;
  });
}

/** openssl req's arguments for a new P-256 key, unencrypted, written to `${name}.key`. */
function newKey(name: string): string[] {
  return [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
  ];
}

async function selfSignedCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    ...newKey(name),
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign",
  ]);
}

async function issue(dir: string, ca: string, name: string, ext: string): Promise<void> {
  await writeFile(join(dir, `${name}.ext`), ext);
  await openssl(dir, ["req", ...newKey(name), "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-set_serial",
    `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  ]);
}

const SERVER_EXT = "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n";
const CLIENT_EXT = "extendedKeyUsage=clientAuth\n";

/** A CA, a server certificate for 127.0.0.1 and client certificates, made with openssl now. */
export async function makeTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "pce-pki-"));
  await selfSignedCa(dir, "ca");
  await selfSignedCa(dir, "stranger-ca");
  await issue(dir, "ca", "server", SERVER_EXT);
  await issue(dir, "ca", "client", CLIENT_EXT);
  await issue(dir, "stranger-ca", "stranger", CLIENT_EXT);
  const at = (file: string) => join(dir, file);
  return {
    dir,
    caCert: at("ca.crt"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    strangerCert: at("stranger.crt"),
    strangerKey: at("stranger.key"),
    async renewServer(certPath, keyPath) {
      const name = `renewed-${Date.now()}`;
      await issue(dir, "ca", name, SERVER_EXT);
      await writeFile(keyPath, await readFile(at(`${name}.key`)));
      await writeFile(certPath, await readFile(at(`${name}.crt`)));
    },
  };
}
