#include "chat/jinja_interpreter.h"

#include <algorithm>
#include <cmath>

#include "chat/jinja_builtins.h"

namespace reach::run::jinja {

Value Scope::lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_)
    if (auto it = s->vars_.find(name); it != s->vars_.end()) return it->second;
  return Value();
}

namespace {

struct BreakLoop {};
struct ContinueLoop {};

[[noreturn]] void fail(const std::string& what) { throw TemplateError(what, {}); }

class Interpreter {
 public:
  explicit Interpreter(const RenderLimits& limits) : limits_(limits) {}

  std::string block(const std::vector<NodePtr>& nodes, Scope& scope) {
    std::string out;
    for (const NodePtr& n : nodes) {
      Value v = eval(*n, scope);
      if (!v.is_none() && !v.is_undefined()) append(out, to_output(v), n->at);
    }
    return out;
  }

  void append(std::string& out, const std::string& piece, SourcePos at) const {
    if (out.size() + piece.size() > limits_.max_output_bytes)
      throw TemplateError("the template's output passes the size limit", at);
    out += piece;
  }

  // Every node evaluates to a value; a failure without a place gets this node's.
  Value eval(const Node& n, Scope& scope) {
    try {
      return dispatch(n, scope);
    } catch (const TemplateError& e) {
      if (e.where().line) throw;
      throw TemplateError(e.message(), n.at);
    }
  }

 private:
  const RenderLimits& limits_;
  int call_depth_ = 0;

  Value dispatch(const Node& n, Scope& s) {
    switch (n.kind) {
      case NodeKind::Text: return n.name;
      case NodeKind::If: return block(truthy(eval(*n.a, s)) ? n.body : n.orelse, s);
      case NodeKind::For: return for_loop(n, s);
      case NodeKind::Set: return set(n, s);
      case NodeKind::Macro: return s.set(n.name, macro(n.args, n.body)), Value(None{});
      case NodeKind::CallBlock: return call_block(n, s);
      case NodeKind::FilterBlock: return filter(Value(block(n.body, s)), *n.a, s);
      case NodeKind::Break: throw BreakLoop{};
      case NodeKind::Continue: throw ContinueLoop{};
      case NodeKind::Comment: return None{};
      case NodeKind::Integer: return int64_t(n.number);
      case NodeKind::Float: return n.number;
      case NodeKind::String: return n.name;
      case NodeKind::Name: return s.lookup(n.name);
      case NodeKind::List:
      case NodeKind::Tuple: return make_list(values(n.args, s));
      case NodeKind::Dict: return dict(n, s);
      case NodeKind::Member: return member(n, s);
      case NodeKind::Call: return call(n, s);
      case NodeKind::Unary: return unary(n, s);
      case NodeKind::Binary: return binary(n, s);
      case NodeKind::Filter: return filter(eval(*n.a, s), *n.b, s);
      case NodeKind::Test: return test(n, s);
      case NodeKind::Select: return truthy(eval(*n.b, s)) ? eval(*n.a, s) : Value();
      case NodeKind::Ternary: return truthy(eval(*n.b, s)) ? eval(*n.a, s) : eval(*n.c, s);
      default: fail("this expression cannot stand here");
    }
  }

  List values(const std::vector<NodePtr>& nodes, Scope& s) {
    List out;
    for (const NodePtr& x : nodes) out.push_back(eval(*x, s));
    return out;
  }

  Value dict(const Node& n, Scope& s) {
    Mapping m;
    for (size_t i = 0; i + 1 < n.args.size(); i += 2) {
      Value key = eval(*n.args[i], s);
      if (!key.is<std::string>()) fail(std::string("mapping keys must be strings, got ") + type_name(key));
      m.set(key.str(), eval(*n.args[i + 1], s));
    }
    return make_mapping(std::move(m));
  }

  Value member(const Node& n, Scope& s) {
    Value object = eval(*n.a, s);
    const Node& p = *n.b;
    if (n.computed && p.kind == NodeKind::Slice) {
      auto part = [&](const NodePtr& x) { return x ? eval(*x, s) : Value(); };
      return slice_of(object, part(p.a), part(p.b), part(p.c));
    }
    Value key = n.computed ? eval(p, s) : p.kind == NodeKind::Integer ? Value(int64_t(p.number)) : Value(p.name);
    return member_of(object, key);
  }

  Args arguments(const std::vector<NodePtr>& nodes, Scope& s) {
    Args args;
    for (const NodePtr& x : nodes) {  // positional first, as Python evaluates them
      if (x->kind == NodeKind::Spread) {
        Value v = eval(*x->a, s);
        if (!v.is<ListRef>()) fail(std::string("cannot unpack ") + type_name(v) + " with '*'");
        for (const Value& item : v.list()) args.positional.push_back(item);
      } else if (x->kind != NodeKind::Keyword && x->kind != NodeKind::KeywordSpread) {
        args.positional.push_back(eval(*x, s));
      }
    }
    for (const NodePtr& x : nodes) {
      if (x->kind == NodeKind::Keyword) add_keyword(args, x->name, eval(*x->a, s));
      if (x->kind == NodeKind::KeywordSpread) {
        Value v = eval(*x->a, s);
        if (!v.is<MappingRef>()) fail(std::string("the argument after '**' must be a mapping, not ") + type_name(v));
        for (const auto& [k, item] : v.mapping().items) add_keyword(args, k, item);
      }
    }
    return args;
  }

  static void add_keyword(Args& args, const std::string& key, Value v) {
    if (args.keywords.find(key)) fail("got multiple values for keyword argument '" + key + "'");
    args.keywords.set(key, std::move(v));
  }

  Value call(const Node& n, Scope& s) {
    Args args = arguments(n.args, s);
    Value fn = eval(*n.a, s);
    if (!fn.is<FunctionRef>()) fail(std::string("cannot call something that is not a function: got ") + type_name(fn));
    return invoke(fn, args, s);
  }

  Value invoke(const Value& fn, Args& args, Scope& s) {
    if (call_depth_ >= limits_.max_call_depth) fail("calls nested too deeply");
    ++call_depth_;
    struct Leave {
      int& depth;
      ~Leave() { --depth; }
    } leave{call_depth_};
    return (*fn.as<FunctionRef>().fn)(args, s);
  }

  Value filter(const Value& operand, const Node& f, Scope& s) {
    if (f.kind == NodeKind::Name) return apply_filter(f.name, operand, nullptr);
    Args args = arguments(f.args, s);
    return apply_filter(f.a->name, operand, &args);
  }

  Value test(const Node& n, Scope& s) {
    Value v = eval(*n.a, s);
    if (!is_test(n.name)) fail("unknown test '" + n.name + "'");
    return apply_test(n.name, v) != n.negate;
  }

  Value unary(const Node& n, Scope& s) {
    Value v = eval(*n.a, s);
    if (n.name == "not") return !truthy(v);
    if (!v.is_number() && !v.is<bool>()) fail("unary '" + n.name + "' on " + type_name(v));
    double sign = n.name == "-" ? -1 : 1;
    if (v.is<double>()) return sign * v.as<double>();
    return int64_t(sign * v.number());
  }

  Value binary(const Node& n, Scope& s) {
    Value l = eval(*n.a, s);
    if (n.name == "and") return truthy(l) ? eval(*n.b, s) : l;
    if (n.name == "or") return truthy(l) ? l : eval(*n.b, s);
    Value r = eval(*n.b, s);
    if (n.name == "==") return loosely_equal(l, r);
    if (n.name == "!=") return !loosely_equal(l, r);
    if (l.is_undefined() || r.is_undefined()) {
      if (r.is_undefined() && (n.name == "in" || n.name == "not in")) return n.name == "not in";
      fail("cannot perform operation " + n.name + " on undefined values");
    }
    if (l.is_none() || r.is_none()) fail("cannot perform operation " + n.name + " on null values");
    if (n.name == "~") return to_text(l) + to_text(r);
    if (n.name == "**" && (l.is_number() || l.is<bool>()) && (r.is_number() || r.is<bool>())) return power(l, r);
    if (l.is_number() && r.is_number()) return arithmetic(n.name, l, r);
    if (l.is<ListRef>() && r.is<ListRef>() && n.name == "+") {
      List joined = l.list();
      joined.insert(joined.end(), r.list().begin(), r.list().end());
      return make_list(std::move(joined));
    }
    if (r.is<ListRef>() && (n.name == "in" || n.name == "not in")) return contains(r.list(), l) == (n.name == "in");
    if ((l.is<std::string>() || r.is<std::string>()) && n.name == "+") return to_text(l) + to_text(r);
    if (l.is<std::string>() && r.is<std::string>() && (n.name == "in" || n.name == "not in"))
      return (r.str().find(l.str()) != std::string::npos) == (n.name == "in");
    if (l.is<std::string>() && r.is<MappingRef>() && (n.name == "in" || n.name == "not in"))
      return (r.mapping().find(l.str()) != nullptr) == (n.name == "in");
    fail("unknown operator \"" + n.name + "\" between " + type_name(l) + " and " + type_name(r));
  }

  // JavaScript's `value.toString()`, which `~` and `+` use on their operands.
  static std::string to_text(const Value& v) {
    if (v.is<int64_t>() || v.is<double>()) return js_number(v.number());
    return to_output(v);
  }

  // The reference's `in` over a list: strict equality of plain values.
  static bool contains(const List& items, const Value& x) {
    return std::any_of(items.begin(), items.end(), [&](const Value& item) { return strictly_equal(item, x); });
  }

  static Value power(const Value& l, const Value& r) {
    double a = l.number(), b = r.number();
    if (a == 0 && b < 0) fail("0.0 cannot be raised to a negative power");
    double p = std::pow(a, b);
    if (!std::isfinite(p)) fail("exponentiation result is not a finite real number");
    if (l.is<double>() || r.is<double>() || b < 0) return p;
    return int64_t(p);
  }

  static Value arithmetic(const std::string& op, const Value& l, const Value& r) {
    double a = l.number(), b = r.number();
    bool real = l.is<double>() || r.is<double>();
    auto number = [&](double x) { return real ? Value(x) : Value(int64_t(x)); };
    if (op == "+") return real ? Value(a + b) : Value(l.as<int64_t>() + r.as<int64_t>());
    if (op == "-") return real ? Value(a - b) : Value(l.as<int64_t>() - r.as<int64_t>());
    if (op == "*") return real ? Value(a * b) : Value(l.as<int64_t>() * r.as<int64_t>());
    if (op == "/") return a / b;
    if (op == "//") {
      if (b == 0) fail("integer division or modulo by zero");
      return number(std::floor(a / b));
    }
    if (op == "%") {
      if (b == 0) fail("integer division or modulo by zero");
      return number(std::fmod(a, b));
    }
    if (op == "<") return a < b;
    if (op == ">") return a > b;
    if (op == "<=") return a <= b;
    if (op == ">=") return a >= b;
    fail("unknown operator \"" + op + "\" between numbers");
  }

  Value set(const Node& n, Scope& s) {
    Value v = n.b ? eval(*n.b, s) : Value(block(n.body, s));
    const Node& target = *n.a;
    if (target.kind == NodeKind::Name) {
      s.set(target.name, std::move(v));
    } else if (target.kind == NodeKind::Tuple) {
      unpack(target, v, s);
    } else if (target.kind == NodeKind::Member && !target.computed && target.b->kind == NodeKind::Name) {
      Value object = eval(*target.a, s);
      if (!object.is<NamespaceRef>()) fail("cannot assign an attribute of anything but a namespace");
      object.mapping().set(target.b->name, std::move(v));
    } else {
      fail("cannot assign to this expression");
    }
    return None{};
  }

  static void unpack(const Node& names, const Value& v, Scope& s) {
    if (!v.is<ListRef>()) fail(std::string("cannot unpack ") + type_name(v));
    const List& items = v.list();
    if (items.size() != names.args.size())
      fail(std::string("too ") + (names.args.size() > items.size() ? "few" : "many") + " items to unpack");
    for (size_t i = 0; i < items.size(); ++i) {
      if (names.args[i]->kind != NodeKind::Name) fail("can only unpack into names");
      s.set(names.args[i]->name, items[i]);
    }
  }

  Value for_loop(const Node& n, Scope& outer) {
    Scope scope(&outer);
    Value iterable = eval(*n.b, scope);
    if (iterable.is<MappingRef>()) {  // a mapping loops over its keys
      List keys;
      for (const auto& kv : iterable.mapping().items) keys.emplace_back(kv.first);
      iterable = make_list(std::move(keys));
    }
    if (!iterable.is<ListRef>()) fail(std::string("cannot loop over ") + type_name(iterable));
    List items;
    for (const Value& item : iterable.list()) {
      if (n.c) {  // for x in xs if cond: the condition sees x, not loop
        Scope trial(&scope);
        bind(*n.a, item, trial);
        if (!truthy(eval(*n.c, trial))) continue;
      }
      items.push_back(item);
    }
    std::string out;
    bool ran = false;
    for (size_t i = 0; i < items.size(); ++i) {
      scope.set("loop", loop_info(items, i));
      bind(*n.a, items[i], scope);
      try {
        append(out, block(n.body, scope), n.at);
      } catch (const ContinueLoop&) {
        continue;
      } catch (const BreakLoop&) {
        break;
      }
      ran = true;
    }
    if (!ran) out += block(n.orelse, scope);
    return out;
  }

  static void bind(const Node& target, const Value& item, Scope& s) {
    if (target.kind == NodeKind::Name) return s.set(target.name, item);
    unpack(target, item, s);
  }

  static Value loop_info(const List& items, size_t i) {
    int64_t n = int64_t(items.size()), k = int64_t(i);
    Mapping m;
    m.set("index", k + 1);
    m.set("index0", k);
    m.set("revindex", n - k);
    m.set("revindex0", n - k - 1);
    m.set("first", k == 0);
    m.set("last", k == n - 1);
    m.set("length", n);
    m.set("previtem", k > 0 ? items[i - 1] : Value());
    m.set("nextitem", k < n - 1 ? items[i + 1] : Value());
    return make_mapping(std::move(m));
  }

  // A macro (or a call block's caller): parameters bound by position, then
  // by keyword, then defaults evaluated in the new scope.
  Value macro(const std::vector<NodePtr>& params, const std::vector<NodePtr>& body) {
    return make_function([this, &params, &body](Args& args, Scope& caller) -> Value {
      Scope scope(&caller);
      bind_parameters(params, args, scope);
      return block(body, scope);
    });
  }

  void bind_parameters(const std::vector<NodePtr>& params, Args& args, Scope& scope) {
    std::vector<const Node*> defaults;
    for (size_t i = 0; i < params.size(); ++i) {
      const Node& p = *params[i];
      Value v;
      if (i < args.positional.size()) {
        v = args.positional[i];
      } else if (const Value* kw = args.keywords.find(p.name)) {
        v = *kw;
        std::erase_if(args.keywords.items, [&](const auto& kv) { return kv.first == p.name; });
      } else if (p.kind == NodeKind::Keyword) {
        defaults.push_back(&p);
      }
      scope.set(p.name, v);
    }
    // Extra arguments are kept in varargs/kwargs whether or not the body
    // reads them (the reference refuses them when it does not).
    List rest(args.positional.begin() + std::min(args.positional.size(), params.size()), args.positional.end());
    scope.set("varargs", make_list(std::move(rest)));
    scope.set("kwargs", make_mapping(args.keywords));
    for (const Node* d : defaults) scope.set(d->name, eval(*d->a, scope));
  }

  Value call_block(const Node& n, Scope& s) {
    Value caller = macro(n.args, n.body);
    const Node& call_node = *n.a;
    Args args = arguments(call_node.args, s);
    Value fn = eval(*call_node.a, s);
    if (!fn.is<FunctionRef>()) fail(std::string("cannot call something that is not a function: got ") + type_name(fn));
    Scope with_caller(&s);
    with_caller.set("caller", caller);
    return invoke(fn, args, with_caller);
  }
};

}  // namespace

std::string render(const Program& program, Scope& globals, const RenderLimits& limits) {
  Interpreter interpreter(limits);
  try {
    return interpreter.block(program.body, globals);
  } catch (const BreakLoop&) {
    throw TemplateError("'break' outside a loop", {});
  } catch (const ContinueLoop&) {
    throw TemplateError("'continue' outside a loop", {});
  }
}

}  // namespace reach::run::jinja
