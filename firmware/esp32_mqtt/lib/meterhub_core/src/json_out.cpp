#include "json_out.h"

#include <cstdio>

namespace meterhub {

void append_json_string(std::string& out, const std::string& text) {
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

void JsonObjectWriter::key(const char* name) {
    if (out_.size() > 1) out_ += ',';
    append_json_string(out_, name);
    out_ += ':';
}

JsonObjectWriter& JsonObjectWriter::string(const char* name, const std::string& value) {
    key(name);
    append_json_string(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::optional_string(const char* name, const std::string* value) {
    return value ? string(name, *value) : null(name);
}

JsonObjectWriter& JsonObjectWriter::integer(const char* name, long long value) {
    key(name);
    out_ += std::to_string(value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::decimal(const char* name, Decimal value) {
    key(name);
    out_ += format_decimal(value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::null(const char* name) {
    key(name);
    out_ += "null";
    return *this;
}

JsonObjectWriter& JsonObjectWriter::raw(const char* name, const std::string& json) {
    key(name);
    out_ += json;
    return *this;
}

std::string JsonObjectWriter::finish() {
    out_ += '}';
    std::string done;
    done.swap(out_);
    out_ = "{";
    return done;
}

}  // namespace meterhub
