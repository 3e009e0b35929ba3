#pragma once
// The values a chat template computes with, as @huggingface/jinja has them
// (the reference renderer the project's templates are checked against):
// undefined, none, booleans, integers, floats, strings, lists, mappings
// (insertion-ordered, as JSON objects and Python dicts are), namespaces and
// functions. Lists and mappings are shared, as in Python and JavaScript:
// `set ns.x = 1` is seen by every holder of `ns`.
//
// Where the reference is JavaScript, so are the rules here: `{{ true }}`
// prints "true", a float with no fraction prints "2.0" but is "2" in
// tojson, and a JSON number without a fraction is an integer.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace reach::run::jinja {

struct Value;
struct Undefined {};
struct None {};
using List = std::vector<Value>;
struct Mapping {
  std::vector<std::pair<std::string, Value>> items;  // insertion order
  const Value* find(const std::string& key) const;
  void set(const std::string& key, Value value);
};
struct ListRef {
  std::shared_ptr<List> items;
};
struct MappingRef {
  std::shared_ptr<Mapping> map;
};
struct NamespaceRef {  // `namespace(...)`: attributes only, assignable from inner scopes
  std::shared_ptr<Mapping> map;
};

// A call's arguments: positional, then keyword (in call order).
struct Args {
  std::vector<Value> positional;
  Mapping keywords;
};
class Scope;
using Function = std::function<Value(Args&, Scope&)>;
struct FunctionRef {
  std::shared_ptr<Function> fn;
};

struct Value {
  std::variant<Undefined, None, bool, int64_t, double, std::string, ListRef, MappingRef, NamespaceRef, FunctionRef> v;

  Value() = default;
  Value(None n) : v(n) {}
  Value(bool b) : v(b) {}
  Value(int64_t i) : v(i) {}
  Value(double d) : v(d) {}
  Value(std::string s) : v(std::move(s)) {}
  Value(const char*) = delete;  // would otherwise become a bool
  Value(ListRef l) : v(std::move(l)) {}
  Value(MappingRef m) : v(std::move(m)) {}
  Value(NamespaceRef n) : v(std::move(n)) {}
  Value(FunctionRef f) : v(std::move(f)) {}

  template <class T> bool is() const { return std::holds_alternative<T>(v); }
  template <class T> const T& as() const { return std::get<T>(v); }
  bool is_undefined() const { return is<Undefined>(); }
  bool is_none() const { return is<None>(); }
  bool is_number() const { return is<int64_t>() || is<double>(); }
  double number() const { return is<int64_t>() ? double(as<int64_t>()) : is<double>() ? as<double>() : double(as<bool>()); }
  const std::string& str() const { return as<std::string>(); }
  List& list() const { return *as<ListRef>().items; }
  Mapping& mapping() const { return is<MappingRef>() ? *as<MappingRef>().map : *as<NamespaceRef>().map; }
  bool is_mapping_like() const { return is<MappingRef>() || is<NamespaceRef>(); }
};

Value make_list(List items = {});
Value make_mapping(Mapping map = {});
Value make_function(Function fn);

// "UndefinedValue", "StringValue", ...: the reference's names, for messages.
const char* type_name(const Value& v);
bool truthy(const Value& v);
// What `{{ v }}` prints (undefined and none print nothing: the caller skips them).
std::string to_output(const Value& v);
// JavaScript's Number#toString: the shortest text that reads back the same.
std::string js_number(double d);

struct JsonStyle {
  int indent = 0;  // 0: one line
  bool ensure_ascii = false;
  bool sort_keys = false;
  std::string item_separator = ", ", key_separator = ": ";  // set from indent unless given
  bool separators_given = false;
};
// The `tojson` filter (undefined becomes null); `undefined_as_text` gives
// the reference's printing of a list or mapping instead.
std::string to_json(const Value& v, const JsonStyle& style = {}, bool undefined_as_text = false);
// JSON to values; objects keep their order (ordered_json: the order a
// client wrote a tool's schema in is the order tojson prints it in).
Value from_json(const nlohmann::ordered_json& j);

// The reference's `==`: numbers (and booleans) by value, strings by text,
// none equals undefined, lists and mappings by identity.
bool loosely_equal(const Value& a, const Value& b);
// The reference's `===` (`in` over a list, `unique`, `equalto`): the same
// kind of value (all numbers are one kind) and equal.
bool strictly_equal(const Value& a, const Value& b);

}  // namespace reach::run::jinja
