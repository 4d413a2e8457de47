// The part of MQTT 5.0 a meter device speaks: CONNECT with a will, PUBLISH with user
// properties (frames carry ts/frame_id/request_id that way), SUBSCRIBE, PUBACK, PING,
// DISCONNECT; and decoding of what a broker sends back.
//
// Why not an Arduino MQTT library: the common ones speak MQTT 3.1.1 only, which has no
// user properties, and the bus contract puts a frame's metadata in them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace meterhub {
namespace mqtt5 {

enum PacketType : uint8_t {
    kConnect = 1,
    kConnack = 2,
    kPublish = 3,
    kPuback = 4,
    kSubscribe = 8,
    kSuback = 9,
    kPingreq = 12,
    kPingresp = 13,
    kDisconnect = 14,
};

using Bytes = std::vector<uint8_t>;
using UserProperties = std::vector<std::pair<std::string, std::string>>;

constexpr uint32_t kMaxRemainingLength = 268435455;  // four-byte variable integer

struct Will {
    std::string topic;
    std::string payload;
    uint8_t qos = 1;
    bool retain = true;
};

struct ConnectOptions {
    std::string client_id;
    std::string username;  // empty: none
    std::string password;  // empty: none
    uint16_t keep_alive_s = 30;
    bool clean_start = true;
    uint32_t session_expiry_s = 0;
    uint32_t max_packet_size = 0;  // 0: not announced
    const Will* will = nullptr;
};

Bytes encode_connect(const ConnectOptions& options);
// Fixed and variable header of a PUBLISH; the payload follows on the wire as is, so a
// JPEG frame is written straight from the camera's buffer. Empty when it cannot be sent
// (payload over the protocol limit).
Bytes encode_publish_head(const std::string& topic, size_t payload_length, uint8_t qos, bool retain,
                          uint16_t packet_id, const UserProperties& properties);
Bytes encode_subscribe(uint16_t packet_id, const std::vector<std::pair<std::string, uint8_t>>& filters);
Bytes encode_puback(uint16_t packet_id);
Bytes encode_pingreq();
Bytes encode_disconnect();

void append_varint(Bytes& out, uint32_t value);

// Collects one packet at a time from the byte stream.
class PacketReader {
public:
    enum class Result { NeedMore, Packet, TooLarge, Malformed };
    explicit PacketReader(size_t max_body) : max_body_(max_body) {}
    Result feed(uint8_t byte);
    uint8_t first_byte() const { return first_; }
    uint8_t type() const { return first_ >> 4; }
    const Bytes& body() const { return body_; }
    void reset();

private:
    enum class State { First, Length, Body };
    size_t max_body_;
    State state_ = State::First;
    uint8_t first_ = 0;
    uint32_t remaining_ = 0;
    int length_bytes_ = 0;
    uint32_t multiplier_ = 1;
    Bytes body_;
};

struct Connack {
    bool session_present = false;
    uint8_t reason = 0;
    uint16_t server_keep_alive_s = 0;  // 0: not given, keep ours
    uint32_t max_packet_size = 0;      // 0: no limit given
    std::string reason_string;
};

struct Publish {
    std::string topic;
    uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    uint16_t packet_id = 0;
    UserProperties user_properties;
    Bytes payload;
};

bool decode_connack(const Bytes& body, Connack* out, std::string* error);
bool decode_publish(uint8_t first_byte, const Bytes& body, Publish* out, std::string* error);
// PUBACK and friends: packet id and reason code (0 when the short form omits it).
bool decode_ack(const Bytes& body, uint16_t* packet_id, uint8_t* reason, std::string* error);
bool decode_suback(const Bytes& body, uint16_t* packet_id, std::vector<uint8_t>* reasons, std::string* error);

// The reason codes a device meets, in words for the log ("not authorized").
const char* reason_text(uint8_t reason);

}  // namespace mqtt5
}  // namespace meterhub
