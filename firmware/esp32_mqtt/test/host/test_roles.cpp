// The P1 bridge, the RS-485 reader and the keypad role with simulated hardware.
#include <cstdio>

#include "check.h"
#include "device.h"
#include "dlt645.h"
#include "fakes.h"
#include "json_value.h"
#include "role_keypad.h"
#include "role_p1.h"
#include "role_rs485.h"

using namespace meterhub;
using fakes::Bus;

namespace {

std::string telegram(const std::string& name) {
    static const auto v = testjson::load_vector("dsmr.json");
    for (const auto& t : v["telegrams"].items)
        if (t["name"].str() == name) return t["text"].str();
    return "";
}

// A DL/T 645 meter on the line: answers each request with the vector's frame for its id.
struct Meter {
    const testjson::Value& replies;
    fakes::Serial& line;
    std::vector<std::string> asked;
    void operator()(const std::vector<uint8_t>& request) {
        dlt645::FrameReader reader;
        for (uint8_t b : request) {
            if (reader.feed(b) != dlt645::FrameReader::Result::Frame) continue;
            char id[8];
            std::snprintf(id, sizeof id, "%02X%02X", reader.frame().data[1], reader.frame().data[0]);
            asked.push_back(id);
            for (const auto& r : replies.items)
                if (r["data_id"].str() == id && !r["frame"].is_null()) line.feed(fakes::hex_bytes(r["frame"].str()));
        }
    }
};

}  // namespace

TEST(p1_bridge_publishes_checked_telegrams_raw_and_drops_bad_ones) {
    Bus bus;
    bus.connect();
    fakes::Serial port;
    P1Bridge bridge(port, bus.client, bus.log, "meterhub/dev/telegram");
    port.feed(telegram("fluvius_dsmr5") + telegram("crc_mismatch") + telegram("dsmr22_without_crc"));
    bridge.loop();
    const auto publishes = bus.broker.publishes();
    CHECK_EQ(publishes.size(), 3u);  // availability + two telegrams
    if (publishes.size() == 3u) {
        CHECK_EQ(publishes[1].topic, std::string("meterhub/dev/telegram"));
        CHECK_EQ(fakes::text(publishes[1].payload), telegram("fluvius_dsmr5"));
        CHECK_EQ(fakes::text(publishes[2].payload), telegram("dsmr22_without_crc"));
    }
    CHECK_EQ(bridge.stats().bad, 1u);
    CHECK(bus.log.contains("p1: telegram dropped reason=\"CRC mismatch (telegram says 0000, computed 197A)\""));
}

TEST(p1_bridge_counts_telegrams_it_could_not_send) {
    Bus bus;
    bus.broker.reachable = false;
    bus.connect();
    fakes::Serial port;
    P1Bridge bridge(port, bus.client, bus.log, "meterhub/dev/telegram");
    port.feed(telegram("fluvius_dsmr5"));
    bridge.loop();
    CHECK_EQ(bridge.stats().telegrams, 1u);
    CHECK_EQ(bridge.stats().unsent, 1u);
}

TEST(rs485_cycle_gives_the_vector_reading_and_stops_asking_for_refused_registers) {
    static const auto v = testjson::load_vector("dlt645.json");
    const auto& cycle = v["cycles"][0];
    fakes::Clock clock;
    clock.utc = 1763787630;  // the cycle vector's time
    fakes::Log log;
    fakes::Serial line;
    Outbox outbox(4);
    Meter meter{cycle["replies"], line, {}};
    line.on_write = [&meter](const std::vector<uint8_t>& request) { meter(request); };
    Rs485Settings settings;
    settings.device = cycle["device"].str();
    settings.reading_topic = "meterhub/ce711/reading";
    settings.data_ids = default_data_ids(1);
    Rs485Reader reader(line, clock, log, outbox, settings);
    std::vector<bool> states;
    reader.on_meter_state([&states](bool answering) { states.push_back(answering); });
    for (int i = 0; i < 10000 && outbox.size() == 0; ++i) {
        reader.loop();
        clock.advance(1);
    }
    CHECK_EQ(outbox.size(), 1u);
    if (outbox.size()) {
        CHECK_EQ(outbox.next_unsent()->topic, std::string("meterhub/ce711/reading"));
        CHECK_EQ(outbox.next_unsent()->payload, cycle["json"].str());
    }
    // B621 was silent: asked three times (two retries), the others once.
    size_t b621 = 0;
    for (const auto& id : meter.asked) b621 += id == "B621";
    CHECK_EQ(b621, 3u);
    CHECK_EQ(meter.asked.size(), cycle["replies"].size() + 2);
    CHECK(states == std::vector<bool>{true});
    std::vector<uint16_t> left;
    for (const auto& id : v["poll_ids"]["1"].items) {
        bool refused = false;
        for (const auto& r : cycle["not_supported"].items) refused |= r.str() == id.str();
        if (!refused) left.push_back(static_cast<uint16_t>(std::stoul(id.str(), nullptr, 16)));
    }
    CHECK(reader.data_ids() == left);
    CHECK(log.contains("rs485: register not supported data_id=9020 reason=\"meter error 0x02: no such data identifier\""));
}

TEST(rs485_default_ids_match_the_gateways_poll_list) {
    static const auto v = testjson::load_vector("dlt645.json");
    for (int phases : {1, 3}) {
        std::vector<std::string> got;
        char id[8];
        for (uint16_t x : default_data_ids(phases)) {
            std::snprintf(id, sizeof id, "%04X", x);
            got.push_back(id);
        }
        std::vector<std::string> want;
        for (const auto& x : v["poll_ids"][std::to_string(phases)].items) want.push_back(x.str());
        CHECK(got == want);
    }
}

TEST(rs485_silent_meter_ends_the_cycle_early_and_is_reported) {
    fakes::Clock clock;
    clock.utc = 1763787630;
    fakes::Log log;
    fakes::Serial line;
    Outbox outbox(4);
    Rs485Settings settings;
    settings.device = "ce711";
    settings.data_ids = default_data_ids(1);
    settings.interval_ms = 30000;
    Rs485Reader reader(line, clock, log, outbox, settings);
    std::vector<bool> states;
    reader.on_meter_state([&states](bool answering) { states.push_back(answering); });
    for (int i = 0; i < 29000; ++i) {
        reader.loop();
        clock.advance(1);
    }
    CHECK_EQ(line.written.size(), 3u);  // the first register, three tries; nothing more
    CHECK_EQ(outbox.size(), 0u);
    CHECK(states == std::vector<bool>{false});
    for (int i = 0; i < 2000; ++i) {
        reader.loop();
        clock.advance(1);
    }
    CHECK_EQ(line.written.size(), 4u);  // the next cycle began at 30 s
}

TEST(rs485_availability_follows_the_meter_and_is_restated_after_a_reconnect) {
    Bus bus;
    bus.clock.utc = 1763787630;
    fakes::Serial line;  // nobody on it
    Rs485Settings settings;
    settings.device = "dev";
    settings.data_ids = {0x9010};
    Rs485Reader reader(line, bus.clock, bus.log, bus.outbox, settings);
    link_meter_availability(reader, bus.client, "meterhub/dev/availability");
    for (int i = 0; i < 3100; ++i) {
        bus.client.loop(true);
        reader.loop();
        bus.clock.advance(1);
    }
    auto states = [&bus] {
        std::vector<std::string> out;
        for (const auto& p : bus.broker.publishes())
            if (p.topic == "meterhub/dev/availability" && p.retain) out.push_back(fakes::text(p.payload));
        return out;
    };
    CHECK(states() == (std::vector<std::string>{"online", "offline"}));
    bus.broker.close();
    for (int i = 0; i < 2000; ++i) {
        bus.client.loop(true);
        bus.clock.advance(1);
    }
    CHECK(states() == (std::vector<std::string>{"online", "offline", "online", "offline"}));
}

TEST(rs485_waits_for_the_clock_before_the_first_reading) {
    fakes::Clock clock;  // utc 0: SNTP has not answered
    fakes::Log log;
    fakes::Serial line;
    Outbox outbox(4);
    Rs485Settings settings;
    settings.data_ids = default_data_ids(1);
    Rs485Reader reader(line, clock, log, outbox, settings);
    for (int i = 0; i < 100; ++i) reader.loop();
    CHECK(line.written.empty());
}

namespace {

struct Pins : DigitalOutputs {
    std::vector<std::pair<int, bool>> writes;
    void set(int pin, bool on) override { writes.emplace_back(pin, on); }
};

}  // namespace

TEST(keypad_role_acks_through_the_outbox_so_a_lost_connection_is_still_reported) {
    Bus bus({TopicKind::KeypadCmd});
    bus.connect();
    KeyMap keys;
    std::string error;
    keys.add('1', 13, &error);
    keys.add('2', 14, &error);
    Pins pins;
    KeypadRole role(keys, pins, bus.outbox, bus.clock, "meterhub/dev/keypad/ack");
    CHECK_EQ(pins.writes.size(), 2u);  // every solenoid off at start
    bus.client.on_message([&role](const mqtt5::Publish& m) { role.on_command(fakes::text(m.payload)); });
    bus.client.on_state([&role](bool online) { role.on_connection(online); });
    // keypad/cmd arrives over the bus
    const std::string topic = "meterhub/dev/keypad/cmd", body = R"({"id":"k","keys":"12","press_ms":50,"gap_ms":50})";
    std::vector<uint8_t> packet = {0x30, static_cast<uint8_t>(2 + topic.size() + 1 + body.size()), 0,
                                   static_cast<uint8_t>(topic.size())};
    packet.insert(packet.end(), topic.begin(), topic.end());
    packet.push_back(0);
    packet.insert(packet.end(), body.begin(), body.end());
    bus.broker.send(packet);
    for (int i = 0; i < 30; ++i) {
        bus.client.loop(true);
        role.loop();
        bus.clock.advance(1);
    }
    CHECK_EQ(role.energised_pin(), 13);
    bus.broker.close();  // Wi-Fi gone mid-press
    bus.client.loop(true);
    CHECK_EQ(role.energised_pin(), -1);
    CHECK(pins.writes.back() == std::make_pair(13, false));
    bus.broker.reachable = true;
    for (int i = 0; i < 3000; ++i) {
        bus.client.loop(true);
        role.loop();
        bus.clock.advance(1);
    }
    std::vector<std::string> acks;
    for (const auto& p : bus.broker.publishes())
        if (p.topic == "meterhub/dev/keypad/ack") acks.push_back(fakes::text(p.payload));
    CHECK(!acks.empty());
    if (!acks.empty()) {
        CHECK_EQ(acks.front(), std::string(R"({"id":"k","state":"accepted","pressed":0,"error":null})"));
        CHECK_EQ(acks.back(), std::string(R"({"id":"k","state":"error","pressed":0,"error":"connection lost"})"));
    }
}
