// In-memory stand-ins for the board: a settable clock, a scripted serial line and a
// scripted broker connection that decodes what the client writes.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "device.h"
#include "file_system.h"
#include "mqtt5_codec.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "platform.h"

namespace fakes {

class Clock : public meterhub::Clock {
public:
    uint32_t now_ms = 0;
    int64_t utc = 0;
    uint32_t next_random = 12345;
    uint32_t millis() override { return now_ms; }
    int64_t utc_seconds() override { return utc; }
    uint32_t random() override { return next_random++; }
    void advance(uint32_t ms) {
        now_ms += ms;
        if (utc) utc_ms_ += ms;
        while (utc && utc_ms_ >= 1000) {
            ++utc;
            utc_ms_ -= 1000;
        }
    }

private:
    uint32_t utc_ms_ = 0;
};

class Log : public meterhub::Log {
public:
    std::vector<std::string> lines;
    void line(const char* text) override { lines.emplace_back(text); }
    bool contains(const std::string& part) const {
        for (const auto& l : lines)
            if (l.find(part) != std::string::npos) return true;
        return false;
    }
};

class Serial : public meterhub::SerialPort {
public:
    std::deque<uint8_t> incoming;
    std::vector<std::vector<uint8_t>> written;
    std::function<void(const std::vector<uint8_t>&)> on_write;  // a meter answering
    void feed(const std::string& bytes) { incoming.insert(incoming.end(), bytes.begin(), bytes.end()); }
    void feed(const std::vector<uint8_t>& bytes) { incoming.insert(incoming.end(), bytes.begin(), bytes.end()); }
    int read(uint8_t* buffer, size_t capacity) override {
        size_t n = 0;
        while (n < capacity && !incoming.empty()) {
            buffer[n++] = incoming.front();
            incoming.pop_front();
        }
        return static_cast<int>(n);
    }
    void write(const uint8_t* data, size_t length) override {
        written.emplace_back(data, data + length);
        if (on_write) on_write(written.back());
    }
};

struct Packet {
    uint8_t first = 0;
    meterhub::mqtt5::Bytes body;
    uint8_t type() const { return first >> 4; }
};

// The broker end of the connection: packets the client sent, and bytes to hand it.
class Broker : public meterhub::Transport {
public:
    bool reachable = true;
    bool open = false;
    bool fail_writes = false;
    bool black_hole = false;  // takes writes and loses them: a broker that stopped reading
    bool auto_connack = true;
    bool auto_suback = true;
    bool auto_puback = false;  // acknowledge QoS 1 publishes, as a broker does
    int connects = 0;
    std::vector<Packet> received;
    std::deque<uint8_t> to_client;

    bool connect(const char*, uint16_t) override {
        ++connects;
        open = reachable;
        reader_.reset();
        return open;
    }
    bool connected() override { return open; }
    int read(uint8_t* buffer, size_t capacity) override {
        if (!open) return -1;
        size_t n = 0;
        while (n < capacity && !to_client.empty()) {
            buffer[n++] = to_client.front();
            to_client.pop_front();
        }
        return static_cast<int>(n);
    }
    bool write(const uint8_t* data, size_t length) override {
        if (!open || fail_writes) return false;
        if (black_hole) return true;
        for (size_t i = 0; i < length; ++i) {
            if (reader_.feed(data[i]) != meterhub::mqtt5::PacketReader::Result::Packet) continue;
            received.push_back({reader_.first_byte(), reader_.body()});
            const Packet& packet = received.back();
            if (auto_connack && packet.type() == meterhub::mqtt5::kConnect) send({0x20, 0x03, 0x00, 0x00, 0x00});
            if (auto_suback && packet.type() == meterhub::mqtt5::kSubscribe && packet.body.size() >= 2)
                send({0x90, 0x04, packet.body[0], packet.body[1], 0x00, 0x01});  // QoS 1 granted
            if (auto_puback && packet.type() == meterhub::mqtt5::kPublish && (packet.first & 0x06) == 0x02) {
                meterhub::mqtt5::Publish message;
                std::string error;
                if (meterhub::mqtt5::decode_publish(packet.first, packet.body, &message, &error))
                    send(meterhub::mqtt5::encode_puback(message.packet_id));
            }
        }
        return true;
    }
    void close() override { open = false; }

    void send(const std::vector<uint8_t>& bytes) { to_client.insert(to_client.end(), bytes.begin(), bytes.end()); }
    std::vector<meterhub::mqtt5::Publish> publishes() const {
        std::vector<meterhub::mqtt5::Publish> out;
        for (const auto& p : received) {
            if (p.type() != meterhub::mqtt5::kPublish) continue;
            meterhub::mqtt5::Publish message;
            std::string error;
            if (meterhub::mqtt5::decode_publish(p.first, p.body, &message, &error)) out.push_back(message);
        }
        return out;
    }
    size_t count(uint8_t type) const {
        size_t n = 0;
        for (const auto& p : received) n += p.type() == type;
        return n;
    }

private:
    meterhub::mqtt5::PacketReader reader_{1 << 20};
};

// Flash in RAM: files by path; `fail_appends` makes the next writes fail, `torn_append`
// writes only that many bytes of the next append (a power cut mid-write).
class MemoryFileSystem : public meterhub::FileSystem {
public:
    std::map<std::string, std::string> files;
    bool fail_appends = false;
    long torn_append = -1;
    long size(const std::string& path) override {
        const auto it = files.find(path);
        return it == files.end() ? -1 : static_cast<long>(it->second.size());
    }
    bool read(const std::string& path, size_t offset, uint8_t* buffer, size_t length) override {
        const auto it = files.find(path);
        if (it == files.end() || offset + length > it->second.size()) return false;
        it->second.copy(reinterpret_cast<char*>(buffer), length, offset);
        return true;
    }
    bool append(const std::string& path, const uint8_t* data, size_t length) override {
        if (fail_appends) return false;
        if (torn_append >= 0) {
            files[path].append(reinterpret_cast<const char*>(data), static_cast<size_t>(torn_append));
            torn_append = -1;
            return false;
        }
        files[path].append(reinterpret_cast<const char*>(data), length);
        return true;
    }
    bool rename(const std::string& from, const std::string& to) override {
        const auto it = files.find(from);
        if (it == files.end()) return false;
        files[to] = it->second;
        files.erase(from);
        return true;
    }
    bool remove(const std::string& path) override {
        files.erase(path);
        return true;
    }
};

// A device's MQTT session (id "dev") against the scripted broker.
struct Bus {
    Clock clock;
    Log log;
    Broker broker;
    meterhub::Outbox outbox{16};
    meterhub::MqttClient client;
    explicit Bus(std::vector<meterhub::TopicKind> subscriptions = {})
        : client(broker, clock, log,
                 meterhub::device_mqtt_settings({"meterhub", "dev", "test"}, "b", 1883, "", subscriptions), outbox) {}
    void connect() {  // CONNECT, then CONNACK and SUBACK read
        client.loop(true);
        client.loop(true);
    }
};

inline std::string text(const meterhub::mqtt5::Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

inline std::vector<uint8_t> hex_bytes(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size();) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
        i += 2;
    }
    return out;
}

}  // namespace fakes
