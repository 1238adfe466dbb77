import type { Express, Request, Response } from "express";
import type { Fault, FaultQueue } from "./faults.js";

/** What the control plane changes in a running simulator. */
export interface ControlledSimulator {
  readonly faults: FaultQueue;
  setUsageItems(items: unknown[] | undefined): void;
}

/**
 * `/_simulator/*`: for tests and demos that run the simulator in another process. POST
 * `/faults` queues faults (one or an array), DELETE `/faults` clears them, PUT `/usage` serves
 * these usage items (anything but an array returns to the demo data).
 */
export function installControlPlane(app: Express, simulator: ControlledSimulator): void {
  app.post("/_simulator/faults", (req: Request, res: Response) => {
    const faults = Array.isArray(req.body) ? (req.body as Fault[]) : [req.body as Fault];
    simulator.faults.push(...faults);
    res.status(204).end();
  });
  app.delete("/_simulator/faults", (_req: Request, res: Response) => {
    simulator.faults.clear();
    res.status(204).end();
  });
  app.put("/_simulator/usage", (req: Request, res: Response) => {
    simulator.setUsageItems(Array.isArray(req.body) ? (req.body as unknown[]) : undefined);
    res.status(204).end();
  });
}
