/** The Partner Center clouds: token authority, API base URL and the API's resource (audience). */
export interface Cloud {
  readonly authorityHost: string;
  readonly partnerCenterUrl: string;
  readonly resource: string;
}

export const CLOUD_NAMES = ["global", "usgov", "china"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** In every cloud the API's resource (the token's audience) is its own base URL. */
function cloud(authorityHost: string, partnerCenterUrl: string): Cloud {
  return { authorityHost, partnerCenterUrl, resource: partnerCenterUrl };
}

const GLOBAL_API = "https://api.partnercenter.microsoft.com";

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  global: cloud("https://login.microsoftonline.com", GLOBAL_API),
  // US Government uses the global API host with its own authority (partner-center-rest-urls).
  usgov: cloud("https://login.microsoftonline.us", GLOBAL_API),
  // Operated by 21Vianet.
  china: cloud(
    "https://login.chinacloudapi.cn",
    "https://partner.partnercenterapi.microsoftonline.cn",
  ),
};
