// Reads the flat JSON objects devices receive as commands ({"id": "...", "keys": "..."}).
// Nested objects and arrays are refused: no command on the bus has them, and a device
// should say so rather than guess.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace meterhub {

struct JsonField {
    enum class Kind { String, Number, Bool, Null };
    std::string name;
    Kind kind = Kind::Null;
    std::string text;    // the decoded string, or the number's literal
    double number = 0;   // for Kind::Number
    bool boolean = false;
};

class FlatJsonObject {
public:
    // False with a reason ("expected ':' at offset 7") for anything but one flat object.
    bool parse(const char* data, size_t length, std::string* error);
    const JsonField* find(const char* name) const;
    const std::vector<JsonField>& fields() const { return fields_; }

private:
    std::vector<JsonField> fields_;
};

// "an integer between lo and hi" check shared by command validators; JSON 65 and 65.0
// are both the integer 65, as pydantic reads them.
bool json_integer_in_range(const JsonField& field, long lo, long hi, long* out);

}  // namespace meterhub
