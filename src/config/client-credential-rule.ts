/**
 * The app proves itself with exactly one client credential: a secret, a certificate or a
 * federated token. Two is ambiguous (which one did the operator mean?); none cannot sign in.
 */
import { flagLabel } from "./argv.js";
import { type SettingEnv, settingNamed } from "./settings.js";

export const CLIENT_CREDENTIALS = [
  "AZURE_CLIENT_SECRET",
  "AZURE_CLIENT_CERTIFICATE_PATH",
  "AZURE_FEDERATED_TOKEN_FILE",
] as const satisfies readonly SettingEnv[];

/** The problems of the credential settings given (`given` says whether one was set at all). */
export function clientCredentialProblems(
  given: (env: SettingEnv) => boolean,
  demo: boolean,
  withoutCredentials: string,
): string[] {
  const present = CLIENT_CREDENTIALS.filter(given);
  const problems: string[] = [];
  if (present.length > 1) {
    problems.push(
      `${present.map((env) => flagLabel(settingNamed(env))).join(" and ")}: set together, but the app authenticates with exactly one client credential; unset all but one`,
    );
  }
  if (present.length === 0 && !demo) {
    problems.push(
      `${CLIENT_CREDENTIALS.join(", ").replace(/, (?=[^,]*$)/, " or ")}: one client credential is required (set AZURE_CLIENT_SECRET or AZURE_CLIENT_SECRET_FILE, AZURE_CLIENT_CERTIFICATE_PATH, or AZURE_FEDERATED_TOKEN_FILE; or ${withoutCredentials})`,
    );
  }
  if (given("AZURE_CLIENT_CERTIFICATE_PASSWORD") && !given("AZURE_CLIENT_CERTIFICATE_PATH")) {
    problems.push(
      `${flagLabel(settingNamed("AZURE_CLIENT_CERTIFICATE_PASSWORD"))}: set, but AZURE_CLIENT_CERTIFICATE_PATH is not: the password is for the certificate's private key`,
    );
  }
  return problems;
}
