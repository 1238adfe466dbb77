import {
  PartnerCenterSimulator as ShippedSimulator,
  type SimulatorOptions,
} from "../../simulator/simulator.js";
import { FaultQueue, faultIntercept } from "./faults.js";

export * from "../../simulator/simulator.js";

/**
 * The simulator as tests use it: every request recorded, and `faults` to make any endpoint
 * misbehave (the shipped one records nothing and takes no faults).
 */
export class PartnerCenterSimulator extends ShippedSimulator {
  readonly faults: FaultQueue;

  constructor(options: SimulatorOptions = {}) {
    const faults = new FaultQueue();
    super({ recordRequests: true, intercept: faultIntercept(faults), ...options });
    this.faults = faults;
  }
}
