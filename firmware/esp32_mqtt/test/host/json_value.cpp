#include "json_value.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#ifndef MH_VECTORS_DIR
#error "build with -DMH_VECTORS_DIR=\"<path of test/vectors>\""
#endif

namespace testjson {

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "test vectors: %s\n", what.c_str());
    std::exit(2);
}

class Parser {
public:
    explicit Parser(const std::string& text) : s_(text) {}

    Value document() {
        Value v = value();
        space();
        if (i_ != s_.size()) die("trailing data at offset " + std::to_string(i_));
        return v;
    }

private:
    void space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
    }
    void expect(char c) {
        space();
        if (i_ >= s_.size() || s_[i_] != c) die(std::string("expected '") + c + "' at offset " + std::to_string(i_));
        ++i_;
    }
    void utf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }
    std::string string() {
        expect('"');
        std::string out;
        while (i_ < s_.size() && s_[i_] != '"') {
            char c = s_[i_++];
            if (c != '\\') {
                out += c;
                continue;
            }
            char e = s_[i_++];
            switch (e) {
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'u': utf8(out, static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16))); i_ += 4; break;
                default: out += e;
            }
        }
        expect('"');
        return out;
    }
    Value value() {
        space();
        Value v;
        if (i_ >= s_.size()) die("unexpected end");
        char c = s_[i_];
        if (c == '{') {
            v.kind = Value::Kind::Object;
            ++i_;
            space();
            if (s_[i_] == '}') { ++i_; return v; }
            while (true) {
                std::string key = string();
                expect(':');
                v.members.emplace_back(key, value());
                space();
                if (s_[i_] == ',') { ++i_; continue; }
                expect('}');
                return v;
            }
        }
        if (c == '[') {
            v.kind = Value::Kind::Array;
            ++i_;
            space();
            if (s_[i_] == ']') { ++i_; return v; }
            while (true) {
                v.items.push_back(value());
                space();
                if (s_[i_] == ',') { ++i_; continue; }
                expect(']');
                return v;
            }
        }
        if (c == '"') {
            v.kind = Value::Kind::String;
            v.text = string();
            return v;
        }
        if (s_.compare(i_, 4, "true") == 0) { i_ += 4; v.kind = Value::Kind::Bool; v.boolean = true; return v; }
        if (s_.compare(i_, 5, "false") == 0) { i_ += 5; v.kind = Value::Kind::Bool; return v; }
        if (s_.compare(i_, 4, "null") == 0) { i_ += 4; return v; }
        size_t used = 0;
        v.kind = Value::Kind::Number;
        v.number = std::stod(s_.substr(i_, 32), &used);
        i_ += used;
        return v;
    }

    const std::string& s_;
    size_t i_ = 0;
};

}  // namespace

bool Value::has(const std::string& key) const {
    for (const auto& m : members)
        if (m.first == key) return true;
    return false;
}

const Value& Value::operator[](const std::string& key) const {
    for (const auto& m : members)
        if (m.first == key) return m.second;
    die("missing key '" + key + "'");
}

const std::string& Value::str() const {
    if (kind != Kind::String) die("not a string");
    return text;
}

Value parse(const std::string& text) { return Parser(text).document(); }

Value load_vector(const std::string& name) {
    std::ifstream file(std::string(MH_VECTORS_DIR) + "/" + name, std::ios::binary);
    if (!file) die("cannot open " + name);
    std::stringstream content;
    content << file.rdbuf();
    return parse(content.str());
}

}  // namespace testjson
