// The camera role with a simulated camera and gateway: capture requests, the schedule,
// frames on MQTT with their properties, and the HTTP upload.
#include "capture.h"
#include "check.h"
#include "device.h"
#include "fakes.h"
#include "http_upload.h"
#include "json_value.h"
#include "role_camera.h"

using namespace meterhub;
using fakes::Bus;

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

TEST(http_status_lines) {
    CHECK_EQ(parse_http_status_line("HTTP/1.1 201 Created\r"), 201);
    CHECK_EQ(parse_http_status_line("HTTP/1.0 503"), 503);
    CHECK_EQ(parse_http_status_line("HTTP/1.1 20"), -1);
    CHECK_EQ(parse_http_status_line("HTTP/1.1 2x1 OK"), -1);
    CHECK_EQ(parse_http_status_line("<html>"), -1);
}
