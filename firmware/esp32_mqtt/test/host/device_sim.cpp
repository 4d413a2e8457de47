// The firmware's core on a PC: the same roles and MQTT session as on the ESP32, with
// sockets for WiFiClient and simulated hardware for the camera, the P1 port, the RS-485
// meter and the solenoids. The integration tests run it against a real Mosquitto.
//
//   device_sim --role keypad|rs485|p1|camera --port 1883 --device pln [options]
//
// Solenoid changes are printed as "solenoid <pin> on|off t=<ms>"; log lines as "log: ...".
// `--sound low_credit` puts a sound sensor (keypad and camera roles) in front of a meter
// that beeps its low-credit warning (100 ms every second) from the start; `--sound
// talk_then_low_credit` has someone talk next to it for the first 6 s.
// `--p1-meter simulated` gives the P1 bridge a DSMR 5 meter whose clock runs fast (a
// telegram every 10 s of meter time, one every `--p1-pace-ms` real ms), and
// `--buffer-dir DIR` its flash (the backlog kept while the broker is away).
// SIGTERM leaves as a planned restart does (availability "offline", no will); SIGKILL
// leaves the broker to publish the will.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>

#include "device.h"
#include "dlt645.h"
#include "fakes.h"
#include "file_system.h"
#include "flash_queue.h"
#include "p1_backlog.h"
#include "p1_meter_sim.h"
#include "role_camera.h"
#include "role_keypad.h"
#include "role_p1.h"
#include "role_rs485.h"
#include "sound_alarm.h"

using namespace meterhub;

namespace {

volatile std::sig_atomic_t stop_requested = 0;

int connect_tcp(const char* host, uint16_t port) {
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, std::to_string(port).c_str(), &hints, &found) != 0) return -1;
    const int fd = socket(found->ai_family, found->ai_socktype, 0);
    if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        ::close(fd);
        freeaddrinfo(found);
        return -1;
    }
    freeaddrinfo(found);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool write_all(int fd, const uint8_t* data, size_t length) {
    while (length) {
        const ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n <= 0) return false;
        data += n;
        length -= static_cast<size_t>(n);
    }
    return true;
}

class SocketTransport : public Transport {
public:
    int fd = -1;
    bool connect(const char* host, uint16_t port) override {
        close();
        fd = connect_tcp(host, port);
        return fd >= 0;
    }
    bool connected() override { return fd >= 0; }
    int read(uint8_t* buffer, size_t capacity) override {
        if (fd < 0) return -1;
        const ssize_t n = recv(fd, buffer, capacity, MSG_DONTWAIT);
        if (n > 0) return static_cast<int>(n);
        if (n == 0) return -1;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
    bool write(const uint8_t* data, size_t length) override { return fd >= 0 && write_all(fd, data, length); }
    void close() override {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

class SystemClock : public Clock {
public:
    uint32_t millis() override {
        using namespace std::chrono;
        return static_cast<uint32_t>(duration_cast<milliseconds>(steady_clock::now() - start_).count());
    }
    int64_t utc_seconds() override { return static_cast<int64_t>(std::time(nullptr)); }
    uint32_t random() override { return static_cast<uint32_t>(rng_()); }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    std::mt19937 rng_{std::random_device{}()};
};

class StdoutLog : public Log {
public:
    void line(const char* text) override { std::printf("log: %s\n", text); }
};

class PrintedSolenoids : public DigitalOutputs {
public:
    explicit PrintedSolenoids(Clock& clock) : clock_(clock) {}
    void set(int pin, bool on) override {
        std::printf("solenoid %d %s t=%u\n", pin, on ? "on" : "off", static_cast<unsigned>(clock_.millis()));
    }

private:
    Clock& clock_;
};

// A single-phase DL/T 645-1997 meter without export registers.
class SimulatedMeter : public SerialPort {
public:
    bool silent = false;  // the line is cut
    SimulatedMeter() {
        std::string error;
        dlt645::parse_address("000000123456", &address_, &error);
        values_ = {{0x9010, "01234567"}, {0x9011, "00800000"}, {0x9012, "00434567"}, {0x9013, "00000000"},
                   {0x9014, "00000000"}, {0x9110, "00032109"}, {0xB611, "0231"},     {0xB621, "0523"},
                   {0xB630, "012345"}};
    }
    int read(uint8_t* buffer, size_t capacity) override { return line_.read(buffer, capacity); }
    void write(const uint8_t* data, size_t length) override {
        if (silent) return;
        dlt645::FrameReader reader;
        for (size_t i = 0; i < length; ++i) {
            if (reader.feed(data[i]) != dlt645::FrameReader::Result::Frame) continue;
            const auto& request = reader.frame();
            const uint16_t id = static_cast<uint16_t>(request.data[0] | request.data[1] << 8);
            const auto value = values_.find(id);
            if (value == values_.end()) {
                line_.feed(dlt645::build_frame(address_, 0xC1, {0x02}, false));  // no such data identifier
                continue;
            }
            std::vector<uint8_t> reply = {request.data[0], request.data[1]};
            const std::string& digits = value->second;
            for (size_t d = digits.size(); d >= 2; d -= 2)
                reply.push_back(static_cast<uint8_t>(std::stoul(digits.substr(d - 2, 2), nullptr, 16)));
            line_.feed(dlt645::build_frame(address_, 0x81, reply, true));
        }
    }

private:
    dlt645::Address address_;
    std::map<uint16_t, std::string> values_;
    fakes::Serial line_;
};

class FileCamera : public Camera {
public:
    explicit FileCamera(std::vector<uint8_t> jpeg) : jpeg_(std::move(jpeg)) {}
    bool capture(const uint8_t** data, size_t* length) override {
        *data = jpeg_.data();
        *length = jpeg_.size();
        return !jpeg_.empty();
    }
    void release() override {}

private:
    std::vector<uint8_t> jpeg_;
};

class SocketPoster : public HttpPoster {
public:
    int post(const char* host, uint16_t port, const std::string& head, const uint8_t* body, size_t length) override {
        const int fd = connect_tcp(host, port);
        if (fd < 0) return -1;
        int status = -1;
        if (write_all(fd, reinterpret_cast<const uint8_t*>(head.data()), head.size()) && write_all(fd, body, length)) {
            char reply[64] = {};
            const ssize_t n = recv(fd, reply, sizeof reply - 1, MSG_WAITALL);
            if (n >= 12 && std::strncmp(reply, "HTTP/1.", 7) == 0) status = std::atoi(reply + 9);
        }
        ::close(fd);
        return status;
    }
};

// What a digital sound module in front of the meter outputs, by time since start: talk
// (syllables of 80-400 ms with uneven pauses) until `talk_ms`, then the meter's beeping.
class SimulatedSound {
public:
    explicit SimulatedSound(uint32_t talk_ms) : talk_ms_(talk_ms) {
        std::mt19937 rng(1);
        for (uint32_t t = 0; t < talk_ms_;) {
            const uint32_t syllable = 80 + rng() % 320, pause = 40 + rng() % 560;
            syllables_.emplace_back(t, t + syllable);
            t += syllable + pause;
        }
    }
    bool loud(uint32_t now_ms) const {
        if (now_ms >= talk_ms_) return (now_ms - talk_ms_) % 1000 < 100;
        for (const auto& [start, end] : syllables_)
            if (now_ms >= start && now_ms < end) return true;
        return false;
    }

private:
    uint32_t talk_ms_;
    std::vector<std::pair<uint32_t, uint32_t>> syllables_;
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::map<std::string, std::string> args = {{"--host", "127.0.0.1"}, {"--port", "1883"}, {"--device", "dev"},
                                               {"--keep-alive", "5"},     {"--interval-ms", "30000"},
                                               {"--interval-s", "0"},     {"--sound-cooldown-s", "900"},
                                               {"--p1-pace-ms", "20"}};
    for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
    const std::string role = args["--role"], device = args["--device"];
    if (!is_device_id(device) || (role != "keypad" && role != "rs485" && role != "p1" && role != "camera")) {
        std::fprintf(stderr, "usage: device_sim --role keypad|rs485|p1|camera --device <id> [--port N] ...\n");
        return 2;
    }
    std::signal(SIGTERM, [](int) { stop_requested = 1; });

    SystemClock clock;
    StdoutLog log;
    SocketTransport transport;
    Outbox outbox(32);
    const Topics topics;
    std::vector<TopicKind> subscriptions;
    if (role == "keypad") subscriptions.push_back(TopicKind::KeypadCmd);
    if (role == "camera") subscriptions.push_back(TopicKind::Capture);
    auto settings = device_mqtt_settings({"meterhub", device, role}, args["--host"],
                                         static_cast<uint16_t>(std::stoi(args["--port"])), args["--password"],
                                         subscriptions);
    settings.keep_alive_s = static_cast<uint16_t>(std::stoi(args["--keep-alive"]));
    MqttClient mqtt(transport, clock, log, settings, outbox, Backoff(100, 1000));

    PrintedSolenoids solenoids(clock);
    KeyMap keys;
    std::string error;
    for (int d = 0; d < 10; ++d) keys.add(static_cast<char>('0' + d), 12 + d, &error);
    keys.add('B', 32, &error);
    keys.add('E', 33, &error);
    std::unique_ptr<KeypadRole> keypad;
    std::unique_ptr<Rs485Reader> rs485;
    std::unique_ptr<P1Bridge> p1;
    StdioFileSystem flash;
    std::unique_ptr<FlashQueue> flash_queue;
    std::unique_ptr<TelegramBacklog> backlog;
    simp1::Meter p1_meter;
    const bool p1_simulated = args["--p1-meter"] == "simulated";
    const uint32_t p1_pace_ms = static_cast<uint32_t>(std::stoul(args["--p1-pace-ms"]));
    uint32_t p1_next_ms = 0;
    std::unique_ptr<CameraRole> camera;
    SimulatedMeter meter;
    meter.silent = args["--meter"] == "silent";
    fakes::Serial p1_port;
    FileCamera file_camera(read_file(args["--jpeg"]));
    SocketPoster poster;

    if (role == "keypad") {
        keypad.reset(new KeypadRole(keys, solenoids, outbox, clock, topics.device(TopicKind::KeypadAck, device)));
        mqtt.on_message([&](const mqtt5::Publish& m) { keypad->on_command(fakes::text(m.payload)); });
        mqtt.on_state([&](bool online) { keypad->on_connection(online); });
    } else if (role == "rs485") {
        Rs485Settings rs;
        rs.device = device;
        rs.reading_topic = topics.device(TopicKind::Reading, device);
        rs.data_ids = default_data_ids(1);
        rs.interval_ms = static_cast<uint32_t>(std::stoul(args["--interval-ms"]));
        rs485.reset(new Rs485Reader(meter, clock, log, outbox, rs));
        link_meter_availability(*rs485, mqtt, topics.device(TopicKind::Availability, device));
    } else if (role == "p1") {
        if (!args["--buffer-dir"].empty()) {
            // The simulated meter runs hundreds of times fast, so the few seconds it takes to
            // notice a dead link are many meter minutes: keep as many recent telegrams as
            // cover them (a board's 9, thinned to one per 30 s, cover its keep-alive). For
            // the same reason every telegram is kept, some 50 KB a second: 8 MB hold more
            // than two minutes of outage, a board's 1 MB some 8 hours of its meter.
            flash_queue.reset(new FlashQueue(flash, args["--buffer-dir"], 8 * 1024 * 1024));
            backlog.reset(new TelegramBacklog(*flash_queue, outbox, log, 10, 8, 400));
        }
        p1.reset(new P1Bridge(p1_port, mqtt, log, topics.device(TopicKind::Telegram, device), backlog.get()));
    } else {
        CameraSettings cs;
        cs.device = device;
        cs.frame_topic = topics.device(TopicKind::FrameRaw, device);
        cs.interval_s = static_cast<uint32_t>(std::stoul(args["--interval-s"]));
        cs.upload_url = args["--upload-url"];
        cs.upload_token = args["--upload-token"];
        cs.upload_always = args["--upload-always"] == "1";
        camera.reset(new CameraRole(file_camera, mqtt, poster, clock, log, cs));
        mqtt.on_message([&](const mqtt5::Publish& m) { camera->on_capture_request(fakes::text(m.payload)); });
    }

    std::unique_ptr<SimulatedSound> sound;
    std::unique_ptr<SoundAlarm> sound_alarm;
    if (args["--sound"] == "low_credit" || args["--sound"] == "talk_then_low_credit") {
        sound.reset(new SimulatedSound(args["--sound"] == "low_credit" ? 0 : 6000));
        SoundSettings ss;
        ss.alarm_topic = topics.device(TopicKind::Alarm, device);
        ss.cooldown_s = static_cast<uint32_t>(std::stoul(args["--sound-cooldown-s"]));
        sound_alarm.reset(new SoundAlarm(outbox, clock, log, ss));
    }

    bool fed_p1 = false;
    while (!stop_requested) {
        mqtt.loop(true);
        if (keypad) keypad->loop();
        if (rs485) rs485->loop();
        if (camera) camera->loop();
        if (sound_alarm) {
            sound_alarm->sample(sound->loud(clock.millis()));
            sound_alarm->loop();
        }
        if (p1) {
            // The meter starts sending once the bridge is on the bus, as a plugged-in P1 port would.
            if (p1_simulated) {
                if (!fed_p1 && mqtt.online()) {
                    fed_p1 = true;
                    p1_next_ms = clock.millis();
                }
                if (fed_p1) {
                    for (; static_cast<int32_t>(clock.millis() - p1_next_ms) >= 0; p1_next_ms += p1_pace_ms)
                        p1_port.feed(p1_meter.next());
                }
            } else if (!fed_p1 && mqtt.online()) {
                p1_port.feed(read_file(args["--p1-file"]));
                fed_p1 = true;
            }
            p1->loop();
        }
        pollfd wait{transport.fd, POLLIN, 0};
        poll(&wait, transport.fd >= 0 ? 1 : 0, 2);
    }
    mqtt.go_offline();
    return 0;
}
