#pragma once
// What templates call without defining it, as the reference renderer has
// it: filters (`x | trim`), tests (`x is defined`), the methods of strings
// and mappings (`s.startswith(...)`, `m.items()`), and the globals
// (`range`, `namespace`, `raise_exception`, `strftime_now`, true/false/none).
// Each throws TemplateError (without a position; the interpreter adds it).
#include <string>

#include "chat/jinja_interpreter.h"
#include "chat/jinja_value.h"

namespace reach::run::jinja {

// `operand | name` (args null) or `operand | name(args)`.
Value apply_filter(const std::string& name, const Value& operand, Args* args);
bool is_filter(const std::string& name);

// `operand is name` / `selectattr(attr, name, arg)`.
bool apply_test(const std::string& name, const Value& operand, const Value* arg = nullptr);
bool is_test(const std::string& name);

// `object.key` / `object[key]`: an item, an attribute, or a method bound to
// the object. Undefined when there is none.
Value member_of(const Value& object, const Value& key);
bool is_method(const std::string& name);

// Strings and lists indexed by a slice [start:stop:step] (each may be undefined).
Value slice_of(const Value& object, const Value& start, const Value& stop, const Value& step);

void add_globals(Scope& scope);

}  // namespace reach::run::jinja
