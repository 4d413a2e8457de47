// Messages that must reach the broker even across a dropped connection (readings, keypad
// acks): each stays until its PUBACK arrives and is sent again after a reconnect. Storage
// ignores a reading it already has, so a repeat is harmless; a lost one is not.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace meterhub {

struct OutboxEntry {
    std::string topic;
    std::string payload;
    bool retain = false;
    uint16_t packet_id = 0;  // 0: not on the wire yet
};

class Outbox {
public:
    explicit Outbox(size_t capacity) : capacity_(capacity ? capacity : 1) {}

    // When full the oldest entry goes: the newest reading is worth more than the oldest.
    void push(std::string topic, std::string payload, bool retain = false);
    OutboxEntry* next_unsent();
    bool acknowledge(uint16_t packet_id);  // false for an id that is not ours
    void connection_lost();                // everything in flight is to be sent again

    size_t size() const { return entries_.size(); }
    size_t in_flight() const;
    uint32_t dropped() const { return dropped_; }

private:
    size_t capacity_;
    std::deque<OutboxEntry> entries_;
    uint32_t dropped_ = 0;
};

}  // namespace meterhub
