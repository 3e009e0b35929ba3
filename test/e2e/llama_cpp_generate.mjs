// Greedy generation in llama.cpp itself (node-llama-cpp's prebuilt CPU
// binary), printed as JSON for the end-to-end comparison with reach-run:
//   node llama_cpp_generate.mjs MODEL.gguf PROMPT MAX_TOKENS CONTEXT_SIZE
// -> {"prompt_tokens": [...], "tokens": [...]}
// Same conditions as `reach-run generate --temperature 0`: BOS when the
// model's tokenizer says so, no chat template, an F32 KV cache (llama.cpp
// defaults to F16), one sequence, 2 threads, EOS ends generation and is not
// reported.
// The oracles are installed in test/node (package.json pinned there).
const {getLlama} = await import(new URL("../node/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const [modelPath, prompt, maxTokensArg, contextSizeArg] = process.argv.slice(2);
if (!modelPath || prompt === undefined) {
  console.error("usage: node llama_cpp_generate.mjs MODEL.gguf PROMPT MAX_TOKENS CONTEXT_SIZE");
  process.exit(2);
}
const maxTokens = Number(maxTokensArg ?? 32);
const contextSize = Number(contextSizeArg ?? 512);

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({
  contextSize,
  batchSize: contextSize,
  threads: 2,
  flashAttention: false,
  experimentalKvCacheKeyType: "F32",
  experimentalKvCacheValueType: "F32",
});
const sequence = context.getSequence();

const promptTokens = [];
if (model.tokens.shouldPrependBosToken) promptTokens.push(model.tokens.bos);
promptTokens.push(...model.tokenize(prompt, false));

const tokens = [];
if (maxTokens > 0) {
  for await (const token of sequence.evaluate(promptTokens, {temperature: 0})) {
    tokens.push(token);
    if (tokens.length >= maxTokens) break;
  }
}
console.log(JSON.stringify({prompt_tokens: promptTokens, tokens}));
await context.dispose();
await model.dispose();
await llama.dispose();
