// Renders every case of a cases file with Hugging Face's reference Jinja
// renderer (@huggingface/jinja, what transformers.js uses for chat
// templates) and writes {"name": {"output": ...} or {"error": ...}} as JSON.
//   node render_reference.mjs CASES.json OUT.json
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../node/package.json"));
const { Template } = await import(require.resolve("@huggingface/jinja"));

const [casesFile, outFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const results = {};
for (const c of cases) {
  try {
    results[c.name] = { output: new Template(c.template).render(c.context) };
  } catch (e) {
    results[c.name] = { error: String(e.message ?? e) };
  }
}
writeFileSync(outFile, JSON.stringify(results, null, 1));
