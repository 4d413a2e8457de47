// Exact decimal values: meters count in BCD with fixed decimals, so values are carried as
// scaled integers and never pass through a float on the device.
#pragma once
#include <cstdint>
#include <string>

namespace meterhub {

struct Decimal {
    int64_t units = 0;   // value = units / 10^places
    uint8_t places = 0;
};

// Multiply by 10^exponent without rounding (kW -> W is exponent 3).
Decimal scale_pow10(Decimal value, int exponent);

// The text Python's repr() gives for the float nearest this value ("230.0", "1234.56"):
// Reading JSON from the device is then byte-identical to what the Python side writes.
// Valid for up to 15 significant digits and magnitudes in [1e-4, 1e16).
std::string format_decimal(Decimal value);

}  // namespace meterhub
