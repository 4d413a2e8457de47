#include "dlt645.h"

#include <algorithm>
#include <cstdio>

namespace meterhub {
namespace dlt645 {

namespace {

constexpr uint8_t kStart = 0x68;
constexpr uint8_t kEnd = 0x16;
constexpr uint8_t kOffset = 0x33;
constexpr uint8_t kReplyBit = 0x80;
constexpr uint8_t kErrorBit = 0x40;
constexpr uint8_t kFunctionMask = 0x1F;
constexpr size_t kHeader = 10;  // 68 A0..A5 68 C L

std::string hex2(uint8_t value) {
    char text[4];
    std::snprintf(text, sizeof text, "%02X", value);
    return text;
}

std::string hex4(uint16_t value) {
    char text[8];
    std::snprintf(text, sizeof text, "%04X", value);
    return text;
}

// Formats of DL/T 645-1997 (appendix of data ids); the CE-711 answers in these.
const std::vector<DataItem> kItems = {
    {0x9010, "energy_import_kwh", 4, 2, 0},     // forward active energy, total, XXXXXX.XX kWh
    {0x9011, "energy_import_t1_kwh", 4, 2, 0},  // ... tariff 1..4
    {0x9012, "energy_import_t2_kwh", 4, 2, 0},
    {0x9013, "energy_import_t3_kwh", 4, 2, 0},
    {0x9014, "energy_import_t4_kwh", 4, 2, 0},
    {0x9020, "energy_export_kwh", 4, 2, 0},     // reverse active energy, total
    {0x9021, "energy_export_t1_kwh", 4, 2, 0},
    {0x9022, "energy_export_t2_kwh", 4, 2, 0},
    {0x9023, "energy_export_t3_kwh", 4, 2, 0},
    {0x9024, "energy_export_t4_kwh", 4, 2, 0},
    {0x9110, "reactive_energy_kvarh", 4, 2, 0}, // forward reactive energy, total, XXXXXX.XX kvarh
    {0x9120, "reactive_energy_export_kvarh", 4, 2, 0},  // reverse reactive energy, total
    {0xB611, "voltage_l1_v", 2, 0, 0},          // phase A..C voltage, XXX V
    {0xB612, "voltage_l2_v", 2, 0, 0},
    {0xB613, "voltage_l3_v", 2, 0, 0},
    {0xB621, "current_l1_a", 2, 2, 0},          // phase A..C current, XX.XX A
    {0xB622, "current_l2_a", 2, 2, 0},
    {0xB623, "current_l3_a", 2, 2, 0},
    {0xB630, "power_w", 3, 4, 3},               // active power, total, XX.XXXX kW
    {0xB631, "power_l1_w", 3, 4, 3},            // ... phase A..C
    {0xB632, "power_l2_w", 3, 4, 3},
    {0xB633, "power_l3_w", 3, 4, 3},
    {0xB640, "reactive_power_var", 2, 2, 3},    // reactive power, total, XX.XX kvar
    {0xB650, "power_factor", 2, 3, 0},          // power factor, X.XXX
};

int address_nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c == 'A' || c == 'a') return 0xA;
    return -1;
}

}  // namespace

std::string Address::text() const {
    std::string out;
    for (int i = 5; i >= 0; --i) {
        for (int shift : {4, 0}) {
            int nibble = (wire[i] >> shift) & 0xF;
            out += nibble < 10 ? static_cast<char>('0' + nibble) : static_cast<char>('A' + nibble - 10);
        }
    }
    return out;
}

bool Address::is_broadcast() const {
    for (uint8_t byte : wire)
        if (byte != 0x99) return false;
    return true;
}

bool Address::matches(const Address& reply) const {
    if (is_broadcast()) return true;
    for (int i = 0; i < 6; ++i) {
        for (int shift : {4, 0}) {
            int want = (wire[i] >> shift) & 0xF;
            if (want != 0xA && want != ((reply.wire[i] >> shift) & 0xF)) return false;
        }
    }
    return true;
}

bool parse_address(const std::string& text, Address* out, std::string* error) {
    if (text.empty()) {
        *out = Address{};
        return true;
    }
    if (text.size() > 12) {
        if (error) *error = "meter address '" + text + "': up to 12 digits (A for wildcard)";
        return false;
    }
    const std::string digits = std::string(12 - text.size(), '0') + text;
    Address address;
    for (size_t i = 0; i < 12; ++i) {
        const int nibble = address_nibble(digits[i]);
        if (nibble < 0) {
            if (error) *error = "meter address '" + text + "': up to 12 digits (A for wildcard)";
            return false;
        }
        const size_t byte = 5 - i / 2;  // the last two digits travel first
        address.wire[byte] = static_cast<uint8_t>(i % 2 ? (address.wire[byte] & 0xF0) | nibble
                                                        : (address.wire[byte] & 0x0F) | (nibble << 4));
    }
    *out = address;
    return true;
}

std::vector<uint8_t> build_frame(const Address& address, uint8_t control, const std::vector<uint8_t>& data,
                                 bool preamble) {
    std::vector<uint8_t> out;
    // Many meters sleep their RS-485 receiver; the FE bytes wake it and are not checksummed.
    if (preamble) out.assign(4, 0xFE);
    const size_t start = out.size();
    out.push_back(kStart);
    out.insert(out.end(), address.wire, address.wire + 6);
    out.push_back(kStart);
    out.push_back(control);
    out.push_back(static_cast<uint8_t>(data.size()));
    for (uint8_t byte : data) out.push_back(static_cast<uint8_t>(byte + kOffset));
    uint8_t sum = 0;
    for (size_t i = start; i < out.size(); ++i) sum = static_cast<uint8_t>(sum + out[i]);
    out.push_back(sum);
    out.push_back(kEnd);
    return out;
}

std::vector<uint8_t> build_read_request(const Address& address, uint16_t data_id, bool preamble) {
    return build_frame(address, kControlRead,
                       {static_cast<uint8_t>(data_id & 0xFF), static_cast<uint8_t>(data_id >> 8)}, preamble);
}

void FrameReader::reset() {
    raw_.clear();
    error_.clear();
}

FrameReader::Result FrameReader::fail(std::string reason) {
    raw_.clear();
    error_ = std::move(reason);
    return Result::Error;
}

FrameReader::Result FrameReader::feed(uint8_t byte) {
    if (raw_.empty()) {
        if (byte != kStart) return Result::NeedMore;  // FE preamble, or noise while DE switched
        error_.clear();
    }
    raw_.push_back(byte);
    const size_t have = raw_.size();
    if (have == 8 && byte != kStart) return fail("no second 0x68 after the address (got 0x" + hex2(byte) + ")");
    if (have == kHeader && byte > kMaxData) return fail(std::to_string(byte) + " data bytes exceed 200");
    if (have <= kHeader || have < kHeader + raw_[9] + 2) return Result::NeedMore;

    const size_t length = raw_[9];
    uint8_t sum = 0;
    for (size_t i = 0; i < kHeader + length; ++i) sum = static_cast<uint8_t>(sum + raw_[i]);
    const uint8_t said = raw_[kHeader + length];
    if (sum != said) return fail("bad checksum (frame says 0x" + hex2(said) + ", computed 0x" + hex2(sum) + ")");
    if (byte != kEnd) return fail("no 0x16 end (got 0x" + hex2(byte) + ")");

    std::copy(raw_.begin() + 1, raw_.begin() + 7, frame_.address.wire);
    frame_.control = raw_[8];
    frame_.data.assign(raw_.begin() + kHeader, raw_.begin() + kHeader + length);
    for (auto& b : frame_.data) b = static_cast<uint8_t>(b - kOffset);
    raw_.clear();
    return Result::Frame;
}

const std::vector<DataItem>& data_items() { return kItems; }

const DataItem* find_item(uint16_t data_id) {
    for (const auto& item : kItems)
        if (item.id == data_id) return &item;
    return nullptr;
}

bool decode_bcd(const uint8_t* lsb_first, size_t length, uint64_t* out) {
    uint64_t value = 0;
    for (size_t i = length; i-- > 0;) {
        const uint8_t high = lsb_first[i] >> 4, low = lsb_first[i] & 0xF;
        if (high > 9 || low > 9) return false;
        value = value * 100 + high * 10 + low;
    }
    *out = value;
    return true;
}

std::string describe_meter_error(uint8_t status) {
    static const char* const kBits[8] = {
        "illegal data", "no such data identifier", "password wrong", "reserved",
        "too many year zones", "too many day periods", "too many tariffs", "reserved",
    };
    std::string reasons;
    for (int bit = 0; bit < 8; ++bit) {
        if (!(status >> bit & 1)) continue;
        if (!reasons.empty()) reasons += ", ";
        reasons += kBits[bit];
    }
    return "meter error 0x" + hex2(status) + ": " + (reasons.empty() ? "unspecified" : reasons);
}

Reply interpret_reply(const Frame& frame, const Address& asked, uint16_t data_id) {
    Reply reply;
    if (!asked.matches(frame.address)) {
        reply.error = "reply from meter " + frame.address.text() + ", asked " + asked.text();
        return reply;
    }
    if (!(frame.control & kReplyBit)) {
        reply.error = "not a reply (direction bit clear)";
        return reply;
    }
    if (frame.control & kErrorBit) {
        if (frame.data.empty()) {
            reply.error = "error reply without a status byte";
            return reply;
        }
        reply.kind = Reply::Kind::MeterError;
        reply.meter_error = frame.data[0];
        reply.error = describe_meter_error(reply.meter_error);
        return reply;
    }
    if ((frame.control & kFunctionMask) != kControlRead) {
        reply.error = "reply to control 0x" + hex2(frame.control & kFunctionMask) + ", not to a read";
        return reply;
    }
    const DataItem* item = find_item(data_id);
    if (!item) {
        reply.error = "data id " + hex4(data_id) + " has no known format";
        return reply;
    }
    const uint16_t said_id = frame.data.size() >= 2 ? static_cast<uint16_t>(frame.data[0] | frame.data[1] << 8)
                                                    : static_cast<uint16_t>(frame.data.empty() ? 0 : frame.data[0]);
    if (frame.data.size() < 2 || said_id != data_id) {
        char got[8];
        std::snprintf(got, sizeof got, "%X", said_id);
        reply.error = std::string("reply for ") + got + ", asked for " + hex4(data_id);
        return reply;
    }
    const size_t value_bytes = frame.data.size() - 2;
    if (value_bytes != item->bytes) {
        reply.error = hex4(data_id) + ": " + std::to_string(value_bytes) + " value bytes, want " +
                      std::to_string(item->bytes);
        return reply;
    }
    uint64_t raw;
    if (!decode_bcd(frame.data.data() + 2, item->bytes, &raw)) {
        std::string digits;
        for (size_t i = frame.data.size(); i-- > 2;) digits += hex2(frame.data[i]);
        reply.error = "value " + digits + " is not BCD";
        return reply;
    }
    reply.kind = Reply::Kind::Value;
    reply.value = scale_pow10(Decimal{static_cast<int64_t>(raw), item->places}, item->unit_exponent);
    return reply;
}

}  // namespace dlt645
}  // namespace meterhub
