// The P1 bridge's backlog: the flash queue (in RAM, and in a real directory through
// stdio, as LittleFS and the SD card are reached on the ESP32), telegram times, and the
// bridge keeping what it could not send and sending it in order after the reconnect.
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "check.h"
#include "fakes.h"
#include "flash_queue.h"
#include "json_value.h"
#include "p1_backlog.h"
#include "p1_meter_sim.h"
#include "role_p1.h"

using namespace meterhub;

namespace {

std::string payloads(const std::vector<QueuedMessage>& messages) {
    std::string out;
    for (const auto& m : messages) out += m.topic + "=" + m.payload + ";";
    return out;
}

}  // namespace

TEST(flash_queue_keeps_messages_in_order_across_a_restart_in_a_directory) {
    char dir[] = "/tmp/mh_flash_XXXXXX";
    CHECK(mkdtemp(dir) != nullptr);
    StdioFileSystem fs;
    {
        FlashQueue queue(fs, dir, 4096);
        CHECK(queue.push({"t", "one"}) && queue.push({"t", "two"}) && queue.push({"u", "three"}));
        queue.pop(1);
    }
    FlashQueue reopened(fs, dir, 4096);  // a restart, or a power cut
    CHECK_EQ(reopened.count(), 2u);
    CHECK_EQ(payloads(reopened.peek(5)), std::string("t=two;u=three;"));
    reopened.pop(2);
    CHECK(reopened.empty());
    CHECK_EQ(fs.size(std::string(dir) + "/queue.log"), -1L);  // all sent: the files go
    rmdir(dir);
}

TEST(flash_queue_cuts_off_a_record_torn_by_a_power_cut) {
    fakes::MemoryFileSystem fs;
    {
        FlashQueue queue(fs, "/littlefs", 4096);
        CHECK(queue.push({"t", "whole"}));
        fs.torn_append = 5;
        CHECK(!queue.push({"t", "torn"}));
        CHECK_EQ(queue.count(), 1u);
    }
    fs.files["/littlefs/queue.log"] += "\xA5\x10";  // and a torn tail found at boot
    FlashQueue reopened(fs, "/littlefs", 4096);
    CHECK_EQ(reopened.torn(), 1u);
    CHECK(reopened.push({"t", "after"}));
    CHECK_EQ(payloads(reopened.peek(5)), std::string("t=whole;t=after;"));
}

TEST(flash_queue_gives_up_the_oldest_when_full_and_says_so) {
    fakes::MemoryFileSystem fs;
    FlashQueue queue(fs, "/sd", 80);  // room for four 19-byte records
    for (int i = 0; i < 6; ++i) CHECK(queue.push({"t", "message-" + std::to_string(i)}));
    CHECK_EQ(queue.dropped(), 2u);
    CHECK_EQ(payloads(queue.peek(9)), std::string("t=message-2;t=message-3;t=message-4;t=message-5;"));
    CHECK(fs.size("/sd/queue.log") <= 80);
    fs.fail_appends = true;
    CHECK(!queue.push({"t", "refused"}));
}

TEST(telegram_stamp_reads_the_meters_own_time) {
    static const auto v = testjson::load_vector("dsmr.json");
    for (const auto& t : v["telegrams"].items) {
        const std::string text = t["text"].str();
        const bool stamped = text.find("0-0:1.0.0(") != std::string::npos;
        CHECK_EQ_IN(t["name"].str(), telegram_stamp(text) >= 0, stamped);
    }
    simp1::Meter meter;
    const int64_t first = telegram_stamp(meter.next()), second = telegram_stamp(meter.next());
    CHECK_EQ(second - first, 10);
    CHECK_EQ(first % 900, 0);  // 10:00:00 local: on a quarter boundary
}

namespace {

struct P1Rig {
    fakes::Bus bus;
    fakes::MemoryFileSystem fs;
    FlashQueue queue;
    TelegramBacklog backlog{queue, bus.outbox, bus.log};
    fakes::Serial port;
    P1Bridge bridge{port, bus.client, bus.log, "meterhub/dev/telegram", &backlog};
    simp1::Meter meter;
    explicit P1Rig(size_t flash_bytes = 256 * 1024) : queue(fs, "/littlefs", flash_bytes) {
        meter.step_s = 1;  // one a second, as the meter sends them
        bus.broker.auto_puback = true;
    }
    void run_seconds(int seconds) {
        for (int i = 0; i < seconds; ++i) {
            port.feed(meter.next());
            bus.client.loop(true);
            bridge.loop();
            bus.clock.advance(1000);
        }
    }
    std::vector<int64_t> published_stamps() const {
        std::vector<int64_t> out;
        for (const auto& p : bus.broker.publishes())
            if (p.topic == "meterhub/dev/telegram") out.push_back(telegram_stamp(fakes::text(p.payload)));
        return out;
    }
};

}  // namespace

TEST(p1_bridge_keeps_what_it_could_not_send_and_sends_it_in_order_after_the_reconnect) {
    P1Rig rig;
    rig.bus.connect();
    rig.run_seconds(30);
    CHECK_EQ(rig.bridge.stats().published, 30u);
    rig.bus.broker.close();  // the broker goes away for 50 minutes
    rig.bus.broker.reachable = false;
    rig.run_seconds(50 * 60);
    CHECK(rig.backlog.queued() > 0);
    CHECK(rig.bus.log.contains("p1: kept for later quarter="));
    rig.bus.broker.reachable = true;
    for (int i = 0; i < 400 && (rig.backlog.pending() || !rig.bus.client.online()); ++i) rig.run_seconds(1);
    CHECK(!rig.backlog.pending());
    CHECK(rig.bus.log.contains("p1: backlog sent"));

    const auto stamps = rig.published_stamps();
    // In order, apart from the recent live ones sent again after the drop (the gateway
    // ignores those), and no gap over 10 s of meter time anywhere.
    std::set<int64_t> quarters;
    int64_t newest = -1;
    size_t repeats = 0;
    for (size_t i = 0; i < stamps.size(); ++i) {
        if (stamps[i] <= newest) {
            ++repeats;
            continue;
        }
        if (newest >= 0) CHECK_EQ_IN("gap after " + std::to_string(newest), stamps[i] - newest <= 10, true);
        newest = stamps[i];
        quarters.insert(stamps[i] / 900);
    }
    CHECK(repeats <= 9u);
    CHECK(!stamps.empty() && newest - stamps[0] >= 30 + 50 * 60);  // 10:00 on to past 10:50
    CHECK_EQ(quarters.size(), 4u);                                   // :00, :15, :30, :45
    CHECK(rig.backlog.stats().thinned > 2000u);
}

TEST(p1_bridge_sends_the_recent_live_telegrams_before_those_kept_once_the_link_failed) {
    // The broker stops reading: writes still go into the socket for a while and are lost,
    // then one fails. The telegrams published into the void are only in the recent ring;
    // they must go out before the ones kept after the failed write, or the gateway, which
    // drops a telegram older than one it has, never sees them.
    P1Rig rig;
    rig.bus.connect();
    rig.run_seconds(30);
    rig.bus.broker.black_hole = true;
    rig.run_seconds(20);
    rig.bus.broker.fail_writes = true;
    rig.bus.broker.reachable = false;
    rig.run_seconds(10 * 60);
    rig.bus.broker.black_hole = rig.bus.broker.fail_writes = false;
    rig.bus.broker.reachable = true;
    for (int i = 0; i < 400 && (rig.backlog.pending() || !rig.bus.client.online()); ++i) rig.run_seconds(1);
    CHECK(rig.bus.log.contains("p1: backlog sent"));

    int64_t newest = -1;  // what the gateway takes: each telegram newer than all before it
    for (const int64_t stamp : rig.published_stamps()) {
        if (stamp <= newest) continue;
        if (newest >= 0) CHECK_EQ_IN("gap after " + std::to_string(newest), stamp - newest <= 10, true);
        newest = stamp;
    }
}

TEST(p1_bridge_says_when_a_full_flash_gives_up_its_oldest_telegrams) {
    P1Rig rig(32 * 1024);  // some 40 telegrams
    rig.bus.connect();
    rig.run_seconds(5);
    rig.bus.broker.close();
    rig.bus.broker.reachable = false;
    rig.run_seconds(30 * 60);  // 180 kept at one per 10 s: most of them make room
    CHECK(rig.queue.dropped() > 0u);
    CHECK(rig.bus.log.contains("p1: backlog full, oldest telegrams given up total="));
    rig.bus.broker.reachable = true;
    for (int i = 0; i < 400 && (rig.backlog.pending() || !rig.bus.client.online()); ++i) rig.run_seconds(1);
    CHECK(rig.bus.log.contains("p1: backlog sent"));  // what was left still goes out
}

TEST(p1_bridge_without_meter_time_keeps_nothing_and_says_why) {
    static const auto v = testjson::load_vector("dsmr.json");
    std::string unstamped;
    for (const auto& t : v["telegrams"].items)
        if (t["name"].str() == "dsmr22_without_crc") unstamped = t["text"].str();
    P1Rig rig;
    rig.bus.broker.reachable = false;
    rig.bus.connect();
    rig.port.feed(unstamped);
    rig.bridge.loop();
    CHECK_EQ(rig.backlog.stats().unstamped, 1u);
    CHECK(rig.backlog.queued() == 0u);
    CHECK(rig.bus.log.contains("p1: telegram not kept for later reason=\"no meter time (0-0:1.0.0)\""));
}
