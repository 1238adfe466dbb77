// negotiator (express's content negotiation, a dependency of express) ships no types: the part used.
declare module "negotiator" {
  class Negotiator {
    constructor(request: {
      readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    });
    /** The available codings the request accepts, best first (q=0 and `*;q=0` exclude). */
    encodings(available?: readonly string[]): string[];
  }
  export = Negotiator;
}
