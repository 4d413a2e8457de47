#include "crc16_arc.h"

namespace meterhub {

// Bitwise rather than table-driven: a telegram a second does not need the speed and the
// P1 bridge keeps its RAM for the telegram buffer.
uint16_t crc16_arc(const uint8_t* data, size_t length, uint16_t crc) {
    for (size_t i = 0; i < length; ++i) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 1) ? static_cast<uint16_t>((crc >> 1) ^ 0xA001) : static_cast<uint16_t>(crc >> 1);
        }
    }
    return crc;
}

}  // namespace meterhub
