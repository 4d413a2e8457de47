#include "decimal.h"

namespace meterhub {

Decimal scale_pow10(Decimal value, int exponent) {
    while (exponent > 0 && value.places > 0) {
        --value.places;
        --exponent;
    }
    while (exponent > 0) {
        value.units *= 10;
        --exponent;
    }
    while (exponent < 0) {
        ++value.places;
        ++exponent;
    }
    return value;
}

std::string format_decimal(Decimal value) {
    bool negative = value.units < 0;
    uint64_t magnitude = negative ? static_cast<uint64_t>(-(value.units + 1)) + 1 : static_cast<uint64_t>(value.units);
    uint8_t places = value.places;
    while (places > 0 && magnitude % 10 == 0) {
        magnitude /= 10;
        --places;
    }
    std::string digits = std::to_string(magnitude);
    if (digits.size() <= places) digits.insert(0, places + 1 - digits.size(), '0');
    std::string text = places ? digits.substr(0, digits.size() - places) + "." + digits.substr(digits.size() - places)
                              : digits + ".0";
    return (negative && magnitude != 0) ? "-" + text : text;
}

}  // namespace meterhub
