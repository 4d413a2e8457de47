#include <cstdio>
#include <string>

#include "check.h"
#include "crc16_arc.h"
#include "dsmr_framer.h"
#include "json_value.h"

using meterhub::DsmrFramer;

namespace {

const testjson::Value& vectors() {
    static const testjson::Value v = testjson::load_vector("dsmr.json");
    return v;
}

// Feeds text and lists what came out: "telegram:<text>" or "error:<reason>".
std::vector<std::string> frame_all(DsmrFramer& framer, const std::string& text) {
    std::vector<std::string> events;
    for (unsigned char c : text) {
        switch (framer.feed(c)) {
            case DsmrFramer::Event::Telegram: events.push_back("telegram:" + framer.telegram()); break;
            case DsmrFramer::Event::Error: events.push_back("error:" + framer.error()); break;
            case DsmrFramer::Event::None: break;
        }
    }
    return events;
}

std::string telegram_text(const std::string& name) {
    for (const auto& t : vectors()["telegrams"].items)
        if (t["name"].str() == name) return t["text"].str();
    return "<no telegram " + name + ">";
}

}  // namespace

TEST(crc16_arc_matches_the_vectors) {
    for (const auto& c : vectors()["crc16_arc"].items) {
        const std::string& data = c["ascii"].str();
        char hex[8];
        std::snprintf(hex, sizeof hex, "%04X", meterhub::crc16_arc(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
        CHECK_EQ_IN(c["crc"].str(), std::string(hex), c["crc"].str());
    }
}

TEST(framer_passes_valid_telegrams_byte_for_byte_and_refuses_the_rest_with_the_gateways_reason) {
    for (const auto& t : vectors()["telegrams"].items) {
        DsmrFramer framer;
        const auto events = frame_all(framer, t["text"].str());
        CHECK_EQ_IN(t["name"].str(), events.size(), 1u);
        if (events.empty()) continue;
        const std::string want = t["valid"].boolean ? "telegram:" + t["text"].str() : "error:" + t["error"].str();
        CHECK_EQ_IN(t["name"].str(), events[0], want);
    }
}

TEST(framer_finds_telegrams_in_a_noisy_stream) {
    for (const auto& stream : vectors()["streams"].items) {
        std::string bytes;
        for (const auto& part : stream["parts"].items) {
            const std::string& p = part.str();
            bytes += p.rfind("noise:", 0) == 0 ? p.substr(6) : telegram_text(p.substr(9));
        }
        DsmrFramer framer;
        const auto events = frame_all(framer, bytes);
        std::vector<std::string> want;
        for (const auto& e : stream["expect"].items) {
            const std::string& x = e.str();
            want.push_back(x.rfind("telegram:", 0) == 0 ? "telegram:" + telegram_text(x.substr(9)) : x);
        }
        CHECK_EQ_IN(stream["name"].str(), events.size(), want.size());
        for (size_t i = 0; i < events.size() && i < want.size(); ++i) CHECK_EQ_IN(stream["name"].str(), events[i], want[i]);
    }
}

TEST(framer_drops_an_oversized_telegram_and_recovers) {
    DsmrFramer framer(64);
    std::string long_telegram = "/ABC5 header\r\n" + std::string(100, 'x') + "\r\n!0000\r\n";
    auto events = frame_all(framer, long_telegram);
    CHECK_EQ(events.size(), 1u);
    if (!events.empty()) CHECK_EQ(events[0], std::string("error:telegram exceeds 64 bytes"));
    events = frame_all(framer, telegram_text("lowercase_crc"));  // longer than 64: refused too
    CHECK_EQ(events.size(), 1u);
    DsmrFramer roomy;
    events = frame_all(roomy, telegram_text("lowercase_crc"));
    CHECK_EQ(events.size(), 1u);
    if (!events.empty()) CHECK(events[0].rfind("telegram:", 0) == 0);
}

TEST(framer_names_an_inverted_line_when_bytes_are_not_ascii) {
    DsmrFramer framer;
    const auto events = frame_all(framer, std::string("/ABC5\r\n\xC3\xA9"));
    CHECK_EQ(events.size(), 1u);
    if (!events.empty())
        CHECK_EQ(events[0], std::string("error:not a DSMR telegram (non-ASCII characters; is the RX line inverted?)"));
}

TEST(framer_refuses_garbage_after_the_crc) {
    DsmrFramer framer;
    std::string text = telegram_text("fluvius_dsmr5");
    text.insert(text.size() - 2, "X");  // "!197AX\r\n"
    const auto events = frame_all(framer, text);
    CHECK_EQ(events.size(), 1u);
    if (!events.empty()) CHECK_EQ(events[0], std::string("error:unexpected data after the CRC line"));
}
