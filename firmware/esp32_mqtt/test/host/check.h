// A small test runner: TEST(name) registers a test, CHECK/CHECK_EQ record failures with
// where and what, and the runner ends with "N passed, M failed".
#pragma once
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace check {

struct Case {
    const char* name;
    std::function<void()> body;
};

std::vector<Case>& registry();
void fail(const char* file, int line, const std::string& what);

struct Registrar {
    Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

template <typename T>
std::string show(const T& value) {
    std::ostringstream out;
    out << value;
    return out.str();
}
inline std::string show(const std::string& value) { return "\"" + value + "\""; }
inline std::string show(const char* value) { return value ? show(std::string(value)) : "null"; }
inline std::string show(bool value) { return value ? "true" : "false"; }
inline std::string show(unsigned char value) { return std::to_string(static_cast<unsigned>(value)); }

}  // namespace check

#define CHECK_CONCAT2(a, b) a##b
#define CHECK_CONCAT(a, b) CHECK_CONCAT2(a, b)
#define TEST(name)                                                                   \
    static void name();                                                              \
    static check::Registrar CHECK_CONCAT(registrar_, name)(#name, name);             \
    static void name()

#define CHECK(condition)                                                             \
    do {                                                                             \
        if (!(condition)) check::fail(__FILE__, __LINE__, "CHECK(" #condition ")");  \
    } while (0)

#define CHECK_EQ(actual, expected)                                                   \
    do {                                                                             \
        const auto& check_a_ = (actual);                                             \
        const auto& check_e_ = (expected);                                           \
        if (!(check_a_ == check_e_))                                                 \
            check::fail(__FILE__, __LINE__,                                          \
                        #actual " == " #expected "\n      got:  " + check::show(check_a_) + \
                            "\n      want: " + check::show(check_e_));               \
    } while (0)

// For loops over vectors: names the case a failure belongs to.
#define CHECK_EQ_IN(context, actual, expected)                                       \
    do {                                                                             \
        const auto& check_a_ = (actual);                                             \
        const auto& check_e_ = (expected);                                           \
        if (!(check_a_ == check_e_))                                                 \
            check::fail(__FILE__, __LINE__,                                          \
                        std::string("[") + (context) + "] " #actual " == " #expected "\n      got:  " + \
                            check::show(check_a_) + "\n      want: " + check::show(check_e_)); \
    } while (0)
