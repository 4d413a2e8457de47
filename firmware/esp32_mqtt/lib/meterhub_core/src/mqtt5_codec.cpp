#include "mqtt5_codec.h"

namespace meterhub {
namespace mqtt5 {

namespace {

// Property identifiers used here (MQTT 5.0, section 2.2.2.2).
constexpr uint8_t kSessionExpiry = 0x11;
constexpr uint8_t kServerKeepAlive = 0x13;
constexpr uint8_t kReasonString = 0x1F;
constexpr uint8_t kMaximumPacketSize = 0x27;
constexpr uint8_t kUserProperty = 0x26;

void put16(Bytes& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value & 0xFF));
}

void put32(Bytes& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

void put_string(Bytes& out, const std::string& text) {
    put16(out, static_cast<uint16_t>(text.size()));
    out.insert(out.end(), text.begin(), text.end());
}

void put_properties(Bytes& out, const Bytes& properties) {
    append_varint(out, static_cast<uint32_t>(properties.size()));
    out.insert(out.end(), properties.begin(), properties.end());
}

Bytes packet(uint8_t first, const Bytes& rest) {
    Bytes out{first};
    append_varint(out, static_cast<uint32_t>(rest.size()));
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
}

bool fail(std::string* error, const char* what) {
    if (error) *error = what;
    return false;
}

// Reads big-endian fields from a packet body, refusing to run past its end.
class Reader {
public:
    Reader(const Bytes& body, size_t from = 0) : body_(body), at_(from), end_(body.size()) {}
    bool u8(uint8_t* v) {
        if (at_ + 1 > end_) return false;
        *v = body_[at_++];
        return true;
    }
    bool u16(uint16_t* v) {
        if (at_ + 2 > end_) return false;
        *v = static_cast<uint16_t>(body_[at_] << 8 | body_[at_ + 1]);
        at_ += 2;
        return true;
    }
    bool u32(uint32_t* v) {
        if (at_ + 4 > end_) return false;
        *v = static_cast<uint32_t>(body_[at_]) << 24 | static_cast<uint32_t>(body_[at_ + 1]) << 16 |
             static_cast<uint32_t>(body_[at_ + 2]) << 8 | body_[at_ + 3];
        at_ += 4;
        return true;
    }
    bool varint(uint32_t* v) {
        uint32_t value = 0, multiplier = 1;
        for (int i = 0; i < 4; ++i) {
            uint8_t byte;
            if (!u8(&byte)) return false;
            value += (byte & 0x7F) * multiplier;
            if (!(byte & 0x80)) {
                *v = value;
                return true;
            }
            multiplier *= 128;
        }
        return false;
    }
    bool string(std::string* v) {
        uint16_t n;
        if (!u16(&n) || at_ + n > end_) return false;
        v->assign(body_.begin() + at_, body_.begin() + at_ + n);
        at_ += n;
        return true;
    }
    bool skip(size_t n) {
        if (at_ + n > end_) return false;
        at_ += n;
        return true;
    }
    size_t position() const { return at_; }
    size_t left() const { return end_ - at_; }
    // Narrows the reader to the next n bytes (a property block); restore with widen().
    bool narrow(size_t n, size_t* saved_end) {
        if (at_ + n > end_) return false;
        *saved_end = end_;
        end_ = at_ + n;
        return true;
    }
    void widen(size_t saved_end) { end_ = saved_end; }

private:
    const Bytes& body_;
    size_t at_, end_;
};

// Walks a property block, handing the ones we use to `use` and skipping the rest by type.
template <typename Use>
bool read_properties(Reader& in, Use use) {
    uint32_t length;
    size_t saved;
    if (!in.varint(&length) || !in.narrow(length, &saved)) return false;
    while (in.left() > 0) {
        uint32_t id;
        if (!in.varint(&id)) return false;
        bool handled = false;
        if (!use(static_cast<uint8_t>(id), in, &handled)) return false;
        if (handled) continue;
        uint8_t b;
        uint16_t s;
        uint32_t w;
        std::string text, text2;
        switch (id) {
            case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
                if (!in.u8(&b)) return false;
                break;
            case 0x13: case 0x21: case 0x22: case 0x23:
                if (!in.u16(&s)) return false;
                break;
            case 0x02: case 0x11: case 0x18: case 0x27:
                if (!in.u32(&w)) return false;
                break;
            case 0x0B:
                if (!in.varint(&w)) return false;
                break;
            case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16: case 0x1A: case 0x1C: case 0x1F:
                if (!in.string(&text)) return false;  // binary data has the same length prefix
                break;
            case 0x26:
                if (!in.string(&text) || !in.string(&text2)) return false;
                break;
            default:
                return false;  // an unknown property cannot be skipped: its size is unknown
        }
    }
    in.widen(saved);
    return true;
}

}  // namespace

void append_varint(Bytes& out, uint32_t value) {
    do {
        uint8_t byte = value % 128;
        value /= 128;
        if (value) byte |= 0x80;
        out.push_back(byte);
    } while (value);
}

Bytes encode_connect(const ConnectOptions& o) {
    Bytes rest;
    put_string(rest, "MQTT");
    rest.push_back(5);
    uint8_t flags = o.clean_start ? 0x02 : 0;
    if (o.will) flags |= 0x04 | static_cast<uint8_t>((o.will->qos & 3) << 3) | (o.will->retain ? 0x20 : 0);
    if (!o.password.empty()) flags |= 0x40;
    if (!o.username.empty()) flags |= 0x80;
    rest.push_back(flags);
    put16(rest, o.keep_alive_s);

    Bytes properties;
    if (o.session_expiry_s) {
        properties.push_back(kSessionExpiry);
        put32(properties, o.session_expiry_s);
    }
    if (o.max_packet_size) {
        properties.push_back(kMaximumPacketSize);
        put32(properties, o.max_packet_size);
    }
    put_properties(rest, properties);

    put_string(rest, o.client_id);
    if (o.will) {
        put_properties(rest, {});
        put_string(rest, o.will->topic);
        put_string(rest, o.will->payload);  // binary data: same two-byte length prefix
    }
    if (!o.username.empty()) put_string(rest, o.username);
    if (!o.password.empty()) put_string(rest, o.password);
    return packet(kConnect << 4, rest);
}

Bytes encode_publish_head(const std::string& topic, size_t payload_length, uint8_t qos, bool retain,
                          uint16_t packet_id, const UserProperties& user_properties) {
    Bytes variable;
    put_string(variable, topic);
    if (qos > 0) put16(variable, packet_id);
    Bytes properties;
    for (const auto& [key, value] : user_properties) {
        properties.push_back(kUserProperty);
        put_string(properties, key);
        put_string(properties, value);
    }
    put_properties(variable, properties);
    if (payload_length > kMaxRemainingLength - variable.size()) return {};

    Bytes out{static_cast<uint8_t>(kPublish << 4 | (qos & 3) << 1 | (retain ? 1 : 0))};
    append_varint(out, static_cast<uint32_t>(variable.size() + payload_length));
    out.insert(out.end(), variable.begin(), variable.end());
    return out;
}

Bytes encode_subscribe(uint16_t packet_id, const std::vector<std::pair<std::string, uint8_t>>& filters) {
    Bytes rest;
    put16(rest, packet_id);
    put_properties(rest, {});
    for (const auto& [filter, qos] : filters) {
        put_string(rest, filter);
        rest.push_back(qos & 3);
    }
    return packet(kSubscribe << 4 | 0x02, rest);  // bits 0010 are required for SUBSCRIBE
}

Bytes encode_puback(uint16_t packet_id) {
    Bytes rest;
    put16(rest, packet_id);  // the short form: reason "success", no properties
    return packet(kPuback << 4, rest);
}

Bytes encode_pingreq() { return {kPingreq << 4, 0}; }
Bytes encode_disconnect() { return {kDisconnect << 4, 0}; }

void PacketReader::reset() {
    state_ = State::First;
    remaining_ = 0;
    length_bytes_ = 0;
    multiplier_ = 1;
    body_.clear();
}

PacketReader::Result PacketReader::feed(uint8_t byte) {
    switch (state_) {
        case State::First:
            first_ = byte;
            state_ = State::Length;
            remaining_ = 0;
            length_bytes_ = 0;
            multiplier_ = 1;
            body_.clear();
            return Result::NeedMore;
        case State::Length:
            remaining_ += (byte & 0x7F) * multiplier_;
            multiplier_ *= 128;
            if (++length_bytes_ > 4 || (length_bytes_ == 4 && (byte & 0x80))) {
                reset();
                return Result::Malformed;
            }
            if (byte & 0x80) return Result::NeedMore;
            if (remaining_ > max_body_) {
                reset();
                return Result::TooLarge;
            }
            if (remaining_ == 0) {
                state_ = State::First;
                return Result::Packet;
            }
            body_.reserve(remaining_);
            state_ = State::Body;
            return Result::NeedMore;
        case State::Body:
            body_.push_back(byte);
            if (body_.size() < remaining_) return Result::NeedMore;
            state_ = State::First;
            return Result::Packet;
    }
    return Result::Malformed;
}

bool decode_connack(const Bytes& body, Connack* out, std::string* error) {
    Reader in(body);
    uint8_t flags;
    if (!in.u8(&flags) || !in.u8(&out->reason)) return fail(error, "CONNACK too short");
    out->session_present = flags & 1;
    if (in.left() == 0) return true;  // properties may be absent after a failure reason
    bool ok = read_properties(in, [out](uint8_t id, Reader& r, bool* handled) {
        *handled = true;
        if (id == kServerKeepAlive) return r.u16(&out->server_keep_alive_s);
        if (id == kMaximumPacketSize) return r.u32(&out->max_packet_size);
        if (id == kReasonString) return r.string(&out->reason_string);
        *handled = false;
        return true;
    });
    return ok ? true : fail(error, "CONNACK properties malformed");
}

bool decode_publish(uint8_t first_byte, const Bytes& body, Publish* out, std::string* error) {
    out->dup = first_byte & 0x08;
    out->qos = (first_byte >> 1) & 3;
    out->retain = first_byte & 1;
    if (out->qos == 3) return fail(error, "PUBLISH with QoS 3");
    Reader in(body);
    if (!in.string(&out->topic)) return fail(error, "PUBLISH topic malformed");
    out->packet_id = 0;
    if (out->qos > 0 && !in.u16(&out->packet_id)) return fail(error, "PUBLISH packet id missing");
    out->user_properties.clear();
    bool ok = read_properties(in, [out](uint8_t id, Reader& r, bool* handled) {
        *handled = id == kUserProperty;
        if (!*handled) return true;
        std::pair<std::string, std::string> item;
        if (!r.string(&item.first) || !r.string(&item.second)) return false;
        out->user_properties.push_back(std::move(item));
        return true;
    });
    if (!ok) return fail(error, "PUBLISH properties malformed");
    out->payload.assign(body.begin() + in.position(), body.end());
    return true;
}

bool decode_ack(const Bytes& body, uint16_t* packet_id, uint8_t* reason, std::string* error) {
    Reader in(body);
    if (!in.u16(packet_id)) return fail(error, "acknowledgement too short");
    *reason = 0;
    if (in.left() > 0) in.u8(reason);
    return true;
}

bool decode_suback(const Bytes& body, uint16_t* packet_id, std::vector<uint8_t>* reasons, std::string* error) {
    Reader in(body);
    if (!in.u16(packet_id)) return fail(error, "SUBACK too short");
    bool ok = read_properties(in, [](uint8_t, Reader&, bool* handled) {
        *handled = false;
        return true;
    });
    if (!ok) return fail(error, "SUBACK properties malformed");
    reasons->clear();
    uint8_t reason;
    while (in.u8(&reason)) reasons->push_back(reason);
    return reasons->empty() ? fail(error, "SUBACK without reason codes") : true;
}

const char* reason_text(uint8_t reason) {
    switch (reason) {
        case 0x00: return "success";
        case 0x80: return "unspecified error";
        case 0x81: return "malformed packet";
        case 0x82: return "protocol error";
        case 0x84: return "unsupported protocol version";
        case 0x85: return "client identifier not valid";
        case 0x86: return "bad user name or password";
        case 0x87: return "not authorized";
        case 0x88: return "server unavailable";
        case 0x89: return "server busy";
        case 0x8A: return "banned";
        case 0x8E: return "session taken over";
        case 0x90: return "topic name invalid";
        case 0x95: return "packet too large";
        case 0x97: return "quota exceeded";
        default: return "refused";
    }
}

}  // namespace mqtt5
}  // namespace meterhub
