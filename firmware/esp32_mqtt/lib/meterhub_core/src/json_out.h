// Compact JSON output in pydantic's spelling (no spaces, null for absent values), so a
// message built here reads the same as one the Python side builds.
#pragma once
#include <string>

#include "decimal.h"

namespace meterhub {

void append_json_string(std::string& out, const std::string& text);

class JsonObjectWriter {
public:
    JsonObjectWriter& string(const char* key, const std::string& value);
    JsonObjectWriter& optional_string(const char* key, const std::string* value);  // null when absent
    JsonObjectWriter& integer(const char* key, long long value);
    JsonObjectWriter& decimal(const char* key, Decimal value);
    JsonObjectWriter& null(const char* key);
    JsonObjectWriter& raw(const char* key, const std::string& json);  // an already-built value
    std::string finish();

private:
    void key(const char* name);
    std::string out_ = "{";
};

}  // namespace meterhub
