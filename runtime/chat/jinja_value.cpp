#include "chat/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tokenizer/unicode.h"

namespace reach::run::jinja {

const Value* Mapping::find(const std::string& key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

void Mapping::set(const std::string& key, Value value) {
  for (auto& [k, v] : items)
    if (k == key) {
      v = std::move(value);
      return;
    }
  items.emplace_back(key, std::move(value));
}

Value make_list(List items) { return ListRef{std::make_shared<List>(std::move(items))}; }
Value make_mapping(Mapping map) { return MappingRef{std::make_shared<Mapping>(std::move(map))}; }
Value make_function(Function fn) { return FunctionRef{std::make_shared<Function>(std::move(fn))}; }

const char* type_name(const Value& v) {
  static constexpr const char* kNames[] = {"UndefinedValue", "NullValue",   "BooleanValue", "IntegerValue",
                                           "FloatValue",     "StringValue", "ArrayValue",   "ObjectValue",
                                           "NamespaceValue", "FunctionValue"};
  return kNames[v.v.index()];
}

bool truthy(const Value& v) {
  if (v.is<bool>()) return v.as<bool>();
  if (v.is<int64_t>()) return v.as<int64_t>() != 0;
  if (v.is<double>()) return v.as<double>() != 0 && !std::isnan(v.as<double>());
  if (v.is<std::string>()) return !v.str().empty();
  if (v.is<ListRef>()) return !v.list().empty();
  if (v.is<MappingRef>()) return !v.mapping().items.empty();
  return v.is<NamespaceRef>() || v.is<FunctionRef>();
}

std::string js_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";
  // Shortest round-trip digits and the decimal exponent, then JavaScript's
  // layout: plain decimals for exponents in [-7, 21), else d.ddde+x.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exponent = std::atoi(sci.c_str() + e + 1);
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int n = exponent + 1;  // position of the decimal point after the first digit
  int k = int(digits.size());
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(n - k, '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, n) + "." + digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(-n, '0') + digits;
  } else {
    out = digits.substr(0, 1) + (k > 1 ? "." + digits.substr(1) : "") + "e" + (n - 1 >= 0 ? "+" : "-") +
          std::to_string(std::abs(n - 1));
  }
  return negative ? "-" + out : out;
}

namespace {

std::string float_output(double d) {
  if (d == 0 && std::signbit(d)) return "-0.0";
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e21) return js_number(d) + ".0";
  return js_number(d);
}

// JSON.stringify's escaping: quotes, backslash and control characters; the
// rest of UTF-8 as it is (or \uXXXX for ensure_ascii, as UTF-16 units).
std::string json_string(const std::string& s, bool ensure_ascii) {
  std::string out = "\"";
  for (const unicode::CodePoint& c : unicode::decode_utf8(s)) {
    uint32_t cp = c.cp;
    char esc[16];
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      default: break;
    }
    if (cp < 0x20) {
      std::snprintf(esc, sizeof esc, "\\u%04x", cp);
      out += esc;
    } else if (ensure_ascii && cp >= 0x7f && cp < unicode::kInvalidByteBase) {
      auto unit = [&](uint32_t u) {
        std::snprintf(esc, sizeof esc, "\\u%04x", u);
        out += esc;
      };
      if (cp >= 0x10000) {
        unit(0xD800 + ((cp - 0x10000) >> 10));
        unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else {
        unit(cp);
      }
    } else {
      out.append(s, c.offset, c.length);
    }
  }
  return out + "\"";
}

struct JsonWriter {
  JsonStyle style;
  bool undefined_as_text;

  std::string write(const Value& v, int depth) const {
    if (v.is_none()) return "null";
    if (v.is_undefined()) return undefined_as_text ? "undefined" : "null";
    if (v.is<bool>()) return v.as<bool>() ? "true" : "false";
    if (v.is<int64_t>()) return std::to_string(v.as<int64_t>());
    if (v.is<double>()) return std::isfinite(v.as<double>()) ? js_number(v.as<double>()) : "null";
    if (v.is<std::string>()) return json_string(v.str(), style.ensure_ascii);
    if (v.is<ListRef>()) return list(v.list(), depth);
    if (v.is_mapping_like()) return mapping(v.mapping(), depth);
    throw std::runtime_error(std::string("Cannot convert to JSON: ") + type_name(v));
  }

  std::string pad(int depth) const { return "\n" + std::string(size_t(style.indent) * depth, ' '); }

  std::string join(const std::vector<std::string>& parts, char open, char close, int depth) const {
    std::string out(1, open);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) out += style.item_separator;
      if (style.indent) out += pad(depth + 1);
      out += parts[i];
    }
    if (style.indent && !parts.empty()) out += pad(depth);
    return out + close;
  }

  std::string list(const List& items, int depth) const {
    std::vector<std::string> parts;
    for (const Value& x : items) parts.push_back(write(x, depth + 1));
    return join(parts, '[', ']', depth);
  }

  std::string mapping(const Mapping& m, int depth) const {
    auto items = m.items;
    if (style.sort_keys)
      std::stable_sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> parts;
    for (const auto& [k, x] : items)
      parts.push_back(json_string(k, style.ensure_ascii) + style.key_separator + write(x, depth + 1));
    return join(parts, '{', '}', depth);
  }
};

}  // namespace

std::string to_json(const Value& v, const JsonStyle& given, bool undefined_as_text) {
  JsonStyle style = given;
  if (!style.separators_given) {
    style.item_separator = style.indent ? "," : ", ";
    style.key_separator = ": ";
  }
  return JsonWriter{style, undefined_as_text}.write(v, 0);
}

std::string to_output(const Value& v) {
  if (v.is<bool>()) return v.as<bool>() ? "true" : "false";
  if (v.is<int64_t>()) return std::to_string(v.as<int64_t>());
  if (v.is<double>()) return float_output(v.as<double>());
  if (v.is<std::string>()) return v.str();
  if (v.is<ListRef>() || v.is_mapping_like()) return to_json(v, {}, /*undefined_as_text=*/true);
  if (v.is<FunctionRef>()) return "[function]";
  return "";
}

Value from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return None{};
    case nlohmann::ordered_json::value_t::boolean: return j.get<bool>();
    case nlohmann::ordered_json::value_t::number_integer: return j.get<int64_t>();
    case nlohmann::ordered_json::value_t::number_unsigned: return int64_t(j.get<uint64_t>());
    case nlohmann::ordered_json::value_t::number_float: {
      double d = j.get<double>();  // JSON.parse makes 2.0 an integer
      return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9007199254740992.0 ? Value(int64_t(d)) : Value(d);
    }
    case nlohmann::ordered_json::value_t::string: return j.get<std::string>();
    case nlohmann::ordered_json::value_t::array: {
      List items;
      for (const auto& x : j) items.push_back(from_json(x));
      return make_list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Mapping m;
      for (const auto& [k, x] : j.items()) m.set(k, from_json(x));
      return make_mapping(std::move(m));
    }
    default: return Value();
  }
}

namespace {

bool numeric_like(const Value& v) { return v.is<bool>() || v.is_number(); }

double js_to_number(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r\f\v"), e = s.find_last_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return 0;
  std::string t = s.substr(b, e - b + 1);
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() ? d : std::nan("");
}

}  // namespace

bool loosely_equal(const Value& a, const Value& b) {
  if ((a.is_none() || a.is_undefined()) && (b.is_none() || b.is_undefined())) return true;
  if (numeric_like(a) && numeric_like(b)) return a.number() == b.number();
  if (a.is<std::string>() && b.is<std::string>()) return a.str() == b.str();
  if (a.is<std::string>() && numeric_like(b)) return js_to_number(a.str()) == b.number();
  if (numeric_like(a) && b.is<std::string>()) return a.number() == js_to_number(b.str());
  if (a.is<ListRef>() && b.is<ListRef>()) return a.as<ListRef>().items == b.as<ListRef>().items;
  if (a.is_mapping_like() && b.is_mapping_like()) return &a.mapping() == &b.mapping();
  if (a.is<FunctionRef>() && b.is<FunctionRef>()) return a.as<FunctionRef>().fn == b.as<FunctionRef>().fn;
  return false;
}

bool strictly_equal(const Value& a, const Value& b) {
  bool same_kind = a.v.index() == b.v.index() || (a.is_number() && b.is_number());
  return same_kind && loosely_equal(a, b);
}

}  // namespace reach::run::jinja
