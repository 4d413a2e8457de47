#include "p1_backlog.h"

#include <cstdio>

namespace meterhub {

namespace {

constexpr int64_t kQuarterS = 15 * 60;
constexpr char kStampObis[] = "0-0:1.0.0(";

// Days from 2000-03-01 style civil arithmetic (Howard Hinnant's days_from_civil), shifted
// to 2000-01-01; the year is 20YY.
int64_t days_since_2000(int year, int month, int day) {
    year -= month <= 2;
    const int64_t era = year / 400;
    const int64_t yoe = year - era * 400;
    const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 730425;  // 730425: days from 0000-03-01 to 2000-01-01
}

}  // namespace

int64_t telegram_stamp(const std::string& telegram) {
    const size_t at = telegram.find(kStampObis);
    if (at == std::string::npos || at + 10 + 12 > telegram.size()) return -1;
    int f[6];
    for (int i = 0; i < 6; ++i) {
        const char hi = telegram[at + 10 + 2 * i], lo = telegram[at + 11 + 2 * i];
        if (hi < '0' || hi > '9' || lo < '0' || lo > '9') return -1;
        f[i] = (hi - '0') * 10 + (lo - '0');
    }
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59) return -1;
    return days_since_2000(2000 + f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
}

TelegramBacklog::TelegramBacklog(FlashQueue& queue, Outbox& outbox, Log& log, uint32_t keep_every_s, size_t batch,
                                 size_t recent)
    : queue_(queue),
      outbox_(outbox),
      log_(log),
      keep_every_s_(keep_every_s),
      batch_(batch ? batch : 1),
      recent_capacity_(recent) {}

bool TelegramBacklog::wanted(int64_t stamp, int64_t last) const {
    const bool new_quarter = last < 0 || stamp / kQuarterS != last / kQuarterS;
    return new_quarter || stamp < last || stamp - last >= static_cast<int64_t>(keep_every_s_);
}

void TelegramBacklog::published(const std::string& topic, const std::string& telegram) {
    const int64_t stamp = telegram_stamp(telegram);
    if (recent_capacity_ == 0 || stamp < 0 || !wanted(stamp, last_recent_)) return;
    if (recent_.size() >= recent_capacity_) recent_.pop_front();
    recent_.push_back({topic, telegram});
    last_recent_ = stamp;
}

void TelegramBacklog::connection_lost() {
    for (const auto& message : recent_) keep(message.topic, message.payload);
    recent_.clear();
    last_recent_ = -1;
}

void TelegramBacklog::keep(const std::string& topic, const std::string& telegram) {
    const int64_t stamp = telegram_stamp(telegram);
    if (stamp < 0) {
        if (stats_.unstamped++ == 0) log_.line("p1: telegram not kept for later reason=\"no meter time (0-0:1.0.0)\"");
        return;
    }
    const bool new_quarter = last_kept_ < 0 || stamp / kQuarterS != last_kept_ / kQuarterS;
    if (!wanted(stamp, last_kept_)) {
        ++stats_.thinned;
        return;
    }
    if (!queue_.push({topic, telegram})) {
        ++stats_.failed;
        log_.line("p1: telegram not kept for later reason=\"flash write failed\"");
        return;
    }
    last_kept_ = stamp;
    ++stats_.kept;
    if (new_quarter) {
        char line[96];
        std::snprintf(line, sizeof line, "p1: kept for later quarter=%lld backlog=%u",
                      static_cast<long long>(stamp / kQuarterS), static_cast<unsigned>(queue_.count()));
        log_.line(line);
    }
    // Once a quarter at most, with the total so far.
    if (queue_.dropped() != given_up_logged_ && given_up_logged_quarter_ != stamp / kQuarterS) {
        char line[96];
        std::snprintf(line, sizeof line, "p1: backlog full, oldest telegrams given up total=%u",
                      static_cast<unsigned>(queue_.dropped()));
        log_.line(line);
        given_up_logged_ = queue_.dropped();
        given_up_logged_quarter_ = stamp / kQuarterS;
    }
}

void TelegramBacklog::drain(bool online) {
    if (outbox_.size() > 0) return;  // the batch is still on its way (resent after a reconnect)
    if (batch_in_outbox_ > 0) {      // all acknowledged: now it may leave the flash
        queue_.pop(batch_in_outbox_);
        stats_.sent += static_cast<uint32_t>(batch_in_outbox_);
        batch_in_outbox_ = 0;
        if (queue_.empty()) log_.line("p1: backlog sent");
    }
    if (!online || queue_.empty()) return;
    for (auto& message : queue_.peek(batch_)) {
        outbox_.push(std::move(message.topic), std::move(message.payload));
        ++batch_in_outbox_;
    }
}

}  // namespace meterhub
