import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Production dependencies: only what src/ imports, each with its reason in docs/reliability.md,
 * each pinned (version and integrity hash) by the lock file. Offline: no npm audit.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface PackageJson {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}
interface LockEntry {
  readonly version?: string;
  readonly resolved?: string;
  readonly integrity?: string;
  readonly dev?: boolean;
  readonly dependencies?: Record<string, string>;
}

async function json<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(join(ROOT, path), "utf8")) as T;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true });
  const files = await Promise.all(
    entries.map((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : Promise.resolve(e.name.endsWith(".ts") ? [join(dir, e.name)] : []),
    ),
  );
  return files.flat();
}

/** Package names src/ imports at run time (type-only imports excluded). */
async function importedPackages(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const file of await sourceFiles("src")) {
    const text = await readFile(join(ROOT, file), "utf8");
    const specifiers = [
      ...text.matchAll(/^import (?!type )[^;]*?from "([^"]+)";/gms),
      ...text.matchAll(/^export [^;]*? from "([^"]+)";/gms),
      ...text.matchAll(/\bimport\("([^"]+)"\)/g),
      // Loaded lazily with createRequire (pino-pretty), or resolved for a worker thread (bcryptjs).
      ...text.matchAll(/\brequire(?:\.resolve)?\("([^"]+)"\)/g),
    ].map((m) => m[1] ?? "");
    for (const specifier of specifiers) {
      if (specifier.startsWith(".") || specifier.startsWith("node:")) continue;
      if (builtinModules.includes(specifier)) continue;
      const parts = specifier.split("/");
      const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? "");
      if (!found.has(name)) found.set(name, file);
    }
  }
  return found;
}

describe("production dependencies", () => {
  it("are exactly the packages src/ imports", async () => {
    const pkg = await json<PackageJson>("package.json");
    const declared = Object.keys(pkg.dependencies ?? {}).sort();
    const imported = await importedPackages();
    for (const [name, file] of imported) {
      expect(declared, `${file} imports ${name}, which is not a production dependency`).toContain(
        name,
      );
    }
    expect(declared).toEqual([...imported.keys()].sort());
  });

  it("are pinned by the lock file (version and integrity hash), in sync with package.json", async () => {
    const pkg = await json<PackageJson>("package.json");
    const lock = await json<{ lockfileVersion: number; packages: Record<string, LockEntry> }>(
      "package-lock.json",
    );
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(2);
    expect(lock.packages[""]?.dependencies).toEqual(pkg.dependencies);
    const production = Object.entries(lock.packages).filter(([path, e]) => path !== "" && !e.dev);
    for (const [path, entry] of production) {
      expect(entry.version, path).toMatch(/^\d+\.\d+\.\d+/);
      // npm may omit `resolved`; the integrity hash is what pins the content.
      if (entry.resolved !== undefined) expect(entry.resolved, path).toMatch(/^https:\/\//);
      expect(entry.integrity, path).toMatch(/^sha512-/);
    }
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      expect(lock.packages[`node_modules/${name}`]?.dev, name).toBeUndefined();
    }
    console.log(`production dependency tree: ${production.length} packages, all pinned`);
  });

  it("are each listed with a reason in docs/reliability.md", async () => {
    const pkg = await json<PackageJson>("package.json");
    const doc = await readFile(join(ROOT, "docs/reliability.md"), "utf8");
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `docs/reliability.md has no row for ${name}`).toBeDefined();
      const reason = row?.split("|")[2]?.trim() ?? "";
      expect(reason.length, `the reason for ${name}`).toBeGreaterThan(20);
    }
  });
});
