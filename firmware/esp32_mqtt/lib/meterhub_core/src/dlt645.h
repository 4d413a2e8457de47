// DL/T 645-1997 frames, as spoken by RS-485 meters such as the Saiman CE-711:
//
//   [FE FE FE FE] 68 A0..A5 68 C L DATA CS 16
//
// A0..A5: meter address, 12 BCD digits, least significant byte first ('A' nibbles are
// wildcards; 999999999999 is the 1997 broadcast address, which the one meter on a line
// answers). C: 0x01 read; replies set bit 7, and bit 6 on error. DATA: each byte +0x33
// on the wire; a read carries the 2-byte data id (low byte first), a reply the id and
// then the value in BCD, low byte first. CS: sum of the bytes from the first 68, mod 256.
// Reasons for refusing a frame read as those of services/capture_gateway/dlt645.py.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "decimal.h"

namespace meterhub {
namespace dlt645 {

constexpr uint8_t kControlRead = 0x01;
constexpr size_t kMaxData = 200;  // the standard's limit on L

struct Address {
    uint8_t wire[6] = {0x99, 0x99, 0x99, 0x99, 0x99, 0x99};  // broadcast: the one meter on the line
    std::string text() const;  // as printed on the meter, most significant digit first
    bool is_broadcast() const;
    bool matches(const Address& reply) const;  // broadcast and 'A' nibbles match any meter
};

// "3", "000000000003" (up to 12 digits, left-padded with zeros; 'A' is a wildcard digit)
// -> Address; empty is the broadcast address. False with a reason otherwise.
bool parse_address(const std::string& text, Address* out, std::string* error);

std::vector<uint8_t> build_frame(const Address& address, uint8_t control, const std::vector<uint8_t>& data,
                                 bool preamble);
std::vector<uint8_t> build_read_request(const Address& address, uint16_t data_id, bool preamble = true);

struct Frame {
    Address address;
    uint8_t control = 0;
    std::vector<uint8_t> data;  // with the 0x33 offset already removed
};

// Finds frames in a byte stream: skips the FE wake-up preamble and line noise before 68.
class FrameReader {
public:
    enum class Result { NeedMore, Frame, Error };
    Result feed(uint8_t byte);
    const Frame& frame() const { return frame_; }
    const std::string& error() const { return error_; }
    void reset();

private:
    Result fail(std::string reason);
    std::vector<uint8_t> raw_;
    Frame frame_;
    std::string error_;
};

// What a data id means: the quantity (catalogue key) and its BCD layout.
struct DataItem {
    uint16_t id;
    const char* quantity;
    uint8_t bytes;         // value bytes after the id
    uint8_t places;        // fixed decimals of the BCD value
    int8_t unit_exponent;  // scale to the catalogue unit: kW -> W is 3
};

const DataItem* find_item(uint16_t data_id);
const std::vector<DataItem>& data_items();

// Little-endian packed BCD; false if a nibble is not a decimal digit.
bool decode_bcd(const uint8_t* lsb_first, size_t length, uint64_t* out);

struct Reply {
    enum class Kind { Value, MeterError, Invalid } kind = Kind::Invalid;
    Decimal value;             // in the catalogue unit, for Kind::Value
    uint8_t meter_error = 0;   // the status byte of an error reply
    std::string error;         // why, for MeterError and Invalid
};

// "meter error 0x02: no such data identifier", naming each status bit set.
std::string describe_meter_error(uint8_t status);

// Checks a frame as the answer to "read data_id from asked" and decodes its value.
Reply interpret_reply(const Frame& frame, const Address& asked, uint16_t data_id);

}  // namespace dlt645
}  // namespace meterhub
