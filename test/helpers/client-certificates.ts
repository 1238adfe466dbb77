import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openssl } from "./certs.js";

/** An app's certificate credential as an operator makes one: RSA, self-signed, one PEM file. */
export interface AppCertificate {
  /** The PEM with the certificate and its private key (AZURE_CLIENT_CERTIFICATE_PATH). */
  readonly path: string;
  /** The certificate alone (what is uploaded to the app registration). */
  readonly certificatePem: string;
  /** The private key's PEM text and, if encrypted, its password. */
  readonly keyPem: string;
  readonly password: string | undefined;
}

/**
 * Makes a certificate with openssl (`req -x509 -newkey rsa:2048`), and the PEM the exporter reads:
 * the certificate, then the key (PKCS#8, AES-256 encrypted when a password is given).
 */
export async function makeAppCertificate(
  name: string,
  options: { password?: string; dir?: string; days?: number } = {},
): Promise<AppCertificate> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "pce-app-cert-")));
  await openssl(dir, [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256"],
    ...["-keyout", `${name}.key`, "-out", `${name}.crt`],
    ...["-days", String(options.days ?? 2), "-subj", `/CN=${name}`],
  ]);
  let keyFile = `${name}.key`;
  if (options.password !== undefined) {
    await writeFile(join(dir, `${name}.pass`), options.password);
    await openssl(dir, [
      ...["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", keyFile],
      ...["-out", `${name}.enc.key`, "-passout", `file:${name}.pass`],
    ]);
    keyFile = `${name}.enc.key`;
  }
  const certificatePem = await readFile(join(dir, `${name}.crt`), "utf8");
  const keyPem = await readFile(join(dir, keyFile), "utf8");
  const path = join(dir, `${name}.pem`);
  await writeFile(path, `${certificatePem}${keyPem}`, { mode: 0o600 });
  return { path, certificatePem, keyPem, password: options.password };
}

/** The lines of a PEM key's body: none may appear in a log line. */
export function keyMaterial(certificate: AppCertificate): string[] {
  return certificate.keyPem.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
}
