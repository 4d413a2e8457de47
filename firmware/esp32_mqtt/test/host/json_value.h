// A JSON reader for the test vectors (objects, arrays, strings, numbers, literals).
// Test code only: the firmware itself reads commands with the flat parser in the core.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace testjson {

struct Value {
    enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
    bool boolean = false;
    double number = 0;
    std::string text;
    std::vector<Value> items;
    std::vector<std::pair<std::string, Value>> members;  // file order kept

    bool is_null() const { return kind == Kind::Null; }
    bool has(const std::string& key) const;
    const Value& operator[](const std::string& key) const;  // aborts with the key if missing
    const Value& operator[](size_t index) const { return items.at(index); }
    size_t size() const { return kind == Kind::Array ? items.size() : members.size(); }
    const std::string& str() const;
    long long integer() const { return static_cast<long long>(number); }
};

Value parse(const std::string& text);  // aborts with the offset on malformed JSON
Value load_vector(const std::string& name);  // a file under the vectors directory

}  // namespace testjson
