#include "role_p1.h"

namespace meterhub {

P1Bridge::P1Bridge(SerialPort& port, MqttClient& mqtt, Log& log, std::string telegram_topic,
                   TelegramBacklog* backlog)
    : port_(port), mqtt_(mqtt), log_(log), topic_(std::move(telegram_topic)), backlog_(backlog) {}

void P1Bridge::note_connection() {
    if (backlog_ && was_online_ && !mqtt_.online()) backlog_->connection_lost();
    was_online_ = mqtt_.online();
}

void P1Bridge::loop() {
    note_connection();
    uint8_t chunk[128];
    int n;
    while ((n = port_.read(chunk, sizeof chunk)) > 0) {
        for (int i = 0; i < n; ++i) {
            switch (framer_.feed(chunk[i])) {
                case DsmrFramer::Event::None:
                    break;
                case DsmrFramer::Event::Error:
                    ++stats_.bad;
                    log_.line(("p1: telegram dropped reason=\"" + framer_.error() + "\"").c_str());
                    break;
                case DsmrFramer::Event::Telegram:
                    ++stats_.telegrams;
                    if (!(backlog_ && backlog_->pending()) && mqtt_.publish(topic_, framer_.telegram(), 1, false)) {
                        ++stats_.published;
                        if (backlog_) backlog_->published(topic_, framer_.telegram());
                    } else {
                        ++stats_.unsent;
                        // A write that failed just now took the link down: the recent live
                        // ones, which may have gone into the void, are kept before this one.
                        note_connection();
                        if (backlog_) backlog_->keep(topic_, framer_.telegram());
                    }
                    break;
            }
        }
    }
    if (backlog_) backlog_->drain(mqtt_.online());
}

}  // namespace meterhub
