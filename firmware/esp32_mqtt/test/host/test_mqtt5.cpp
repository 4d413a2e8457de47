// MQTT 5 packets, checked byte for byte against encodings worked out by hand from the
// MQTT 5.0 specification (fixed header, variable integers, properties).
#include "check.h"
#include "fakes.h"
#include "mqtt5_codec.h"

using namespace meterhub;
using fakes::hex_bytes;

namespace {

std::vector<uint8_t> ascii(const std::string& text) { return {text.begin(), text.end()}; }

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
    std::vector<uint8_t> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

mqtt5::PacketReader::Result feed_all(mqtt5::PacketReader& reader, const std::vector<uint8_t>& bytes) {
    auto result = mqtt5::PacketReader::Result::NeedMore;
    for (uint8_t b : bytes) result = reader.feed(b);
    return result;
}

}  // namespace

TEST(connect_carries_will_credentials_and_packet_limit) {
    mqtt5::Will will{"meterhub/pln/availability", "offline", 1, true};
    mqtt5::ConnectOptions options;
    options.client_id = "pln";
    options.username = "pln";
    options.password = "pw";
    options.keep_alive_s = 30;
    options.max_packet_size = 4101;
    options.will = &will;
    const auto want = cat({hex_bytes("10 43 00 04"), ascii("MQTT"), hex_bytes("05 EE 00 1E 05 27 00 00 10 05 00 03"),
                           ascii("pln"), hex_bytes("00 00 19"), ascii("meterhub/pln/availability"), hex_bytes("00 07"),
                           ascii("offline"), hex_bytes("00 03"), ascii("pln"), hex_bytes("00 02"), ascii("pw")});
    CHECK(mqtt5::encode_connect(options) == want);
}

TEST(connect_without_will_or_credentials_is_minimal) {
    mqtt5::ConnectOptions options;
    options.client_id = "x";
    options.keep_alive_s = 60;
    const auto want = cat({hex_bytes("10 0E 00 04"), ascii("MQTT"), hex_bytes("05 02 00 3C 00 00 01"), ascii("x")});
    CHECK(mqtt5::encode_connect(options) == want);
}

TEST(publish_head_carries_user_properties_and_the_payload_length) {
    const auto head = mqtt5::encode_publish_head("a/b", 2, 1, false, 10, {{"ts", "x"}});
    CHECK(head == hex_bytes("32 12 00 03 61 2F 62 00 0A 08 26 00 02 74 73 00 01 78"));
    const auto retained = mqtt5::encode_publish_head("t", 7, 1, true, 1, {});
    CHECK(retained == hex_bytes("33 0D 00 01 74 00 01 00"));
    const auto qos0 = mqtt5::encode_publish_head("t", 0, 0, false, 99, {});
    CHECK(qos0 == hex_bytes("30 04 00 01 74 00"));
}

TEST(remaining_length_uses_up_to_four_bytes) {
    struct { uint32_t value; const char* bytes; } cases[] = {
        {0, "00"}, {127, "7F"}, {128, "80 01"}, {16383, "FF 7F"}, {16384, "80 80 01"},
        {2097152, "80 80 80 01"}, {268435455, "FF FF FF 7F"},
    };
    for (const auto& c : cases) {
        mqtt5::Bytes out;
        mqtt5::append_varint(out, c.value);
        CHECK_EQ_IN(c.bytes, out == hex_bytes(c.bytes), true);
    }
    const auto jpeg_head = mqtt5::encode_publish_head("meterhub/pln/frame/raw", 200000, 1, false, 2, {});
    CHECK(std::vector<uint8_t>(jpeg_head.begin(), jpeg_head.begin() + 4) == hex_bytes("32 DB 9A 0C"));
    CHECK(mqtt5::encode_publish_head("t", 268435455, 1, false, 1, {}).empty());  // over the protocol limit
}

TEST(subscribe_ping_puback_and_disconnect) {
    const auto subscribe = mqtt5::encode_subscribe(1, {{"meterhub/pln/keypad/cmd", 1}});
    CHECK(subscribe == cat({hex_bytes("82 1D 00 01 00 00 17"), ascii("meterhub/pln/keypad/cmd"), hex_bytes("01")}));
    CHECK(mqtt5::encode_pingreq() == hex_bytes("C0 00"));
    CHECK(mqtt5::encode_puback(0x1234) == hex_bytes("40 02 12 34"));
    CHECK(mqtt5::encode_disconnect() == hex_bytes("E0 00"));
}

TEST(connack_properties_are_read_and_unknown_ones_refused) {
    mqtt5::PacketReader reader(4096);
    CHECK(feed_all(reader, hex_bytes("20 09 00 00 06 13 00 3C 21 00 14")) == mqtt5::PacketReader::Result::Packet);
    mqtt5::Connack connack;
    std::string error;
    CHECK(mqtt5::decode_connack(reader.body(), &connack, &error));
    CHECK_EQ(connack.reason, 0u);
    CHECK_EQ(connack.server_keep_alive_s, 60u);

    CHECK(feed_all(reader, hex_bytes("20 03 00 87 00")) == mqtt5::PacketReader::Result::Packet);
    CHECK(mqtt5::decode_connack(reader.body(), &connack, &error));
    CHECK_EQ(connack.reason, 0x87u);
    CHECK_EQ(std::string(mqtt5::reason_text(connack.reason)), std::string("not authorized"));

    CHECK(feed_all(reader, hex_bytes("20 05 00 00 02 99 00")) == mqtt5::PacketReader::Result::Packet);
    CHECK(!mqtt5::decode_connack(reader.body(), &connack, &error));
    CHECK_EQ(error, std::string("CONNACK properties malformed"));
}

TEST(incoming_publish_is_decoded_with_its_properties) {
    // QoS 1, id 7, topic "c/d", a content type (skipped) and one user property, payload "{}".
    const auto bytes = cat({hex_bytes("32 19 00 03"), ascii("c/d"), hex_bytes("00 07 0F 03 00 04"), ascii("json"),
                            hex_bytes("26 00 01"), ascii("k"), hex_bytes("00 02"), ascii("vv"), ascii("{}")});
    mqtt5::PacketReader reader(4096);
    CHECK(feed_all(reader, bytes) == mqtt5::PacketReader::Result::Packet);
    mqtt5::Publish message;
    std::string error;
    CHECK(mqtt5::decode_publish(reader.first_byte(), reader.body(), &message, &error));
    CHECK_EQ(message.topic, std::string("c/d"));
    CHECK_EQ(message.qos, 1u);
    CHECK_EQ(message.packet_id, 7u);
    CHECK_EQ(message.user_properties.size(), 1u);
    if (!message.user_properties.empty()) CHECK_EQ(message.user_properties[0].second, std::string("vv"));
    CHECK_EQ(fakes::text(message.payload), std::string("{}"));
}

TEST(truncated_properties_do_not_read_past_the_packet) {
    mqtt5::PacketReader reader(4096);
    // property block claims 9 bytes, the packet holds 3
    CHECK(feed_all(reader, hex_bytes("30 07 00 01 74 09 26 00 05")) == mqtt5::PacketReader::Result::Packet);
    mqtt5::Publish message;
    std::string error;
    CHECK(!mqtt5::decode_publish(reader.first_byte(), reader.body(), &message, &error));
    CHECK(feed_all(reader, hex_bytes("90 01 00")) == mqtt5::PacketReader::Result::Packet);
    uint16_t id;
    std::vector<uint8_t> reasons;
    CHECK(!mqtt5::decode_suback(reader.body(), &id, &reasons, &error));
}

TEST(reader_refuses_oversized_and_malformed_lengths) {
    mqtt5::PacketReader reader(100);
    CHECK(feed_all(reader, hex_bytes("30 65")) == mqtt5::PacketReader::Result::TooLarge);  // 101 > 100
    CHECK(feed_all(reader, hex_bytes("30 80 80 80 80")) == mqtt5::PacketReader::Result::Malformed);
    CHECK(feed_all(reader, hex_bytes("D0 00")) == mqtt5::PacketReader::Result::Packet);  // a fresh start reads on
    CHECK_EQ(reader.type(), mqtt5::kPingresp);
}

TEST(suback_reasons_are_listed) {
    mqtt5::PacketReader reader(100);
    CHECK(feed_all(reader, hex_bytes("90 05 00 01 00 01 87")) == mqtt5::PacketReader::Result::Packet);
    uint16_t id = 0;
    std::vector<uint8_t> reasons;
    std::string error;
    CHECK(mqtt5::decode_suback(reader.body(), &id, &reasons, &error));
    CHECK_EQ(id, 1u);
    CHECK(reasons == hex_bytes("01 87"));
}
