#include <cmath>
#include <cstdio>

#include "check.h"
#include "dlt645.h"
#include "fakes.h"
#include "json_value.h"

namespace dlt = meterhub::dlt645;

namespace {

const testjson::Value& vectors() {
    static const testjson::Value v = testjson::load_vector("dlt645.json");
    return v;
}

uint16_t id_of(const testjson::Value& v) { return static_cast<uint16_t>(std::stoul(v.str(), nullptr, 16)); }

std::string hex(const std::vector<uint8_t>& bytes) {
    std::string out;
    char b[4];
    for (uint8_t x : bytes) {
        std::snprintf(b, sizeof b, "%02X", x);
        if (!out.empty()) out += ' ';
        out += b;
    }
    return out;
}

// Runs bytes through a reader: the one frame or the one error they hold.
dlt::FrameReader::Result read_one(dlt::FrameReader& reader, const std::vector<uint8_t>& bytes) {
    for (uint8_t b : bytes) {
        auto r = reader.feed(b);
        if (r != dlt::FrameReader::Result::NeedMore) return r;
    }
    return dlt::FrameReader::Result::NeedMore;
}

}  // namespace

TEST(read_requests_match_the_vectors) {
    for (const auto& c : vectors()["requests"].items) {
        dlt::Address address;
        std::string error;
        CHECK_EQ_IN(c["name"].str(), dlt::parse_address(c["address"].str(), &address, &error), true);
        CHECK_EQ_IN(c["name"].str(), hex(dlt::build_read_request(address, id_of(c["data_id"]), c["preamble"].boolean)),
                    c["frame"].str());
    }
}

TEST(replies_decode_to_the_vector_values_or_the_gateways_reason) {
    for (const auto& c : vectors()["replies"].items) {
        const std::string name = c["name"].str();
        dlt::FrameReader reader;
        const auto result = read_one(reader, fakes::hex_bytes(c["frame"].str()));
        if (result == dlt::FrameReader::Result::Error) {
            CHECK_EQ_IN(name, reader.error(), c.has("error") ? c["error"].str() : std::string("<no error expected>"));
            continue;
        }
        CHECK_EQ_IN(name, static_cast<int>(result), static_cast<int>(dlt::FrameReader::Result::Frame));
        const auto reply = dlt::interpret_reply(reader.frame(), dlt::Address{}, id_of(c["data_id"]));
        if (c.has("error")) {
            CHECK_EQ_IN(name, reply.error, c["error"].str());
            const auto kind = c.has("meter_error") ? dlt::Reply::Kind::MeterError : dlt::Reply::Kind::Invalid;
            CHECK_EQ_IN(name, static_cast<int>(reply.kind), static_cast<int>(kind));
            continue;
        }
        CHECK_EQ_IN(name, static_cast<int>(reply.kind), static_cast<int>(dlt::Reply::Kind::Value));
        CHECK_EQ_IN(name, reader.frame().address.text(), c["meter"].str());
        CHECK_EQ_IN(name, std::string(dlt::find_item(id_of(c["data_id"]))->quantity), c["quantity"].str());
        const double value = static_cast<double>(reply.value.units) / std::pow(10.0, reply.value.places);
        CHECK_EQ_IN(name, value, c["value"].number);
    }
}

TEST(a_reply_from_another_meter_is_not_taken) {
    dlt::Address asked;
    std::string error;
    CHECK(dlt::parse_address("000000000003", &asked, &error));
    dlt::FrameReader reader;
    CHECK(read_one(reader, fakes::hex_bytes("68 54 07 13 00 80 13 68 81 06 43 C3 34 33 33 33 2B 16")) ==
          dlt::FrameReader::Result::Frame);
    const auto reply = dlt::interpret_reply(reader.frame(), asked, 0x9010);
    CHECK(reply.kind == dlt::Reply::Kind::Invalid);
    CHECK_EQ(reply.error, std::string("reply from meter 138000130754, asked 000000000003"));
    dlt::Address wildcard;
    CHECK(dlt::parse_address("AAAAAAAA0754", &wildcard, &error));
    CHECK(dlt::interpret_reply(reader.frame(), wildcard, 0x9010).kind == dlt::Reply::Kind::Value);
}

TEST(addresses_are_checked_with_a_reason) {
    dlt::Address address;
    std::string error;
    CHECK(!dlt::parse_address("1234567890123", &address, &error));
    CHECK_EQ(error, std::string("meter address '1234567890123': up to 12 digits (A for wildcard)"));
    CHECK(!dlt::parse_address("12B4", &address, &error));
    CHECK(dlt::parse_address("", &address, &error));
    CHECK(address.is_broadcast());
    CHECK_EQ(address.text(), std::string("999999999999"));
    CHECK(dlt::parse_address("a1", &address, &error));
    CHECK_EQ(address.text(), std::string("0000000000A1"));
}

TEST(reader_skips_noise_and_preamble_and_finds_the_next_frame_after_an_error) {
    dlt::FrameReader reader;
    auto bytes = fakes::hex_bytes("00 FE 16 FE FE 68 56 34 12 00 00 00 68 81 04 44 E9 64 35 B8 16");  // bad sum
    CHECK(read_one(reader, bytes) == dlt::FrameReader::Result::Error);
    bytes = fakes::hex_bytes("FE FE 68 56 34 12 00 00 00 68 81 04 44 E9 64 35 B7 16");
    CHECK(read_one(reader, bytes) == dlt::FrameReader::Result::Frame);
    CHECK_EQ(reader.frame().control, 0x81);
    CHECK_EQ(reader.frame().data.size(), 4u);
}

TEST(reader_refuses_a_length_over_the_standards_limit) {
    dlt::FrameReader reader;
    CHECK(read_one(reader, fakes::hex_bytes("68 56 34 12 00 00 00 68 81 C9")) == dlt::FrameReader::Result::Error);
    CHECK_EQ(reader.error(), std::string("201 data bytes exceed 200"));
}

TEST(bcd_decoding_refuses_hex_nibbles) {
    uint64_t value = 0;
    const uint8_t good[] = {0x67, 0x45, 0x23, 0x01};
    CHECK(dlt::decode_bcd(good, 4, &value));
    CHECK_EQ(value, 1234567u);
    const uint8_t bad[] = {0x0A, 0x00};
    CHECK(!dlt::decode_bcd(bad, 2, &value));
}

TEST(every_polled_register_maps_to_a_catalogue_quantity) {
    for (const auto& item : dlt::data_items()) {
        CHECK(item.quantity != nullptr && item.bytes >= 2 && item.bytes <= 4);
    }
}
