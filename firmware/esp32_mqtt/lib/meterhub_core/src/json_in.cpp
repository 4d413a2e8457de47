#include "json_in.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace meterhub {

namespace {

class Cursor {
public:
    Cursor(const char* data, size_t length) : data_(data), end_(data + length), at_(data) {}

    void skip_space() {
        while (at_ < end_ && (*at_ == ' ' || *at_ == '\t' || *at_ == '\n' || *at_ == '\r')) ++at_;
    }
    bool done() const { return at_ >= end_; }
    char peek() const { return at_ < end_ ? *at_ : '\0'; }
    bool take(char c) {
        if (peek() != c || done()) return false;
        ++at_;
        return true;
    }
    bool take_word(const char* word) {
        size_t n = std::strlen(word);
        if (static_cast<size_t>(end_ - at_) < n || std::memcmp(at_, word, n) != 0) return false;
        at_ += n;
        return true;
    }
    size_t offset() const { return static_cast<size_t>(at_ - data_); }

    bool fail(std::string* error, const char* what) {
        if (error) *error = std::string(what) + " at offset " + std::to_string(offset());
        return false;
    }

    static void put_utf8(std::string& out, unsigned code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    bool hex4(unsigned* code) {
        if (end_ - at_ < 4) return false;
        unsigned value = 0;
        for (int i = 0; i < 4; ++i) {
            char c = *at_++;
            value <<= 4;
            if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
            else return false;
        }
        *code = value;
        return true;
    }

    bool string(std::string* out, std::string* error) {
        if (!take('"')) return fail(error, "expected '\"'");
        out->clear();
        while (!done()) {
            char c = *at_++;
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail(error, "control character in string");
            if (c != '\\') {
                *out += c;
                continue;
            }
            if (done()) break;
            char e = *at_++;
            switch (e) {
                case '"': *out += '"'; break;
                case '\\': *out += '\\'; break;
                case '/': *out += '/'; break;
                case 'b': *out += '\b'; break;
                case 'f': *out += '\f'; break;
                case 'n': *out += '\n'; break;
                case 'r': *out += '\r'; break;
                case 't': *out += '\t'; break;
                case 'u': {
                    unsigned code;
                    if (!hex4(&code)) return fail(error, "bad \\u escape");
                    if (code >= 0xD800 && code < 0xDC00) {  // a surrogate pair spells one code point
                        unsigned low;
                        if (!take('\\') || !take('u') || !hex4(&low) || low < 0xDC00 || low > 0xDFFF)
                            return fail(error, "unpaired surrogate");
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                    }
                    put_utf8(*out, code);
                    break;
                }
                default: return fail(error, "bad escape");
            }
        }
        return fail(error, "unterminated string");
    }

    bool number(JsonField* field, std::string* error) {
        const char* start = at_;
        take('-');
        if (!(peek() >= '0' && peek() <= '9')) return fail(error, "bad number");
        if (!take('0'))
            while (peek() >= '0' && peek() <= '9' && !done()) ++at_;
        if (take('.')) {
            if (!(peek() >= '0' && peek() <= '9')) return fail(error, "bad number");
            while (peek() >= '0' && peek() <= '9' && !done()) ++at_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++at_;
            if (!take('+')) take('-');
            if (!(peek() >= '0' && peek() <= '9')) return fail(error, "bad number");
            while (peek() >= '0' && peek() <= '9' && !done()) ++at_;
        }
        field->kind = JsonField::Kind::Number;
        field->text.assign(start, at_);
        field->number = std::strtod(field->text.c_str(), nullptr);
        return true;
    }

private:
    const char* data_;
    const char* end_;
    const char* at_;
};

}  // namespace

bool FlatJsonObject::parse(const char* data, size_t length, std::string* error) {
    fields_.clear();
    Cursor in(data, length);
    in.skip_space();
    if (!in.take('{')) return in.fail(error, "expected a JSON object");
    in.skip_space();
    if (!in.take('}')) {
        while (true) {
            JsonField field;
            in.skip_space();
            if (!in.string(&field.name, error)) return false;
            if (find(field.name.c_str())) {
                if (error) *error = "duplicate key '" + field.name + "'";
                return false;
            }
            in.skip_space();
            if (!in.take(':')) return in.fail(error, "expected ':'");
            in.skip_space();
            char c = in.peek();
            if (c == '"') {
                field.kind = JsonField::Kind::String;
                if (!in.string(&field.text, error)) return false;
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                if (!in.number(&field, error)) return false;
            } else if (in.take_word("true")) {
                field.kind = JsonField::Kind::Bool;
                field.boolean = true;
            } else if (in.take_word("false")) {
                field.kind = JsonField::Kind::Bool;
            } else if (in.take_word("null")) {
                field.kind = JsonField::Kind::Null;
            } else if (c == '{' || c == '[') {
                if (error) *error = "nested value for '" + field.name + "' is not supported";
                return false;
            } else {
                return in.fail(error, "expected a value");
            }
            fields_.push_back(field);
            in.skip_space();
            if (in.take('}')) break;
            if (!in.take(',')) return in.fail(error, "expected ',' or '}'");
        }
    }
    in.skip_space();
    if (!in.done()) return in.fail(error, "unexpected data after the object");
    return true;
}

const JsonField* FlatJsonObject::find(const char* name) const {
    for (const auto& field : fields_)
        if (field.name == name) return &field;
    return nullptr;
}

bool json_integer_in_range(const JsonField& field, long lo, long hi, long* out) {
    if (field.kind != JsonField::Kind::Number) return false;
    double value = field.number;
    if (!std::isfinite(value) || value != std::floor(value) || value < lo || value > hi) return false;
    *out = static_cast<long>(value);
    return true;
}

}  // namespace meterhub
