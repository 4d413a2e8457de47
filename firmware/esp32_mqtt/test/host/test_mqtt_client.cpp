// The MQTT session against a scripted broker: will, online announcement, subscriptions,
// keep-alive, reconnect with backoff, and the outbox surviving a dropped connection.
#include "check.h"
#include "device.h"
#include "fakes.h"
#include "mqtt_client.h"

using namespace meterhub;

namespace {

struct Session {
    fakes::Clock clock;
    fakes::Log log;
    fakes::Broker broker;
    Outbox outbox{8};
    MqttClient client;
    std::vector<bool> states;
    std::vector<std::string> messages;

    explicit Session(uint16_t keep_alive_s = 10)
        : client(broker, clock, log, settings(keep_alive_s), outbox, Backoff(1000, 8000, 0)) {
        client.on_state([this](bool online) { states.push_back(online); });
        client.on_message([this](const mqtt5::Publish& m) { messages.push_back(m.topic + " " + fakes::text(m.payload)); });
    }

    static MqttSettings settings(uint16_t keep_alive_s) {
        DeviceIdentity identity{"meterhub", "pln", "keypad"};
        auto s = device_mqtt_settings(identity, "broker.lan", 1883, "secret", {TopicKind::KeypadCmd});
        s.keep_alive_s = keep_alive_s;
        return s;
    }

    void run(uint32_t ms, uint32_t step = 10) {
        for (uint32_t t = 0; t < ms; t += step) {
            client.loop(true);
            clock.advance(step);
        }
        client.loop(true);
    }
};

}  // namespace

TEST(client_connects_with_a_will_announces_online_and_subscribes) {
    Session s;
    s.run(50);
    CHECK(s.client.online());
    CHECK_EQ(s.broker.connects, 1);
    CHECK(!s.broker.received.empty() && s.broker.received[0].type() == mqtt5::kConnect);
    const std::string connect = fakes::text(s.broker.received[0].body);
    CHECK(connect.find("meterhub/pln/availability") != std::string::npos);
    CHECK(connect.find("offline") != std::string::npos);
    CHECK(connect.find("secret") != std::string::npos);
    CHECK(connect.find("pln-keypad") != std::string::npos);  // client id
    CHECK(connect.find(std::string("\x00\x03pln", 5)) != std::string::npos);  // user name
    const auto publishes = s.broker.publishes();
    CHECK_EQ(publishes.size(), 1u);
    if (!publishes.empty()) {
        CHECK_EQ(publishes[0].topic, std::string("meterhub/pln/availability"));
        CHECK_EQ(fakes::text(publishes[0].payload), std::string("online"));
        CHECK(publishes[0].retain);
        CHECK_EQ(publishes[0].qos, 1u);
    }
    CHECK_EQ(s.broker.count(mqtt5::kSubscribe), 1u);
    // CONNECT, SUBSCRIBE, then "online": the commands are heard before anyone is told
    CHECK_EQ(s.broker.received.size(), 3u);
    if (s.broker.received.size() == 3u) {
        CHECK_EQ(s.broker.received[1].type(), mqtt5::kSubscribe);
        CHECK(fakes::text(s.broker.received[1].body).find("meterhub/pln/keypad/cmd") != std::string::npos);
        CHECK_EQ(s.broker.received[2].type(), mqtt5::kPublish);
    }
    CHECK(s.states == std::vector<bool>{true});
}

TEST(online_is_announced_only_once_the_subscription_stands) {
    Session s;
    s.broker.auto_suback = false;
    s.run(50);
    CHECK(s.client.online());
    CHECK(s.broker.publishes().empty());  // subscribed, but not confirmed: not "online" yet
    CHECK(s.states.empty());
    const auto& subscribe = s.broker.received.back();
    s.broker.send({0x90, 0x04, subscribe.body[0], subscribe.body[1], 0x00, 0x87});  // refused
    s.run(20);
    CHECK(s.log.contains("subscription refused topic=meterhub/pln/keypad/cmd reason=\"not authorized\""));
    CHECK_EQ(s.broker.publishes().size(), 1u);  // announced all the same: it can still report
    CHECK(s.states == std::vector<bool>{true});
}

TEST(client_hands_over_commands_and_acknowledges_them_after) {
    Session s;
    s.run(20);
    s.broker.send(fakes::hex_bytes("32 0C 00 03 6B 2F 63 00 05 00 7B 22 61 7D"));  // k/c, id 5, {"a}
    s.run(20);
    CHECK(s.messages == std::vector<std::string>{"k/c {\"a}"});
    CHECK(!s.broker.received.empty() && s.broker.received.back().type() == mqtt5::kPuback);
    if (!s.broker.received.empty()) CHECK(s.broker.received.back().body == fakes::hex_bytes("00 05"));
}

TEST(client_pings_when_quiet_and_drops_a_silent_broker) {
    Session s(10);
    s.run(20);
    s.run(7500);  // three quarters of the keep-alive without traffic
    CHECK_EQ(s.broker.count(mqtt5::kPingreq), 1u);
    CHECK(s.client.online());
    s.run(7500);  // no PINGRESP ever: past 1.5 keep-alive periods the session is dead
    CHECK(!s.client.online());
    CHECK(s.log.contains("broker silent for 1.5 keep-alive periods"));
    CHECK(s.states == (std::vector<bool>{true, false}));
}

TEST(answered_pings_keep_the_session) {
    Session s(10);
    s.run(20);
    for (int i = 0; i < 10; ++i) {
        s.run(7600);
        s.broker.send(fakes::hex_bytes("D0 00"));
    }
    CHECK(s.client.online());
    CHECK_EQ(s.broker.count(mqtt5::kPingreq), 10u);
}

TEST(client_reconnects_with_growing_waits_and_says_why) {
    Session s;
    s.broker.reachable = false;
    s.run(1);
    CHECK_EQ(s.broker.connects, 1);
    CHECK(s.log.contains("cannot reach broker host=broker.lan port=1883 retry_in_ms=1000"));
    s.run(980);  // the clock now reads 990 ms
    CHECK_EQ(s.broker.connects, 1);  // still waiting
    s.run(20);
    CHECK_EQ(s.broker.connects, 2);
    CHECK(s.log.contains("retry_in_ms=2000"));
    s.broker.reachable = true;
    s.run(2010);
    CHECK_EQ(s.broker.connects, 3);
    CHECK(s.client.online());
}

TEST(refused_login_is_logged_with_the_reason_and_retried) {
    Session s;
    s.broker.auto_connack = false;
    s.run(10);
    s.broker.send(fakes::hex_bytes("20 03 00 86 00"));
    s.run(10);
    CHECK(!s.client.online());
    CHECK(s.log.contains("broker refused connection reason=\"bad user name or password\" code=0x86"));
    CHECK_EQ(s.client.stats().refusals, 1u);
    CHECK(s.states.empty());  // never was online
}

TEST(a_broker_that_never_answers_connect_is_given_up_on) {
    Session s;
    s.broker.auto_connack = false;
    s.run(10050);
    CHECK(s.log.contains("no CONNACK in time"));
    CHECK_EQ(s.broker.connects, 1);
}

TEST(outbox_messages_are_resent_after_a_drop_until_acknowledged) {
    Session s;
    s.outbox.push("meterhub/pln/reading", "{\"r\":1}");
    s.run(20);
    auto publishes = s.broker.publishes();
    CHECK_EQ(publishes.size(), 2u);  // availability, then the reading
    CHECK_EQ(s.outbox.in_flight(), 1u);
    s.broker.close();  // the connection dies before the PUBACK
    s.run(1100);
    CHECK_EQ(s.broker.connects, 2);
    publishes = s.broker.publishes();
    CHECK_EQ(publishes.size(), 4u);
    if (publishes.size() == 4u) {
        CHECK_EQ(publishes[3].topic, std::string("meterhub/pln/reading"));
        const uint16_t id = publishes[3].packet_id;
        s.broker.send({0x40, 0x02, static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xFF)});
    }
    s.run(20);
    CHECK_EQ(s.outbox.size(), 0u);
}

TEST(outbox_keeps_the_newest_when_full) {
    Outbox outbox(2);
    outbox.push("t", "1");
    outbox.push("t", "2");
    outbox.push("t", "3");
    CHECK_EQ(outbox.size(), 2u);
    CHECK_EQ(outbox.dropped(), 1u);
    CHECK_EQ(outbox.next_unsent()->payload, std::string("2"));
}

TEST(publishing_offline_fails_instead_of_queueing) {
    Session s;
    s.broker.reachable = false;
    s.run(10);
    CHECK(!s.client.publish("meterhub/pln/telegram", "x", 1, false));
}

TEST(a_planned_restart_says_offline_without_the_will) {
    Session s;
    s.run(20);
    s.client.go_offline();
    const auto publishes = s.broker.publishes();
    CHECK(!publishes.empty() && fakes::text(publishes.back().payload) == "offline" && publishes.back().retain);
    CHECK(!s.broker.received.empty() && s.broker.received.back().type() == mqtt5::kDisconnect);
    CHECK(!s.client.online());
}

TEST(the_brokers_keep_alive_wins) {
    Session s(10);
    s.broker.auto_connack = false;
    s.run(10);
    s.broker.send(fakes::hex_bytes("20 06 00 00 03 13 00 02"));  // server keep alive: 2 s
    s.run(1600);
    CHECK_EQ(s.broker.count(mqtt5::kPingreq), 1u);
}

TEST(backoff_doubles_to_its_cap_with_bounded_jitter) {
    Backoff plain(1000, 8000, 0);
    uint32_t waits[6];
    for (auto& w : waits) w = plain.next_delay_ms(0);
    CHECK_EQ(waits[0], 1000u);
    CHECK_EQ(waits[1], 2000u);
    CHECK_EQ(waits[3], 8000u);
    CHECK_EQ(waits[5], 8000u);
    plain.reset();
    CHECK_EQ(plain.next_delay_ms(0), 1000u);
    Backoff jittered(1000, 60000, 20);
    for (uint32_t r : {0u, 1u, 400u, 0xFFFFFFFFu}) {
        jittered.reset();
        const uint32_t w = jittered.next_delay_ms(r);
        CHECK_EQ_IN(std::to_string(r), w >= 800 && w <= 1200, true);
    }
}
