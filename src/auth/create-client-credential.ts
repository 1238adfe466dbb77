import type { SecretScrubber } from "../log/secret-scrubber.js";
import { CertificateCredential } from "./certificate-credential.js";
import {
  type ClientCredential,
  CredentialError,
  clientSecretCredential,
} from "./client-credential.js";
import { FederatedTokenCredential } from "./federated-credential.js";

/** The credential settings as configured (the loader made sure at most one is set). */
export interface CredentialSettings {
  readonly clientId: string;
  /** The secret now, when AZURE_CLIENT_SECRET (or _FILE) is the credential. */
  readonly clientSecret: (() => string | undefined) | undefined;
  readonly certificatePath: string | undefined;
  readonly certificatePassword: () => string | undefined;
  readonly federatedTokenFile: string | undefined;
}

/**
 * The client credential the settings name; throws a CredentialError (one line, no secret) when
 * the certificate or the federated token file cannot be used at start-up.
 */
export function createClientCredential(
  settings: CredentialSettings,
  scrubber: SecretScrubber,
  onProblem: (problem: string) => void,
): ClientCredential | undefined {
  if (settings.certificatePath !== undefined) {
    try {
      return new CertificateCredential({
        path: settings.certificatePath,
        password: settings.certificatePassword,
        clientId: settings.clientId,
        scrubber,
        onProblem,
      });
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      throw new CredentialError(`AZURE_CLIENT_CERTIFICATE_PATH: ${error.message}`);
    }
  }
  if (settings.federatedTokenFile !== undefined) {
    const credential = new FederatedTokenCredential(settings.federatedTokenFile, scrubber);
    const problem = credential.check();
    if (problem !== undefined) throw new CredentialError(problem);
    return credential;
  }
  return settings.clientSecret === undefined
    ? undefined
    : clientSecretCredential(settings.clientSecret);
}
