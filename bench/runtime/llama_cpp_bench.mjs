// llama.cpp's speed on a GGUF file through node-llama-cpp: ppN = one batch
// of N random tokens into an empty context; tgN = N tokens generated one at
// a time (greedy) after a one-token prompt. NOT as llama-bench measures it:
// tg goes through node-llama-cpp's JavaScript evaluate loop with sampling,
// where llama-bench times llama_decode alone (issue #12: to be replaced by
// llama-bench built from the llama.cpp source node-llama-cpp ships).
//   node llama_cpp_bench.mjs MODEL.gguf THREADS [P=512] [N=128] [REPS=3]
// Prints "pp512 mean sd" and "tg128 mean sd" lines (tokens/s).
const {getLlama} = await import(new URL("../../test/node/node_modules/node-llama-cpp/dist/index.js", import.meta.url));

const [modelPath, threadsArg, pArg, nArg, repsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2), P = Number(pArg ?? 512), N = Number(nArg ?? 128), reps = Number(repsArg ?? 3);
const llama = await getLlama({gpu: false, build: "never", logLevel: "error", maxThreads: threads});
const model = await llama.loadModel({modelPath});
const vocab = 32000;  // the llama2 tokenizer the bench model is written with
// A 32-bit LCG in exact integer arithmetic (Math.imul): the product in
// doubles lost its low bits after two draws, so every id became a multiple
// of 64. The high bits are the random ones.
let seed = 42;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return (seed >>> 8) % vocab;
};

async function timed(fn) {
  const context = await model.createContext({contextSize: Math.max(P, N) + 16, batchSize: Math.max(P, 1), threads});
  const sequence = context.getSequence();
  const t0 = process.hrtime.bigint();
  const n = await fn(sequence);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  await context.dispose();
  return n / s;
}
const pp = (seq) => seq.evaluateWithoutGeneratingNewTokens(Array.from({length: P}, rand)).then(() => P);
const tg = async (seq) => {
  let n = 0;
  for await (const _ of seq.evaluate([rand()], {temperature: 0})) if (++n >= N) break;
  return n;
};
function stats(xs) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${mean.toFixed(2)} ${sd.toFixed(2)}`;
}
for (const [name, fn] of [[`pp${P}`, pp], [`tg${N}`, tg]]) {
  await timed(fn);  // warm-up
  const xs = [];
  for (let r = 0; r < reps; ++r) xs.push(await timed(fn));
  console.log(`${name} ${stats(xs)}`);
}
await model.dispose();
await llama.dispose();
