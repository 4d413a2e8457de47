#include "mqtt_client.h"

#include <cstdarg>
#include <cstdio>

namespace meterhub {

namespace {

bool reached(uint32_t now, uint32_t deadline) { return static_cast<int32_t>(now - deadline) >= 0; }

const char* kOnline = "online";
const char* kOffline = "offline";

}  // namespace

MqttClient::MqttClient(Transport& transport, Clock& clock, Log& log, MqttSettings settings, Outbox& outbox,
                       Backoff backoff)
    : transport_(transport),
      clock_(clock),
      log_(log),
      settings_(std::move(settings)),
      outbox_(outbox),
      backoff_(backoff),
      reader_(settings_.max_inbound_bytes),
      keep_alive_s_(settings_.keep_alive_s) {}

void MqttClient::logf(const char* format, ...) {
    char text[192];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    log_.line(text);
}

uint16_t MqttClient::next_packet_id() {
    if (++packet_id_ == 0) packet_id_ = 1;
    return packet_id_;
}

bool MqttClient::send(const mqtt5::Bytes& bytes) {
    if (!transport_.write(bytes.data(), bytes.size())) {
        drop("write failed");
        return false;
    }
    last_sent_ms_ = clock_.millis();
    return true;
}

void MqttClient::drop(const char* reason) {
    if (state_ == State::Disconnected) return;
    const bool was_online = state_ == State::Online;
    transport_.close();
    reader_.reset();
    outbox_.connection_lost();
    state_ = State::Disconnected;
    ++stats_.drops;
    const uint32_t now = clock_.millis();
    const uint32_t wait = backoff_.next_delay_ms(clock_.random());
    next_attempt_ms_ = now + wait;
    logf("mqtt: connection closed reason=\"%s\" retry_in_ms=%u", reason, static_cast<unsigned>(wait));
    if (was_online && announced_ && state_handler_) state_handler_(false);
}

void MqttClient::attempt(uint32_t now) {
    if (!transport_.connect(settings_.host.c_str(), settings_.port)) {
        const uint32_t wait = backoff_.next_delay_ms(clock_.random());
        next_attempt_ms_ = clock_.millis() + wait;
        logf("mqtt: cannot reach broker host=%s port=%u retry_in_ms=%u", settings_.host.c_str(),
             static_cast<unsigned>(settings_.port), static_cast<unsigned>(wait));
        return;
    }
    mqtt5::Will will{settings_.availability_topic, kOffline, 1, true};
    mqtt5::ConnectOptions options;
    options.client_id = settings_.client_id;
    options.username = settings_.username;
    options.password = settings_.password;
    options.keep_alive_s = settings_.keep_alive_s;
    options.max_packet_size = settings_.max_inbound_bytes + 5;  // body plus the largest fixed header
    options.will = settings_.availability_topic.empty() ? nullptr : &will;
    state_ = State::AwaitingConnack;
    state_since_ms_ = now;
    last_received_ms_ = now;
    keep_alive_s_ = settings_.keep_alive_s;
    reader_.reset();
    send(mqtt5::encode_connect(options));
}

void MqttClient::became_online(uint32_t now) {
    state_ = State::Online;
    state_since_ms_ = now;
    stable_ = false;
    announced_ = false;
    ++stats_.connects;
    logf("mqtt: online client_id=%s keep_alive_s=%u", settings_.client_id.c_str(), static_cast<unsigned>(keep_alive_s_));
    if (settings_.subscriptions.empty()) {
        announce();
        return;
    }
    std::vector<std::pair<std::string, uint8_t>> filters;
    for (const auto& topic : settings_.subscriptions) filters.emplace_back(topic, 1);
    subscribe_id_ = next_packet_id();
    send(mqtt5::encode_subscribe(subscribe_id_, filters));
}

// "online" goes out once the subscriptions stand, so whoever sees it can send a command
// and know it is heard.
void MqttClient::announce() {
    announced_ = true;
    if (!settings_.availability_topic.empty() && !publish(settings_.availability_topic, kOnline, 1, true)) return;
    if (state_handler_) state_handler_(true);
}

void MqttClient::handle_packet(uint32_t now) {
    const auto& body = reader_.body();
    std::string error;
    switch (reader_.type()) {
        case mqtt5::kConnack: {
            mqtt5::Connack connack;
            if (state_ != State::AwaitingConnack || !mqtt5::decode_connack(body, &connack, &error)) {
                drop("unexpected or malformed CONNACK");
                return;
            }
            if (connack.reason != 0) {
                ++stats_.refusals;
                logf("mqtt: broker refused connection reason=\"%s\" code=0x%02X", mqtt5::reason_text(connack.reason),
                     connack.reason);
                drop("refused");
                return;
            }
            if (connack.server_keep_alive_s) keep_alive_s_ = connack.server_keep_alive_s;  // the broker's word wins
            became_online(now);
            return;
        }
        case mqtt5::kPublish: {
            mqtt5::Publish message;
            if (!mqtt5::decode_publish(reader_.first_byte(), body, &message, &error) || message.qos > 1) {
                drop("malformed PUBLISH");
                return;
            }
            ++stats_.received;
            if (message_handler_) message_handler_(message);
            // Acknowledged after handling: a message the device failed on comes again.
            if (message.qos == 1 && state_ == State::Online) send(mqtt5::encode_puback(message.packet_id));
            return;
        }
        case mqtt5::kPuback: {
            uint16_t id;
            uint8_t reason;
            if (!mqtt5::decode_ack(body, &id, &reason, &error)) {
                drop("malformed PUBACK");
                return;
            }
            if (reason >= 0x80)
                logf("mqtt: broker refused a publish packet_id=%u reason=\"%s\"", static_cast<unsigned>(id),
                     mqtt5::reason_text(reason));
            outbox_.acknowledge(id);  // a refused message would be refused again: it goes too
            return;
        }
        case mqtt5::kSuback: {
            uint16_t id;
            std::vector<uint8_t> reasons;
            if (!mqtt5::decode_suback(body, &id, &reasons, &error)) {
                drop("malformed SUBACK");
                return;
            }
            for (size_t i = 0; i < reasons.size() && i < settings_.subscriptions.size(); ++i)
                if (reasons[i] >= 0x80)
                    logf("mqtt: subscription refused topic=%s reason=\"%s\"", settings_.subscriptions[i].c_str(),
                         mqtt5::reason_text(reasons[i]));
            if (id == subscribe_id_ && !announced_) announce();
            return;
        }
        case mqtt5::kPingresp:
            return;
        case mqtt5::kDisconnect: {
            const uint8_t reason = body.empty() ? 0 : body[0];
            logf("mqtt: broker disconnected us reason=\"%s\" code=0x%02X", mqtt5::reason_text(reason), reason);
            drop("broker sent DISCONNECT");
            return;
        }
        default:
            drop("unexpected packet type");
    }
}

void MqttClient::read_incoming(uint32_t now) {
    uint8_t chunk[256];
    while (state_ != State::Disconnected) {
        const int n = transport_.read(chunk, sizeof chunk);
        if (n < 0) {
            drop("broker closed the connection");
            return;
        }
        if (n == 0) return;
        last_received_ms_ = now;
        for (int i = 0; i < n && state_ != State::Disconnected; ++i) {
            switch (reader_.feed(chunk[i])) {
                case mqtt5::PacketReader::Result::NeedMore: break;
                case mqtt5::PacketReader::Result::Packet: handle_packet(now); break;
                case mqtt5::PacketReader::Result::TooLarge: drop("incoming packet too large"); return;
                case mqtt5::PacketReader::Result::Malformed: drop("malformed packet"); return;
            }
        }
    }
}

void MqttClient::flush_outbox() {
    while (state_ == State::Online && outbox_.in_flight() < settings_.max_in_flight) {
        OutboxEntry* entry = outbox_.next_unsent();
        if (!entry) return;
        const uint16_t id = next_packet_id();
        const auto head = mqtt5::encode_publish_head(entry->topic, entry->payload.size(), 1, entry->retain, id, {});
        if (!send(head) || !transport_.write(reinterpret_cast<const uint8_t*>(entry->payload.data()),
                                             entry->payload.size())) {
            drop("write failed");
            return;
        }
        entry->packet_id = id;
        ++stats_.published;
    }
}

void MqttClient::loop(bool network_up) {
    const uint32_t now = clock_.millis();
    if (!network_up) {
        drop("network down");
        return;
    }
    if (state_ == State::Disconnected) {
        if (reached(now, next_attempt_ms_)) attempt(now);
        return;
    }
    if (!transport_.connected()) {
        drop("connection lost");
        return;
    }
    read_incoming(now);
    if (state_ == State::AwaitingConnack && reached(now, state_since_ms_ + settings_.connack_timeout_ms)) {
        drop("no CONNACK in time");
        return;
    }
    if (state_ != State::Online) return;
    if (!stable_ && reached(now, state_since_ms_ + settings_.stable_after_ms)) {
        stable_ = true;
        backoff_.reset();
    }
    const uint32_t keep_alive_ms = keep_alive_s_ * 1000u;
    if (keep_alive_ms) {
        if (reached(now, last_received_ms_ + keep_alive_ms * 3 / 2)) {
            drop("broker silent for 1.5 keep-alive periods");
            return;
        }
        if (reached(now, last_sent_ms_ + keep_alive_ms * 3 / 4) && !send(mqtt5::encode_pingreq())) return;
    }
    flush_outbox();
}

bool MqttClient::publish(const std::string& topic, const uint8_t* payload, size_t length, uint8_t qos, bool retain,
                         const mqtt5::UserProperties& properties) {
    if (state_ != State::Online) return false;
    const auto head = mqtt5::encode_publish_head(topic, length, qos, retain, qos ? next_packet_id() : 0, properties);
    if (head.empty()) {
        logf("mqtt: payload too large for MQTT topic=%s bytes=%u", topic.c_str(), static_cast<unsigned>(length));
        return false;
    }
    if (!send(head)) return false;
    if (length && !transport_.write(payload, length)) {
        drop("write failed");
        return false;
    }
    ++stats_.published;
    return true;
}

void MqttClient::go_offline() {
    if (state_ != State::Online) return;
    publish(settings_.availability_topic, kOffline, 1, true);
    if (state_ == State::Online) send(mqtt5::encode_disconnect());
    transport_.close();
    reader_.reset();
    outbox_.connection_lost();
    state_ = State::Disconnected;
    if (announced_ && state_handler_) state_handler_(false);
}

}  // namespace meterhub
