// CRC-16/ARC (reflected polynomial 0x8005, init 0): the checksum DSMR 4+ puts after '!'.
#pragma once
#include <cstddef>
#include <cstdint>

namespace meterhub {

uint16_t crc16_arc(const uint8_t* data, size_t length, uint16_t crc = 0);

}  // namespace meterhub
