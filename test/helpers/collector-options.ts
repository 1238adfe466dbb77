import type { CollectorOptions } from "../../src/collectors/collector.js";
import { settingDefaults } from "../../src/config/load-config.js";

const { customer, partner, subscriptions } = settingDefaults();

/** The collectors' settings at their defaults, as a loaded configuration holds them. */
export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = { customer, partner, subscriptions };

/** Some settings changed: each section laid over the defaults. */
export interface CollectorOverrides {
  readonly customer?: Partial<CollectorOptions["customer"]>;
  readonly partner?: Partial<CollectorOptions["partner"]>;
  readonly subscriptions?: Partial<CollectorOptions["subscriptions"]>;
}

export function collectorOptions(overrides: CollectorOverrides = {}): CollectorOptions {
  return {
    customer: { ...customer, ...overrides.customer },
    partner: { ...partner, ...overrides.partner },
    subscriptions: { ...subscriptions, ...overrides.subscriptions },
  };
}
