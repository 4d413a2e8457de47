// What the P1 bridge keeps while it cannot send: telegrams in a FlashQueue, sent after the
// reconnect in the order the meter sent them, before any newer one (the gateway builds the
// capacity quarters from them in time order, and drops a telegram older than one it has).
//
// Only telegrams with the meter's own time (0-0:1.0.0, DSMR 4/5) are kept: the gateway
// stamps one without it with its arrival time, which for a late telegram is wrong. Kept
// while offline: one every `keep_every_s` of meter time and the first of each quarter
// hour, so every quarter's boundary is seen (the gateway wants no gap over 60 s).
//
// A telegram published just before the link died may never have reached the broker (the
// session notices a dead link only at its keep-alive). So the last ones published live
// (thinned the same way, `recent` of them) are kept in RAM and go into the backlog when
// the session drops; the gateway ignores the ones it already had.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

#include "flash_queue.h"
#include "mqtt_client.h"
#include "outbox.h"
#include "platform.h"

namespace meterhub {

// The telegram's own time (0-0:1.0.0(YYMMDDhhmmssX)) as seconds of the meter's local
// calendar since 2000; -1 without one. Only differences and quarters are taken from it.
int64_t telegram_stamp(const std::string& telegram);

struct BacklogStats {
    uint32_t kept = 0;
    uint32_t thinned = 0;    // not needed: another kept one is within keep_every_s
    uint32_t unstamped = 0;  // no meter time: not kept
    uint32_t failed = 0;     // the file system refused
    uint32_t sent = 0;       // acknowledged by the broker and taken off the queue
};

class TelegramBacklog {
public:
    TelegramBacklog(FlashQueue& queue, Outbox& outbox, Log& log, uint32_t keep_every_s = 10, size_t batch = 8,
                    size_t recent = 9);

    bool pending() const { return !queue_.empty() || batch_in_outbox_ > 0; }
    void keep(const std::string& topic, const std::string& telegram);
    void published(const std::string& topic, const std::string& telegram);  // sent live
    void connection_lost();  // the recent live ones may not have arrived: keep them
    // Call every loop: hands the next batch to the outbox once the last one was acknowledged.
    void drain(bool online);
    const BacklogStats& stats() const { return stats_; }
    size_t queued() const { return queue_.count(); }

private:
    bool wanted(int64_t stamp, int64_t last) const;

    FlashQueue& queue_;
    Outbox& outbox_;
    Log& log_;
    uint32_t keep_every_s_;
    size_t batch_;
    size_t batch_in_outbox_ = 0;
    size_t recent_capacity_;
    std::deque<QueuedMessage> recent_;
    int64_t last_recent_ = -1;
    int64_t last_kept_ = -1;
    uint32_t given_up_logged_ = 0;  // the flash queue's count of oldest dropped, as last logged
    int64_t given_up_logged_quarter_ = -1;
    BacklogStats stats_;
};

}  // namespace meterhub
