#include "chat/jinja_builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <set>

#include "chat/jinja_strings.h"

namespace reach::run::jinja {
namespace {

[[noreturn]] void fail(const std::string& what) { throw TemplateError(what, {}); }

// ---------------------------------------------------------------- arguments
const Value* arg(const Args* args, size_t i, const char* keyword) {
  if (!args) return nullptr;
  if (i < args->positional.size()) return &args->positional[i];
  return args->keywords.find(keyword);
}

bool bool_arg(const Args* args, size_t i, const char* keyword, bool fallback) {
  const Value* v = arg(args, i, keyword);
  if (!v) return fallback;
  if (!v->is<bool>()) fail(std::string(keyword) + " must be a boolean");
  return v->as<bool>();
}

// ---------------------------------------------------------------- comparison
bool numeric_like(const Value& v) { return v.is<bool>() || v.is_number(); }

// The reference's sort order: numbers (and booleans) by value, strings
// (case-insensitively unless asked), none with none; anything else is an error.
int compare(const Value& a, const Value& b, bool case_sensitive) {
  if (a.is_none() && b.is_none()) return 0;
  if (a.is_undefined() && b.is_undefined()) return 0;
  if (numeric_like(a) && numeric_like(b)) return a.number() < b.number() ? -1 : a.number() > b.number();
  if (a.is<std::string>() && b.is<std::string>()) {
    std::string x = case_sensitive ? a.str() : ascii_lower(a.str());
    std::string y = case_sensitive ? b.str() : ascii_lower(b.str());
    return x < y ? -1 : x > y;
  }
  fail(std::string("cannot compare ") + type_name(a) + " with " + type_name(b));
}

// `item.a.b` (and `item.0`) as sort(attribute=) and map(attribute=) read it.
Value attribute_path(Value v, const std::string& path) {
  size_t from = 0;
  while (from <= path.size()) {
    size_t dot = path.find('.', from);
    std::string part = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    if (v.is_mapping_like()) {
      const Value* x = v.mapping().find(part);
      v = x ? *x : Value();
    } else if (v.is<ListRef>() && !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit)) {
      size_t i = std::stoul(part);
      v = i < v.list().size() ? v.list()[i] : Value();
    } else {
      return Value();
    }
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  return v;
}

// A string's or mapping's method, called from a filter (`s | replace(...)`).
Value call_method(const Value& object, const std::string& name, Args& args) {
  Scope unused;
  return (*member_of(object, Value(name)).as<FunctionRef>().fn)(args, unused);
}

// ---------------------------------------------------------------- JavaScript text
std::string join_text(const Value& v) {  // Array#join's view of one item
  if (v.is_none() || v.is_undefined()) return "";
  if (v.is_number()) return js_number(v.number());
  if (v.is_mapping_like()) return "[object Map]";
  return to_output(v);
}

bool parse_js_int(const std::string& s, int64_t& out) {  // parseInt(s, 10)
  std::string t = trim(s);
  char* end = nullptr;
  long long x = std::strtoll(t.c_str(), &end, 10);
  if (end == t.c_str()) return false;
  out = x;
  return true;
}

bool parse_js_float(const std::string& s, double& out) {  // parseFloat(s)
  std::string t = trim(s);
  char* end = nullptr;
  double x = std::strtod(t.c_str(), &end);
  if (end == t.c_str() || t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0) return false;
  out = x;
  return true;
}

std::string indent(const std::string& s, int64_t width, bool first, bool blank) {
  std::string pad(size_t(std::max<int64_t>(0, std::min<int64_t>(width, 1 << 16))), ' ');
  auto lines = split(s, nullptr, -1);
  std::string out, sep = "\n";
  std::vector<std::string> parts = split(s, &sep, -1);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += '\n';
    bool skip = (i == 0 && !first) || (parts[i].empty() && !blank);
    out += skip ? parts[i] : pad + parts[i];
  }
  return out;
}

Value tojson(const Value& v, const Args* args) {
  JsonStyle style;
  if (const Value* i = arg(args, 99, "indent"); i && !i->is_none()) {
    if (!i->is<int64_t>()) fail("If set, indent must be a number");
    style.indent = int(std::clamp<int64_t>(i->as<int64_t>(), 0, 64));
  }
  style.ensure_ascii = bool_arg(args, 99, "ensure_ascii", false);
  style.sort_keys = bool_arg(args, 99, "sort_keys", false);
  if (const Value* s = arg(args, 99, "separators"); s && !s->is_none()) {
    if (!s->is<ListRef>() || s->list().size() != 2 || !s->list()[0].is<std::string>() ||
        !s->list()[1].is<std::string>())
      fail("separators must be a tuple of two strings");
    style.item_separator = s->list()[0].str();
    style.key_separator = s->list()[1].str();
    style.separators_given = true;
  }
  return to_json(v, style);
}

// ---------------------------------------------------------------- filters by type
Value list_filter(const std::string& name, const List& items, Args* args) {
  if (name == "list") return make_list(items);
  if (name == "first") return items.empty() ? Value() : items.front();
  if (name == "last") return items.empty() ? Value() : items.back();
  if (name == "length") return int64_t(items.size());
  if (name == "reverse") return make_list(List(items.rbegin(), items.rend()));
  if (name == "string") return to_json(make_list(items), {}, true);
  if (name == "join") {
    const Value* sep = arg(args, 0, "separator");
    if (sep && !sep->is<std::string>()) fail("separator must be a string");
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i && sep ? sep->str() : "") + join_text(items[i]);
    return out;
  }
  if (name == "unique") {
    List out;
    for (const Value& x : items)
      if (std::none_of(out.begin(), out.end(), [&](const Value& y) {
            return strictly_equal(x, y);
          }))
        out.push_back(x);
    return make_list(std::move(out));
  }
  if (name == "sort") {
    bool reverse = bool_arg(args, 0, "reverse", false), case_sensitive = bool_arg(args, 1, "case_sensitive", false);
    const Value* attribute = arg(args, 2, "attribute");
    std::string path = !attribute || attribute->is_none() ? "" : attribute->is<int64_t>() ? std::to_string(attribute->as<int64_t>()) : attribute->is<std::string>() ? attribute->str() : (fail("attribute must be a string, integer, or null"), "");
    auto key = [&](const Value& v) { return path.empty() ? v : attribute_path(v, path); };
    List out = items;
    std::stable_sort(out.begin(), out.end(), [&](const Value& a, const Value& b) {
      int c = compare(key(a), key(b), case_sensitive);
      return reverse ? c > 0 : c < 0;
    });
    return make_list(std::move(out));
  }
  if (args && (name == "selectattr" || name == "rejectattr")) {
    if (args->positional.empty() || !args->positional[0].is<std::string>()) fail("arguments of `" + name + "` must be strings");
    const std::string& attr = args->positional[0].str();
    const Value* test = args->positional.size() > 1 ? &args->positional[1] : nullptr;
    const Value* test_arg = args->positional.size() > 2 ? &args->positional[2] : nullptr;
    if (test && (!test->is<std::string>() || !is_test(test->str()))) fail("unknown test in " + name);
    List out;
    for (const Value& item : items) {
      if (!item.is_mapping_like()) fail("`" + name + "` can only be applied to array of objects");
      const Value* a = item.mapping().find(attr);
      bool hit = a && (test ? apply_test(test->str(), *a, test_arg) : truthy(*a));
      if (hit == (name == "selectattr")) out.push_back(item);
    }
    return make_list(std::move(out));
  }
  if (args && name == "map") {
    const Value* attribute = args->keywords.find("attribute");
    if (!attribute) fail("`map` expressions without `attribute` set are not supported");
    if (!attribute->is<std::string>()) fail("attribute must be a string");
    const Value* fallback = args->keywords.find("default");
    List out;
    for (const Value& item : items) {
      if (!item.is_mapping_like()) fail("items in map must be an object");
      Value v = attribute_path(item, attribute->str());
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return make_list(std::move(out));
  }
  fail("unknown filter '" + name + "' for a list");
}

Value string_filter(const std::string& name, const std::string& s, Args* args) {
  if (name == "length") return int64_t(utf16_length(s));
  if (name == "upper") return ascii_upper(s);
  if (name == "lower") return ascii_lower(s);
  if (name == "title") return title_case(s);
  if (name == "capitalize") return s.empty() ? s : ascii_upper(s.substr(0, 1)) + s.substr(1);
  if (name == "trim") return trim(s);
  if (name == "string") return s;
  if (name == "join") {
    const Value* sep = arg(args, 0, "separator");
    if (sep && !sep->is<std::string>()) fail("separator must be a string");
    std::string out;
    auto chars = characters(s);
    for (size_t i = 0; i < chars.size(); ++i) out += (i && sep ? sep->str() : "") + chars[i];
    return out;
  }
  if (name == "indent") {
    const Value* width = arg(args, 0, "width");
    if (width && !width->is<int64_t>()) fail("width must be a number");
    auto flag = [&](size_t i, const char* k) { const Value* v = arg(args, i, k); return v && truthy(*v); };
    return indent(s, width ? width->as<int64_t>() : 4, flag(1, "first"), flag(2, "blank"));
  }
  if (name == "replace" && args) {
    return call_method(Value(s), "replace", *args);
  }
  if (name == "int") {
    int64_t x;
    return parse_js_int(s, x) ? Value(x) : (arg(args, 0, "default") ? *arg(args, 0, "default") : Value(int64_t(0)));
  }
  if (name == "float") {
    double x;
    return parse_js_float(s, x) ? Value(x) : (arg(args, 0, "default") ? *arg(args, 0, "default") : Value(0.0));
  }
  fail("unknown filter '" + name + "' for a string");
}

Value scalar_filter(const std::string& name, const Value& v, Args* args) {
  if (v.is_number()) {
    if (name == "abs") return v.is<int64_t>() ? Value(int64_t(std::llabs(v.as<int64_t>()))) : Value(std::fabs(v.as<double>()));
    if (name == "int") return args ? v : Value(int64_t(std::floor(v.number())));
    if (name == "float") return args ? v : Value(v.number());
    if (name == "string") return to_output(v);
  }
  if (v.is<bool>()) {
    bool b = v.as<bool>();
    if (name == "bool") return b;
    if (name == "int") return int64_t(b);
    if (name == "float") return b ? 1.0 : 0.0;
    if (name == "string") return std::string(b ? "true" : "false");
  }
  if (v.is<MappingRef>()) {
    if (name == "length") return int64_t(v.mapping().items.size());
    if (is_method(name)) {
      Args none;
      return call_method(v, name, args ? *args : none);
    }
  }
  fail("cannot apply filter \"" + name + "\" to type: " + type_name(v));
}

const std::set<std::string>& filter_names() {
  static const std::set<std::string> kNames = {
      "safe", "tojson", "default", "list", "first", "last", "length", "reverse", "sort", "join", "string",
      "unique", "selectattr", "rejectattr", "map", "upper", "lower", "title", "capitalize", "trim", "indent",
      "replace", "int", "float", "abs", "bool", "items", "keys", "values", "get", "dictsort"};
  return kNames;
}

}  // namespace

bool is_filter(const std::string& name) { return filter_names().count(name) != 0; }

Value apply_filter(const std::string& name, const Value& operand, Args* args) {
  if (!is_filter(name)) fail("unknown filter '" + name + "'");
  if (name == "safe") return operand;
  if (name == "tojson") return tojson(operand, args);
  if (name == "default" && args) {
    const Value* fallback = arg(args, 0, "default_value");
    bool boolean = bool_arg(args, 1, "boolean", false);
    if (operand.is_undefined() || (boolean && !truthy(operand))) return fallback ? *fallback : Value(std::string());
    return operand;
  }
  if (operand.is<ListRef>()) return list_filter(name, operand.list(), args);
  if (operand.is<std::string>()) return string_filter(name, operand.str(), args);
  return scalar_filter(name, operand, args);
}

// ---------------------------------------------------------------- tests
bool is_test(const std::string& name) {
  static const std::set<std::string> kNames = {
      "boolean", "callable", "odd", "even", "false", "true", "none", "string", "number", "integer", "iterable",
      "mapping", "sequence", "lower", "upper", "defined", "undefined", "equalto", "eq"};
  return kNames.count(name) != 0;
}

bool apply_test(const std::string& name, const Value& v, const Value* arg) {
  if (name == "odd" || name == "even") {
    if (!v.is<int64_t>()) fail("cannot " + name + " on " + type_name(v));
    return (v.as<int64_t>() % 2 != 0) == (name == "odd");
  }
  if (name == "boolean") return v.is<bool>();
  if (name == "callable") return v.is<FunctionRef>();
  if (name == "false") return v.is<bool>() && !v.as<bool>();
  if (name == "true") return v.is<bool>() && v.as<bool>();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is<std::string>();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.is<int64_t>();
  if (name == "iterable") return v.is<ListRef>() || v.is<std::string>();
  if (name == "mapping") return v.is<MappingRef>();
  if (name == "sequence") return v.is<ListRef>() || v.is<MappingRef>() || v.is<std::string>();
  if (name == "lower") return v.is<std::string>() && v.str() == ascii_lower(v.str());
  if (name == "upper") return v.is<std::string>() && v.str() == ascii_upper(v.str());
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "equalto" || name == "eq") return arg && strictly_equal(v, *arg);
  fail("unknown test '" + name + "'");
}

// ---------------------------------------------------------------- methods
namespace {

Value method(std::function<Value(Args&)> fn) {
  return make_function([fn = std::move(fn)](Args& args, Scope&) { return fn(args); });
}

const Value& required(Args& args, size_t i, const char* what) {
  if (i >= args.positional.size()) fail(std::string(what) + " requires an argument");
  return args.positional[i];
}

Value affix_test(const std::string& s, Args& args, bool prefix) {
  const Value& pattern = required(args, 0, prefix ? "startswith()" : "endswith()");
  auto test = [&](const Value& p) {
    if (!p.is<std::string>()) fail(std::string(prefix ? "startswith" : "endswith") + "() arguments must be strings");
    const std::string& x = p.str();
    return x.size() <= s.size() && (prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0);
  };
  if (pattern.is<ListRef>()) return std::any_of(pattern.list().begin(), pattern.list().end(), test);
  return test(pattern);
}

Value string_method(const std::string& s, const std::string& name) {
  // strip/lstrip/rstrip take no characters in the reference: always whitespace.
  if (name == "upper") return method([s](Args&) { return Value(ascii_upper(s)); });
  if (name == "lower") return method([s](Args&) { return Value(ascii_lower(s)); });
  if (name == "strip") return method([s](Args&) { return Value(trim(s)); });
  if (name == "lstrip") return method([s](Args&) { return Value(trim(s, true, false)); });
  if (name == "rstrip") return method([s](Args&) { return Value(trim(s, false, true)); });
  if (name == "title") return method([s](Args&) { return Value(title_case(s)); });
  if (name == "capitalize") return method([s](Args&) { return Value(s.empty() ? s : ascii_upper(s.substr(0, 1)) + s.substr(1)); });
  if (name == "length") return int64_t(utf16_length(s));
  if (name == "startswith") return method([s](Args& a) { return affix_test(s, a, true); });
  if (name == "endswith") return method([s](Args& a) { return affix_test(s, a, false); });
  if (name == "split") return method([s](Args& a) {
      const Value* sep = arg(&a, 0, "sep");
      const Value* max = arg(&a, 1, "maxsplit");
      if (sep && !sep->is<std::string>() && !sep->is_none()) fail("sep argument must be a string or null");
      if (max && !max->is<int64_t>()) fail("maxsplit argument must be a number");
      if (sep && sep->is<std::string>() && sep->str().empty()) fail("empty separator");
      List out;
      for (std::string& part : split(s, sep && sep->is<std::string>() ? &sep->str() : nullptr, max ? max->as<int64_t>() : -1))
        out.emplace_back(std::move(part));
      return make_list(std::move(out));
    });
  if (name == "replace") return method([s](Args& a) {
      const Value& from = required(a, 0, "replace()");
      const Value& to = required(a, 1, "replace()");
      if (!from.is<std::string>() || !to.is<std::string>()) fail("replace() arguments must be strings");
      const Value* count = arg(&a, 2, "count");
      if (count && !count->is<int64_t>() && !count->is_none()) fail("replace() count argument must be a number or null");
      return Value(replace(s, from.str(), to.str(), count && count->is<int64_t>() ? count->as<int64_t>() : -1));
    });
  return Value();
}

Value pairs(const Mapping& m) {
  List out;
  for (const auto& [k, v] : m.items) out.push_back(make_list({Value(k), v}));
  return make_list(std::move(out));
}

Value mapping_method(const Value& object, const std::string& name) {
  std::shared_ptr<Mapping> m = object.as<MappingRef>().map;
  if (name == "get") return method([m](Args& a) {
      const Value& key = required(a, 0, "get()");
      if (!key.is<std::string>()) fail(std::string("Object key must be a string: got ") + type_name(key));
      const Value* v = m->find(key.str());
      return v ? *v : a.positional.size() > 1 ? a.positional[1] : Value(None{});
    });
  if (name == "items") return method([m](Args&) { return pairs(*m); });
  if (name == "keys") return method([m](Args&) {
      List out;
      for (const auto& kv : m->items) out.emplace_back(kv.first);
      return make_list(std::move(out));
    });
  if (name == "values") return method([m](Args&) {
      List out;
      for (const auto& kv : m->items) out.push_back(kv.second);
      return make_list(std::move(out));
    });
  if (name == "dictsort") return method([m](Args& a) {
      bool case_sensitive = bool_arg(&a, 0, "case_sensitive", false), reverse = bool_arg(&a, 2, "reverse", false);
      const Value* by = arg(&a, 1, "by");
      if (by && (!by->is<std::string>() || (by->str() != "key" && by->str() != "value"))) fail("by must be either 'key' or 'value'");
      size_t index = by && by->str() == "value" ? 1 : 0;
      List items = pairs(*m).list();
      std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
        int c = compare(x.list()[index], y.list()[index], case_sensitive);
        return reverse ? c > 0 : c < 0;
      });
      return make_list(std::move(items));
    });
  return Value();
}

}  // namespace

bool is_method(const std::string& name) {
  static const std::set<std::string> kNames = {"upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize",
                                               "startswith", "endswith", "split", "replace", "get", "items", "keys",
                                               "values", "dictsort"};
  return kNames.count(name) != 0;
}

Value member_of(const Value& object, const Value& key) {
  if (object.is_mapping_like()) {
    if (!key.is<std::string>()) fail(std::string("cannot access a property with a ") + type_name(key));
    if (const Value* v = object.mapping().find(key.str())) return *v;
    return object.is<MappingRef>() ? mapping_method(object, key.str()) : Value();
  }
  if (object.is<ListRef>() || object.is<std::string>()) {
    if (key.is<int64_t>()) {
      if (object.is<ListRef>()) {
        const List& items = object.list();
        int64_t i = key.as<int64_t>(), n = int64_t(items.size());
        if (i < 0) i += n;
        return i >= 0 && i < n ? items[size_t(i)] : Value();
      }
      auto chars = characters(object.str());
      int64_t i = key.as<int64_t>(), n = int64_t(chars.size());
      if (i < 0) i += n;
      return i >= 0 && i < n ? Value(chars[size_t(i)]) : Value();
    }
    if (!key.is<std::string>()) fail(std::string("cannot access a property with a ") + type_name(key));
    if (object.is<ListRef>()) return key.str() == "length" ? Value(int64_t(object.list().size())) : Value();
    return string_method(object.str(), key.str());
  }
  if (!key.is<std::string>()) fail(std::string("cannot access a property with a ") + type_name(key));
  return Value();
}

Value slice_of(const Value& object, const Value& start, const Value& stop, const Value& step) {
  for (const Value* v : {&start, &stop, &step})
    if (!v->is_undefined() && !v->is<int64_t>()) fail("slice indices must be integers");
  std::vector<Value> items;
  if (object.is<ListRef>()) items = object.list();
  else if (object.is<std::string>()) for (std::string& c : characters(object.str())) items.emplace_back(std::move(c));
  else fail("only lists and strings can be sliced");
  int64_t n = int64_t(items.size());
  int64_t st = step.is_undefined() ? 1 : step.as<int64_t>();
  if (st == 0) fail("slice step cannot be zero");
  // The reference's bounds (utils.ts slice): as Python's, except that a
  // stop of -1 with a negative step means "to the beginning".
  auto get = [](const Value& v, int64_t fallback) { return v.is_undefined() ? fallback : v.as<int64_t>(); };
  int64_t b, e;
  if (st > 0) {
    b = get(start, 0), e = get(stop, n);
    b = b < 0 ? std::max(n + b, int64_t(0)) : std::min(b, n);
    e = e < 0 ? std::max(n + e, int64_t(0)) : std::min(e, n);
  } else {
    b = get(start, n - 1), e = get(stop, -1);
    b = b < 0 ? std::max(n + b, int64_t(-1)) : std::min(b, n - 1);
    e = e < -1 ? std::max(n + e, int64_t(-1)) : std::min(e, n - 1);
  }
  List out;
  for (int64_t i = b; st > 0 ? i < e : i > e; i += st) out.push_back(items[size_t(i)]);
  if (!object.is<std::string>()) return make_list(std::move(out));
  std::string text;
  for (const Value& c : out) text += c.str();
  return text;
}

// ---------------------------------------------------------------- globals
namespace {

Value range_of(Args& a) {
  for (const Value& v : a.positional)
    if (!v.is<int64_t>()) fail("range() arguments must be integers");
  if (a.positional.empty() || a.positional.size() > 3) fail("range() takes 1 to 3 arguments");
  int64_t start = 0, stop, step = 1;
  if (a.positional.size() == 1) stop = a.positional[0].as<int64_t>();
  else start = a.positional[0].as<int64_t>(), stop = a.positional[1].as<int64_t>();
  if (a.positional.size() == 3) step = a.positional[2].as<int64_t>();
  if (step == 0) fail("range() step must not be zero");
  constexpr int64_t kMaxItems = 1 << 20;  // a template is not a loop over billions
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (int64_t(out.size()) >= kMaxItems) fail("range() of more than 1048576 items");
    out.emplace_back(i);
  }
  return make_list(std::move(out));
}

Value namespace_of(Args& a) {
  if (a.positional.size() > 1) fail("namespace expected at most 1 argument");
  Mapping m;
  if (!a.positional.empty()) {
    const Value& src = a.positional[0];
    if (src.is<MappingRef>()) m = src.mapping();
    else if (src.is<ListRef>())
      for (const Value& pair : src.list()) {
        if (!pair.is<ListRef>() || pair.list().size() != 2 || !pair.list()[0].is<std::string>())
          fail("namespace expected an object or an iterable of [key, value] pairs");
        m.set(pair.list()[0].str(), pair.list()[1]);
      }
    else fail(std::string("'") + type_name(src) + "' object is not iterable");
  }
  for (const auto& [k, v] : a.keywords.items) m.set(k, v);
  return NamespaceRef{std::make_shared<Mapping>(std::move(m))};
}

// strftime_now's few directives, in local time with English month names.
Value strftime_now(Args& a) {
  if (a.positional.empty() || !a.positional[0].is<std::string>()) fail("strftime_now() takes a format string");
  static const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July",
                                  "August", "September", "October", "November", "December"};
  std::time_t now = std::time(nullptr);
  std::tm t{};
  localtime_r(&now, &t);
  auto pad2 = [](int x) { return (x < 10 ? "0" : "") + std::to_string(x); };
  const std::string& f = a.positional[0].str();
  std::string out;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '%' || i + 1 == f.size()) {
      out += f[i];
      continue;
    }
    char d = f[++i];
    if (d == 'Y') out += std::to_string(t.tm_year + 1900);
    else if (d == 'm') out += pad2(t.tm_mon + 1);
    else if (d == 'd') out += pad2(t.tm_mday);
    else if (d == 'b') out += std::string(kMonths[t.tm_mon]).substr(0, 3);
    else if (d == 'B') out += kMonths[t.tm_mon];
    else if (d == 'H') out += pad2(t.tm_hour);
    else if (d == 'M') out += pad2(t.tm_min);
    else if (d == '%') out += '%';
    else out += std::string("%") + d;
  }
  return out;
}

}  // namespace

void add_globals(Scope& scope) {
  scope.set("true", true);
  scope.set("false", false);
  scope.set("none", None{});
  scope.set("True", true);
  scope.set("False", false);
  scope.set("None", None{});
  scope.set("range", method(range_of));
  scope.set("namespace", method(namespace_of));
  scope.set("strftime_now", method(strftime_now));
  scope.set("raise_exception", method([](Args& a) -> Value {
              fail("raise_exception: " + (a.positional.empty() ? std::string() : to_output(a.positional[0])));
            }));
}

}  // namespace reach::run::jinja
