/**
 * Deterministic licence data for a partner with many customers: the rows Partner Center's
 * commercial analytics aggregate (one per customer, product and workload), seeded so every run
 * and every page of a run sees the same data.
 */

export interface CustomerProductRow {
  readonly customerTenantId: string;
  readonly customerName: string;
  readonly productId: string;
  readonly productName: string;
  readonly serviceCode: string;
  readonly serviceName: string;
  readonly channel: string;
  readonly workloadCode: string;
  readonly workloadName: string;
  readonly licensesActive: number;
  readonly licensesQualified: number;
  readonly licensesDeployed: number;
  readonly licensesSold: number;
}

interface Product {
  readonly id: string;
  readonly name: string;
  readonly serviceCode: string;
  readonly serviceName: string;
  readonly workloads: readonly (readonly [code: string, name: string])[];
}

const O365 = { serviceCode: "o365", serviceName: "Microsoft Office 365" } as const;
const M365_WORKLOADS = [
  ["EXO", "Exchange"],
  ["SPO", "SharePoint"],
  ["ODB", "OneDrive for Business"],
  ["TEAMS", "Teams"],
  ["YAM", "Yammer"],
] as const;

const PRODUCTS: readonly Product[] = [
  { id: "CFQ7TTC0LFLX", name: "Microsoft 365 E3", ...O365, workloads: M365_WORKLOADS },
  { id: "CFQ7TTC0LFLZ", name: "Microsoft 365 E5", ...O365, workloads: M365_WORKLOADS },
  {
    id: "CFQ7TTC0LDPB",
    name: "Microsoft 365 Business Standard",
    ...O365,
    workloads: M365_WORKLOADS,
  },
  {
    id: "CFQ7TTC0LCHC",
    name: "Microsoft 365 Business Premium",
    ...O365,
    workloads: M365_WORKLOADS,
  },
  {
    id: "CFQ7TTC0LF8R",
    name: "Office 365 E1",
    ...O365,
    workloads: [
      ["EXO", "Exchange"],
      ["SPO", "SharePoint"],
      ["TEAMS", "Teams"],
    ],
  },
  {
    id: "CFQ7TTC0LH18",
    name: "Exchange Online (Plan 1)",
    ...O365,
    workloads: [["EXO", "Exchange"]],
  },
  {
    id: "CFQ7TTC0LHSF",
    name: "Dynamics 365 Sales Enterprise",
    serviceCode: "crm",
    serviceName: "Microsoft Dynamics CRM Online",
    workloads: [["CRM", "Microsoft Dynamics CRM"]],
  },
];

const NAMES = [
  "Contoso",
  "Fabrikam",
  "Northwind Traders",
  "Adatum",
  "Tailspin Toys",
  "Woodgrove Bank",
  "Litware",
  "Proseware",
  "Alpine Ski House",
  "Wide World Importers",
  "Coho Winery",
  "Fourth Coffee",
  "Lamna Healthcare",
  "Margie's Travel",
  "Trey Research",
  "Wingtip Toys",
  "Blue Yonder Airlines",
  "Relecloud",
  "Munson's Pickles",
  "Humongous Insurance",
];
const SUFFIXES = ["Ltd", "GmbH", "Inc.", "B.V.", "Pty Ltd", "S.A.", "AB", "KK", "Oy", "LLC"];

const DEFAULT_SEED = 20261126;

/** mulberry32: a small, fast, seeded PRNG (deterministic data, not security). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function tenantId(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The rows for `customers` customers: each has one to three products and a row per workload of
 * each product; about 2.4 products and 10 rows per customer.
 */
export function customerProductRows(customers: number, seed = DEFAULT_SEED): CustomerProductRow[] {
  const random = prng(seed);
  const rows: CustomerProductRow[] = [];
  for (let c = 0; c < customers; c++) {
    const name = `${NAMES[c % NAMES.length]} ${SUFFIXES[Math.floor(c / NAMES.length) % SUFFIXES.length]}${c >= NAMES.length * SUFFIXES.length ? ` ${Math.floor(c / (NAMES.length * SUFFIXES.length)) + 1}` : ""}`;
    const id = tenantId(random);
    // A fifth of the customers buy direct. The first few cover every product in both channels, so
    // even a small demo has every service and channel.
    const channel = c % 5 === 1 ? "direct" : "reseller";
    const drawnCount = 1 + Math.floor(random() * 3);
    const drawnFirst = Math.floor(random() * PRODUCTS.length);
    const productCount = c === 0 ? 3 : drawnCount;
    const first = c < PRODUCTS.length ? c : drawnFirst;
    for (let p = 0; p < productCount; p++) {
      const product = PRODUCTS[(first + p * 3) % PRODUCTS.length] as Product;
      const sold = 5 + Math.floor(random() * 400);
      const deployed = Math.floor(sold * (0.3 + random() * 0.85));
      // A few customers use more than they bought: adoption above 100%.
      const adoption = random() < 0.05 ? 1 + random() * 0.3 : random();
      for (const [workloadCode, workloadName] of product.workloads) {
        const qualified = deployed;
        rows.push({
          customerTenantId: id,
          customerName: name,
          productId: product.id,
          productName: product.name,
          serviceCode: product.serviceCode,
          serviceName: product.serviceName,
          channel,
          workloadCode,
          workloadName,
          licensesActive: Math.round(qualified * Math.min(1.3, adoption * (0.5 + random() * 0.7))),
          licensesQualified: qualified,
          licensesDeployed: deployed,
          licensesSold: sold,
        });
      }
    }
  }
  return rows;
}
