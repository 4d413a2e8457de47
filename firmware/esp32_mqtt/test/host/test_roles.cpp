// The four roles with simulated hardware: P1 bridge, RS-485 reader, camera, keypad.
#include <cstdio>

#include "capture.h"
#include "check.h"
#include "device.h"
#include "dlt645.h"
#include "fakes.h"
#include "http_upload.h"
#include "json_value.h"
#include "role_camera.h"
#include "role_keypad.h"
#include "role_p1.h"
#include "role_rs485.h"

using namespace meterhub;

namespace {

struct Bus {
    fakes::Clock clock;
    fakes::Log log;
    fakes::Broker broker;
    Outbox outbox{16};
    MqttClient client;
    explicit Bus(std::vector<TopicKind> subscriptions = {})
        : client(broker, clock, log, device_mqtt_settings({"meterhub", "dev", "test"}, "b", 1883, "", subscriptions), outbox) {}
    void connect() {
        client.loop(true);
        client.loop(true);
    }
};

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

TEST(capture_requests_are_read_as_the_vectors_say) {
    const auto v = testjson::load_vector("capture.json");
    for (const auto& c : v["requests"].items) {
        const std::string& p = c["payload"].str();
        std::string request_id = "unset", error;
        const bool shoot = parse_capture_request(p.data(), p.size(), &request_id, &error);
        CHECK_EQ_IN(p, shoot, c["shoot"].boolean);
        if (shoot) CHECK_EQ_IN(p, request_id, c["request_id"].str());
        else CHECK_EQ_IN(p, error, c["error"].str());
    }
}

TEST(schedule_shoots_on_wall_clock_boundaries_and_requests_in_between) {
    CaptureScheduler scheduler(60, 1000, 2);
    Shot shot;
    uint32_t ms = 0;
    int64_t utc = 1763787630;  // hh:mm:30
    CHECK(!scheduler.due(ms, utc, &shot));  // not at once: at the next full minute
    ms += 29000;
    utc += 29;
    CHECK(!scheduler.due(ms, utc, &shot));
    ms += 1000;
    utc += 1;
    CHECK(scheduler.due(ms, utc, &shot));
    CHECK_EQ(shot.request_id, std::string());
    scheduler.shot_taken(ms);
    CHECK(scheduler.request("a"));
    CHECK(scheduler.request("b"));
    CHECK(!scheduler.request("c"));  // two waiting is the limit here
    CHECK(!scheduler.due(ms + 500, utc, &shot));  // too soon after the last shot
    CHECK(scheduler.due(ms + 1000, utc + 1, &shot));
    CHECK_EQ(shot.request_id, std::string("a"));
    scheduler.shot_taken(ms + 1000);
    CHECK(scheduler.due(ms + 2000, utc + 2, &shot));
    CHECK_EQ(shot.request_id, std::string("b"));
}

TEST(a_request_at_the_scheduled_minute_is_one_photo_not_two) {
    CaptureScheduler scheduler(60, 1000, 4);
    Shot shot;
    CHECK(!scheduler.due(0, 1763787659, &shot));
    scheduler.request("bot");
    CHECK(scheduler.due(1000, 1763787660, &shot));  // the minute turns as the request waits
    CHECK_EQ(shot.request_id, std::string("bot"));
    scheduler.shot_taken(1000);
    CHECK(!scheduler.due(5000, 1763787664, &shot));
}

TEST(schedule_runs_on_the_millisecond_clock_until_the_wall_clock_is_set) {
    CaptureScheduler scheduler(10, 1000, 4);
    Shot shot;
    CHECK(!scheduler.due(0, 0, &shot));
    CHECK(!scheduler.due(9999, 0, &shot));
    CHECK(scheduler.due(10000, 0, &shot));
}

TEST(upload_url_and_request_head) {
    HttpUrl url;
    std::string error;
    CHECK(parse_http_url("http://gateway.lan:8090/api/frames/pln", &url, &error));
    CHECK_EQ(url.host, std::string("gateway.lan"));
    CHECK_EQ(url.port, 8090u);
    CHECK_EQ(url.path, std::string("/api/frames/pln"));
    CHECK(!parse_http_url("https://gateway.lan/x", &url, &error));
    CHECK_EQ(error, std::string("upload URL 'https://gateway.lan/x' must start with http://"));
    CHECK(!parse_http_url("http://gateway.lan:99999/", &url, &error));
    CHECK(!parse_http_url("http://user:pw@gateway.lan/", &url, &error));
    CHECK(parse_http_url("http://10.0.0.2", &url, &error));
    CHECK_EQ(url.path, std::string("/"));
    CHECK_EQ(url.port, 80u);
    FrameProperties frame{"2025-11-22T05:00:00Z", "00000000deadbeef", "bot 7&x=1"};
    CHECK_EQ(frame_upload_head(url, frame, 1234, "t0ken\r\nX-Evil: 1"),
             std::string("POST /?ts=2025-11-22T05%3A00%3A00Z&request_id=bot%207%26x%3D1 HTTP/1.1\r\n"
                         "Host: 10.0.0.2\r\nContent-Type: image/jpeg\r\nContent-Length: 1234\r\n"
                         "Authorization: Bearer t0ken__X-Evil: 1\r\nConnection: close\r\n\r\n"));
    CHECK(parse_http_url("http://gw:8090/api/frames/pln?source=cam", &url, &error));
    CHECK_EQ(frame_upload_head(url, {"", "f", "r"}, 1, "").substr(0, 49),
             std::string("POST /api/frames/pln?source=cam&request_id=r HTTP"));
}

namespace {

struct FakeCamera : Camera {
    std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0xFF, 0xD9};
    bool works = true;
    int held = 0;
    bool capture(const uint8_t** data, size_t* length) override {
        if (!works) return false;
        ++held;
        *data = jpeg.data();
        *length = jpeg.size();
        return true;
    }
    void release() override { --held; }
};

struct FakePoster : HttpPoster {
    int status = 201;
    std::vector<std::string> heads;
    size_t body_bytes = 0;
    int post(const char* host, uint16_t port, const std::string& head, const uint8_t*, size_t length) override {
        heads.push_back(std::string(host) + ":" + std::to_string(port) + " " + head);
        body_bytes = length;
        return status;
    }
};

}  // namespace

TEST(camera_publishes_the_frame_with_its_properties_on_frame_raw) {
    Bus bus({TopicKind::Capture});
    bus.clock.utc = 1763787600;
    bus.connect();
    FakeCamera camera;
    FakePoster poster;
    CameraSettings settings;
    settings.device = "dev";
    settings.frame_topic = Topics().device(TopicKind::FrameRaw, "dev");
    CameraRole role(camera, bus.client, poster, bus.clock, bus.log, settings);
    role.on_capture_request(R"({"request_id":"bot-42"})");
    role.loop();
    const auto publishes = bus.broker.publishes();
    CHECK_EQ(publishes.size(), 2u);
    if (publishes.size() == 2u) {
        const auto& frame = publishes[1];
        CHECK_EQ(frame.topic, std::string("meterhub/dev/frame/raw"));
        CHECK(frame.payload == camera.jpeg);
        CHECK_EQ(frame.user_properties.size(), 3u);
        if (frame.user_properties.size() == 3u) {
            CHECK_EQ(frame.user_properties[0].first + "=" + frame.user_properties[0].second,
                     std::string("ts=2025-11-22T05:00:00Z"));
            CHECK_EQ(frame.user_properties[1].first, std::string("frame_id"));
            CHECK_EQ(frame.user_properties[1].second.size(), 16u);
            CHECK_EQ(frame.user_properties[2].first + "=" + frame.user_properties[2].second,
                     std::string("request_id=bot-42"));
        }
    }
    CHECK_EQ(camera.held, 0);
    CHECK(poster.heads.empty());
}

TEST(camera_uploads_over_http_when_the_broker_is_away) {
    Bus bus;
    bus.broker.reachable = false;
    bus.connect();
    FakeCamera camera;
    FakePoster poster;
    CameraSettings settings;
    settings.device = "dev";
    settings.frame_topic = "meterhub/dev/frame/raw";
    settings.upload_url = "http://gw:8090/api/frames/dev";
    settings.upload_token = "0123456789abcdef";
    CameraRole role(camera, bus.client, poster, bus.clock, bus.log, settings);
    role.on_capture_request("PRESS");
    role.loop();
    CHECK_EQ(role.stats().uploaded, 1u);
    CHECK_EQ(poster.heads.size(), 1u);
    if (!poster.heads.empty()) {
        // no clock yet and no request id: the bare URL; the gateway stamps arrival time
        CHECK_EQ(poster.heads[0].substr(0, 45), std::string("gw:8090 POST /api/frames/dev HTTP/1.1\r\nHost: "));
        CHECK(poster.heads[0].find("Authorization: Bearer 0123456789abcdef\r\n") != std::string::npos);
    }
    CHECK_EQ(poster.body_bytes, camera.jpeg.size());
    poster.status = 503;
    role.on_capture_request("{}");
    bus.clock.advance(1000);
    role.loop();
    CHECK_EQ(role.stats().lost, 1u);
    CHECK(bus.log.contains("camera: HTTP upload failed status=503"));
}

TEST(camera_set_to_upload_always_posts_even_with_the_broker_there) {
    Bus bus;
    bus.clock.utc = 1763787600;
    bus.connect();
    FakeCamera camera;
    FakePoster poster;
    CameraSettings settings;
    settings.frame_topic = "meterhub/dev/frame/raw";
    settings.upload_url = "http://gw:8090/api/frames/dev";
    settings.upload_always = true;
    CameraRole role(camera, bus.client, poster, bus.clock, bus.log, settings);
    role.on_capture_request(R"({"request_id":"r9"})");
    role.loop();
    CHECK_EQ(role.stats().uploaded, 1u);
    CHECK_EQ(bus.broker.publishes().size(), 1u);  // availability only
    if (!poster.heads.empty())
        CHECK(poster.heads[0].find("POST /api/frames/dev?ts=2025-11-22T05%3A00%3A00Z&request_id=r9 ") !=
              std::string::npos);
}

TEST(camera_refuses_oversized_frames_and_bad_requests_with_reasons) {
    Bus bus;
    bus.connect();
    FakeCamera camera;
    camera.jpeg.resize(300 * 1024, 0);
    FakePoster poster;
    CameraSettings settings;
    settings.frame_topic = "t";
    CameraRole role(camera, bus.client, poster, bus.clock, bus.log, settings);
    role.on_capture_request(R"({"request_id":5})");
    CHECK_EQ(role.stats().refused, 1u);
    CHECK(bus.log.contains("request_id: Input should be a valid string"));
    role.on_capture_request("{}");
    role.loop();
    CHECK_EQ(role.stats().lost, 1u);
    CHECK(bus.log.contains("camera: frame too large bytes=307200 max=204800"));
    camera.works = false;
    role.on_capture_request("{}");
    bus.clock.advance(1000);
    role.loop();
    CHECK_EQ(role.stats().failed, 1u);
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

TEST(http_status_lines) {
    CHECK_EQ(parse_http_status_line("HTTP/1.1 201 Created\r"), 201);
    CHECK_EQ(parse_http_status_line("HTTP/1.0 503"), 503);
    CHECK_EQ(parse_http_status_line("HTTP/1.1 20"), -1);
    CHECK_EQ(parse_http_status_line("HTTP/1.1 2x1 OK"), -1);
    CHECK_EQ(parse_http_status_line("<html>"), -1);
}
