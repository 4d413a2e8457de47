#include "role_rs485.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "mqtt_client.h"

namespace meterhub {

namespace {

bool reached(uint32_t now, uint32_t deadline) { return static_cast<int32_t>(now - deadline) >= 0; }

}  // namespace

std::vector<uint16_t> default_data_ids(int phases) {
    std::vector<uint16_t> ids;
    for (uint16_t t = 0; t <= 4; ++t) {  // import and export, total then T1..T4
        ids.push_back(static_cast<uint16_t>(0x9010 + t));
        ids.push_back(static_cast<uint16_t>(0x9020 + t));
    }
    ids.push_back(0x9110);
    ids.push_back(0x9120);
    for (uint16_t base : {0xB610, 0xB620})
        for (int p = 1; p <= phases; ++p) ids.push_back(static_cast<uint16_t>(base + p));
    ids.push_back(0xB630);
    // With one phase the total is the phase, so its own register is not asked for.
    if (phases > 1)
        for (int p = 1; p <= phases; ++p) ids.push_back(static_cast<uint16_t>(0xB630 + p));
    ids.push_back(0xB640);
    ids.push_back(0xB650);
    return ids;
}

Rs485Reader::Rs485Reader(SerialPort& port, Clock& clock, Log& log, Outbox& outbox, Rs485Settings settings)
    : port_(port), clock_(clock), log_(log), outbox_(outbox), settings_(std::move(settings)) {
    std::vector<uint16_t> known;
    for (uint16_t id : settings_.data_ids) {
        if (dlt645::find_item(id)) known.push_back(id);
        else logf("rs485: data id %04X has no known format, not polled", id);
    }
    settings_.data_ids = known;
}

void Rs485Reader::logf(const char* format, ...) {
    char text[192];
    va_list args;
    va_start(args, format);
    std::vsnprintf(text, sizeof text, format, args);
    va_end(args);
    log_.line(text);
}

void Rs485Reader::set_meter_state(bool answering) {
    if (meter_answering_ == static_cast<int>(answering)) return;
    meter_answering_ = answering;
    logf("rs485: meter %s device=%s", answering ? "answering" : "silent", settings_.device.c_str());
    if (meter_state_handler_) meter_state_handler_(answering);
}

void Rs485Reader::start_cycle(uint32_t now) {
    polled_once_ = true;
    cycle_start_ms_ = now;
    ++stats_.cycles;
    reading_ = Reading{};
    reading_.device = settings_.device;
    reading_.source = "dlt645";
    reading_.ts = clock_.utc_seconds();
    item_ = 0;
    tries_ = 0;
    answered_ = false;
    refused_.clear();
    send_request(now);
}

void Rs485Reader::send_request(uint32_t now) {
    uint8_t stale[64];
    while (port_.read(stale, sizeof stale) > 0) {
    }  // an answer that came too late must not pass for this one
    reader_.reset();
    ++tries_;
    const auto frame = dlt645::build_read_request(settings_.address, settings_.data_ids[item_], settings_.preamble);
    port_.write(frame.data(), frame.size());
    phase_ = Phase::Waiting;
    deadline_ms_ = now + settings_.reply_timeout_ms;
}

void Rs485Reader::next_item(uint32_t now) {
    ++item_;
    tries_ = 0;
    if (item_ >= settings_.data_ids.size()) {
        finish_cycle();
        return;
    }
    phase_ = Phase::Gap;
    deadline_ms_ = now + settings_.gap_ms;
}

void Rs485Reader::finish_cycle() {
    phase_ = Phase::Idle;
    if (!refused_.empty()) {  // the meter has no such register: stop asking for it
        auto& ids = settings_.data_ids;
        ids.erase(std::remove_if(ids.begin(), ids.end(),
                                 [this](uint16_t id) {
                                     return std::find(refused_.begin(), refused_.end(), id) != refused_.end();
                                 }),
                  ids.end());
    }
    set_meter_state(answered_);
    if (reading_.values.empty()) return;
    outbox_.push(settings_.reading_topic, reading_json(reading_));
    ++stats_.readings;
}

void Rs485Reader::handle_frame(uint32_t now) {
    const uint16_t id = settings_.data_ids[item_];
    answered_ = true;
    const auto reply = dlt645::interpret_reply(reader_.frame(), settings_.address, id);
    switch (reply.kind) {
        case dlt645::Reply::Kind::Value:
            reading_.values.push_back({dlt645::find_item(id)->quantity, reply.value});
            // The reply names the meter even when it was asked by broadcast.
            reading_.meter_id = reader_.frame().address.text();
            break;
        case dlt645::Reply::Kind::MeterError:
            ++stats_.refusals;
            refused_.push_back(id);
            logf("rs485: register not supported data_id=%04X reason=\"%s\"", id, reply.error.c_str());
            break;
        case dlt645::Reply::Kind::Invalid:
            ++stats_.bad_frames;
            logf("rs485: bad reply data_id=%04X reason=\"%s\"", id, reply.error.c_str());
            break;
    }
    next_item(now);
}

void Rs485Reader::loop() {
    const uint32_t now = clock_.millis();
    switch (phase_) {
        case Phase::Idle:
            if (settings_.data_ids.empty()) return;
            if (polled_once_ && !reached(now, cycle_start_ms_ + settings_.interval_ms)) return;
            // A reading needs its time; before SNTP has answered there is none to give.
            if (clock_.utc_seconds() == 0) return;
            start_cycle(now);
            return;
        case Phase::Gap:
            if (reached(now, deadline_ms_)) send_request(now);
            return;
        case Phase::Waiting:
            break;
    }
    uint8_t chunk[64];
    int n;
    while ((n = port_.read(chunk, sizeof chunk)) > 0) {
        for (int i = 0; i < n; ++i) {
            const auto result = reader_.feed(chunk[i]);
            if (result == dlt645::FrameReader::Result::Error) {
                ++stats_.bad_frames;
                answered_ = true;  // something is on the line, if garbled
                logf("rs485: bad frame data_id=%04X reason=\"%s\"", settings_.data_ids[item_], reader_.error().c_str());
            } else if (result == dlt645::FrameReader::Result::Frame) {
                handle_frame(now);
                return;
            }
        }
    }
    if (!reached(now, deadline_ms_)) return;
    if (tries_ <= settings_.retries) {
        send_request(now);
        return;
    }
    ++stats_.timeouts;
    logf("rs485: no answer data_id=%04X tries=%u", settings_.data_ids[item_], static_cast<unsigned>(tries_));
    if (!answered_) {  // nobody there: do not spend the whole interval on timeouts
        finish_cycle();
        return;
    }
    next_item(now);
}

void link_meter_availability(Rs485Reader& reader, MqttClient& mqtt, const std::string& availability_topic) {
    reader.on_meter_state([&mqtt, availability_topic](bool answering) {
        mqtt.publish(availability_topic, answering ? "online" : "offline", 1, true);
    });
    mqtt.on_state([&reader, &mqtt, availability_topic](bool online) {
        if (online && reader.meter_answering() == 0) mqtt.publish(availability_topic, "offline", 1, true);
    });
}

}  // namespace meterhub
