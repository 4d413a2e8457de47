// Cuts DSMR P1 telegrams out of the serial byte stream and checks their CRC-16/ARC.
//
// A telegram runs from '/' to '!' followed by four hex digits and CRLF. The bridge
// publishes only telegrams whose CRC matches, byte for byte as received; the reasons
// for dropping one use the capture gateway's wording so logs on both sides read alike.
// DSMR 2.2 and 3 meters send no CRC ("!" then CRLF); like the gateway, the framer takes
// such a telegram only when it has no version line (1-3:0.2.8 or 0-0:96.1.4), since
// every DSMR 4+ telegram has one and must carry its CRC.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace meterhub {

class DsmrFramer {
public:
    enum class Event { None, Telegram, Error };

    // The gateway refuses telegrams over 8 KiB; the device drops them earlier.
    explicit DsmrFramer(size_t max_bytes = 8192);

    Event feed(uint8_t byte);
    const std::string& telegram() const { return buffer_; }  // after Event::Telegram
    const std::string& error() const { return error_; }      // after Event::Error

private:
    enum class State { Idle, Body, Crc, LineEnd, LegacyEnd };
    Event fail(std::string reason);
    Event complete();
    Event complete_without_crc();

    size_t max_bytes_;
    State state_ = State::Idle;
    std::string buffer_;
    std::string error_;
    uint16_t crc_ = 0;
    uint16_t said_crc_ = 0;
    int crc_digits_ = 0;
};

}  // namespace meterhub
