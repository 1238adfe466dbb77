/** The Partner Center clouds: token authority, API base URL and the API's resource (audience). */
export interface Cloud {
  readonly authorityHost: string;
  readonly partnerCenterUrl: string;
  readonly resource: string;
}

export const CLOUD_NAMES = ["global", "usgov", "china"] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

export const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  global: {
    authorityHost: "https://login.microsoftonline.com",
    partnerCenterUrl: "https://api.partnercenter.microsoft.com",
    resource: "https://api.partnercenter.microsoft.com",
  },
  // US Government uses the global API host with its own authority (partner-center-rest-urls).
  usgov: {
    authorityHost: "https://login.microsoftonline.us",
    partnerCenterUrl: "https://api.partnercenter.microsoft.com",
    resource: "https://api.partnercenter.microsoft.com",
  },
  // Operated by 21Vianet.
  china: {
    authorityHost: "https://login.chinacloudapi.cn",
    partnerCenterUrl: "https://partner.partnercenterapi.microsoftonline.cn",
    resource: "https://partner.partnercenterapi.microsoftonline.cn",
  },
};
