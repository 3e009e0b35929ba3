// Greedy generation in llama.cpp itself (node-llama-cpp's prebuilt CPU
// binary), printed as JSON for the end-to-end comparison with reach-run:
//   node llama_cpp_generate.mjs MODEL.gguf PROMPT MAX_TOKENS CONTEXT_SIZE [LORA.gguf [SCALE]]
// -> {"prompt_tokens": [...], "tokens": [...], "runner_up": [[token, gap], ...]}
// runner_up[i] is, for generated token i, llama.cpp's second choice and the
// logit gap ln(p1/p2) to it, so that the comparison can tell a near-tie that
// rounding decides (another summation order flips it) from a real
// difference.
// Same conditions as `reach-run generate --temperature 0`: BOS when the
// model's tokenizer says so, no chat template, an F32 KV cache (both
// engines default to F16; KV_CACHE=F16 in the environment gives F16), one
// sequence, 2 threads, EOS ends generation and is not reported.
// The oracles are installed in test/node (package.json pinned there).
const {getLlama} = await import(new URL("../node/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const [modelPath, prompt, maxTokensArg, contextSizeArg, loraPath, loraScale] = process.argv.slice(2);
if (!modelPath || prompt === undefined) {
  console.error("usage: node llama_cpp_generate.mjs MODEL.gguf PROMPT MAX_TOKENS CONTEXT_SIZE");
  process.exit(2);
}
const maxTokens = Number(maxTokensArg ?? 32);
const cacheType = process.env.KV_CACHE ?? "F32";
const contextSize = Number(contextSizeArg ?? 512);

const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const model = await llama.loadModel({modelPath});
const context = await model.createContext({
  contextSize,
  batchSize: contextSize,
  threads: 2,
  flashAttention: false,
  experimentalKvCacheKeyType: cacheType,
  experimentalKvCacheValueType: cacheType,
  ...(loraPath ? {lora: {adapters: [{filePath: loraPath, scale: Number(loraScale ?? 1)}]}} : {}),
});
const sequence = context.getSequence();

const promptTokens = [];
if (model.tokens.shouldPrependBosToken) promptTokens.push(model.tokens.bos);
promptTokens.push(...model.tokenize(prompt, false));

const tokens = [], runnerUp = [];
if (maxTokens > 0) {
  for await (const out of sequence.evaluateWithMetadata(promptTokens, {probabilities: true}, {temperature: 0})) {
    tokens.push(out.token);
    const best = [out.token, out.probabilities.get(out.token)];
    let second = [-1, 0];
    for (const [token, p] of out.probabilities)
      if (token !== out.token && p > second[1]) second = [token, p];
    runnerUp.push([second[0], second[1] > 0 ? Math.log(best[1] / second[1]) : Infinity]);
    if (tokens.length >= maxTokens) break;
  }
}
console.log(JSON.stringify({prompt_tokens: promptTokens, tokens, runner_up: runnerUp}));
await context.dispose();
await model.dispose();
await llama.dispose();
