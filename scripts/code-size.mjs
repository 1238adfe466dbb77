#!/usr/bin/env node
// Prints the longest functions and files under src/ (lines, as the editor counts them), the
// measure CONTRIBUTING.md keeps us to: no function over about 80 lines, no file over about 300.
// Usage: node scripts/code-size.mjs [--top N] [dir]
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args[topAt + 1]) : 10;
const root = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--top") ?? "src";

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

function nameOf(node, source) {
  if (node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return "(anonymous)";
}

const functions = [];
const sizes = [];
for (const path of files(root)) {
  const text = readFileSync(path, "utf8");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  sizes.push({ path: relative(".", path), lines: text.split("\n").length - 1 });
  const visit = (node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({
        name: nameOf(node, source),
        path: relative(".", path),
        lines: end - start + 1,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

functions.sort((a, b) => b.lines - a.lines);
sizes.sort((a, b) => b.lines - a.lines);
console.log(`longest functions in ${root}/`);
for (const f of functions.slice(0, top))
  console.log(`${String(f.lines).padStart(5)}  ${f.name}  (${f.path})`);
console.log(`\nlongest files in ${root}/`);
for (const f of sizes.slice(0, top)) console.log(`${String(f.lines).padStart(5)}  ${f.path}`);
