// reach-run serve driven by the official OpenAI client (npm `openai`, a
// client none of us wrote): chat and completions, streamed and not, a stop
// string, usage, logprobs, and an error the client must surface. Exits 1 on
// the first failed check, printing it.
//   node openai_client.mjs PORT
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../node/package.json"));
const { default: OpenAI } = await import(require.resolve("openai"));

const client = new OpenAI({ baseURL: `http://127.0.0.1:${process.argv[2]}/v1`, apiKey: "unused", maxRetries: 0 });
const messages = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "Hello there" },
];
const greedy = { model: "tiny", temperature: 0, max_tokens: 6 };

// Chat, whole: the text, the reason, the usage.
const chat = await client.chat.completions.create({ ...greedy, messages });
assert.equal(chat.object, "chat.completion");
assert.equal(chat.choices[0].finish_reason, "length");
assert.equal(chat.usage.completion_tokens, 6);
assert.equal(chat.usage.total_tokens, chat.usage.prompt_tokens + 6);
const text = chat.choices[0].message.content;
assert.ok(text.length > 0);
console.log("chat:", JSON.stringify(text));

// Chat, streamed: the same text in chunks, then the usage chunk.
let streamed = "", finish = null, usage = null;
const stream = await client.chat.completions.create({ ...greedy, messages, stream: true,
                                                      stream_options: { include_usage: true } });
for await (const chunk of stream) {
  if (chunk.usage) usage = chunk.usage;
  if (!chunk.choices.length) continue;
  streamed += chunk.choices[0].delta?.content ?? "";
  finish = chunk.choices[0].finish_reason ?? finish;
}
assert.equal(streamed, text);
assert.equal(finish, "length");
assert.deepEqual(usage, chat.usage);
console.log("chat stream: same text, usage", JSON.stringify(usage));

// Logprobs: one entry per token, greedy's token the most likely.
const withLogprobs = await client.chat.completions.create({ ...greedy, messages, logprobs: true, top_logprobs: 2 });
const entries = withLogprobs.choices[0].logprobs.content;
assert.equal(entries.length, 6);
for (const e of entries) {
  assert.equal(e.token, e.top_logprobs[0].token);
  assert.ok(e.logprob <= 0);
}
assert.equal(entries.map((e) => e.token).join(""), withLogprobs.choices[0].message.content);
console.log("chat logprobs:", entries.map((e) => e.logprob.toFixed(3)).join(" "));

// Completions, and a stop string cut out of the text.
const completion = await client.completions.create({ ...greedy, prompt: "Once upon a time" });
assert.equal(completion.object, "text_completion");
const whole = completion.choices[0].text;
const stopAt = [...whole].slice(2, 3).join("");
if (stopAt.trim()) {
  const stopped = await client.completions.create({ ...greedy, prompt: "Once upon a time", stop: [stopAt] });
  assert.equal(stopped.choices[0].finish_reason, "stop");
  assert.equal(stopped.choices[0].text, whole.slice(0, whole.indexOf(stopAt)));
  console.log("completion stop:", JSON.stringify(stopAt), "->", JSON.stringify(stopped.choices[0].text));
}
const legacy = await client.completions.create({ ...greedy, prompt: "Once upon a time", logprobs: 1 });
assert.equal(legacy.choices[0].logprobs.tokens.join(""), legacy.choices[0].text);

// A bad request surfaces as the client's BadRequestError, naming the field.
await assert.rejects(client.chat.completions.create({ ...greedy, messages, n: 2 }), (e) => {
  assert.equal(e.status, 400);
  assert.equal(e.param, "n");
  return true;
});
const models = await client.models.list();
assert.equal(models.data[0].id, "tiny");
console.log("openai client: all checks passed");
