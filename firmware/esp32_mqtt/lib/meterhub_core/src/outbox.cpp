#include "outbox.h"

namespace meterhub {

void Outbox::push(std::string topic, std::string payload, bool retain) {
    if (entries_.size() >= capacity_) {
        entries_.pop_front();
        ++dropped_;
    }
    entries_.push_back(OutboxEntry{std::move(topic), std::move(payload), retain, 0});
}

OutboxEntry* Outbox::next_unsent() {
    for (auto& entry : entries_)
        if (entry.packet_id == 0) return &entry;
    return nullptr;
}

bool Outbox::acknowledge(uint16_t packet_id) {
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (it->packet_id == packet_id) {
            entries_.erase(it);
            return true;
        }
    }
    return false;
}

void Outbox::connection_lost() {
    for (auto& entry : entries_) entry.packet_id = 0;
}

size_t Outbox::in_flight() const {
    size_t n = 0;
    for (const auto& entry : entries_) n += entry.packet_id != 0;
    return n;
}

}  // namespace meterhub
