// Tokenizes texts with llama.cpp (node-llama-cpp, CPU prebuilt) from a GGUF
// file's vocabulary, for tokenizer_llamacpp_test.
//   node llamacpp_tokenize.mjs MODEL.gguf TEXTS.json OUT.json
// TEXTS.json is a JSON array of strings; OUT.json gets, per text,
// {"ids": [...] (special tokens in the text parsed, no BOS added),
//  "decoded": "..." (special tokens not printed)}.
import { createRequire } from "module";
import { readFileSync, writeFileSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../node/package.json"));
const { getLlama } = await import(require.resolve("node-llama-cpp"));

const [gguf, textsPath, outPath] = process.argv.slice(2);
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: gguf, vocabOnly: true });
const texts = JSON.parse(readFileSync(textsPath, "utf8"));
const out = texts.map((text) => {
  const ids = Array.from(model.tokenize(text, true));
  return { ids, decoded: model.detokenize(ids, false) };
});
writeFileSync(outPath, JSON.stringify(out));
await model.dispose();
