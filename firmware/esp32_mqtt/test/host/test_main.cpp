// Runs every registered test; exit status 1 if any check failed.
#include <cstdio>
#include <cstring>

#include "check.h"

namespace check {

std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

namespace {
int failures_in_case = 0;
}

void fail(const char* file, int line, const std::string& what) {
    ++failures_in_case;
    std::printf("    %s:%d: %s\n", file, line, what.c_str());
}

}  // namespace check

int main(int argc, char** argv) {
    const char* only = argc > 1 ? argv[1] : nullptr;  // a substring of test names to run
    int passed = 0, failed = 0;
    for (const auto& test : check::registry()) {
        if (only && !std::strstr(test.name, only)) continue;
        check::failures_in_case = 0;
        test.body();
        if (check::failures_in_case) {
            ++failed;
            std::printf("FAIL %s\n", test.name);
        } else {
            ++passed;
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
