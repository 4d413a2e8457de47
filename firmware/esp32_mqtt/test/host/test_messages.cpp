// Reading JSON, decimals, timestamps and topics: the shapes the Python side reads.
#include "check.h"
#include "decimal.h"
#include "iso_time.h"
#include "json_in.h"
#include "json_value.h"
#include "reading.h"
#include "topics.h"

using namespace meterhub;

TEST(reading_json_is_byte_identical_to_the_python_payload) {
    const auto v = testjson::load_vector("readings.json");
    for (const auto& c : v["readings"].items) {
        Reading reading;
        reading.device = c["device"].str();
        reading.ts = c["epoch_s"].integer();
        reading.source = c["source"].str();
        if (!c["meter_id"].is_null()) reading.meter_id = c["meter_id"].str();
        for (const auto& value : c["values"].items)
            reading.values.push_back(
                {value[0].str(), Decimal{value[1].integer(), static_cast<uint8_t>(value[2].integer())}});
        CHECK_EQ_IN(c["name"].str(), reading_json(reading), c["json"].str());
    }
}

TEST(decimals_print_as_python_prints_the_float) {
    CHECK_EQ(format_decimal({0, 0}), std::string("0.0"));
    CHECK_EQ(format_decimal({0, 3}), std::string("0.0"));
    CHECK_EQ(format_decimal({12300, 3}), std::string("12.3"));
    CHECK_EQ(format_decimal({5, 3}), std::string("0.005"));
    CHECK_EQ(format_decimal({-5, 1}), std::string("-0.5"));
    CHECK_EQ(format_decimal({99999999, 2}), std::string("999999.99"));
    CHECK_EQ(format_decimal({INT64_MIN + 1, 0}), std::string("-9223372036854775807.0"));
}

TEST(kilowatts_scale_to_watts_exactly) {
    const Decimal w = scale_pow10({12345, 4}, 3);  // 1.2345 kW
    CHECK_EQ(w.units, 12345);
    CHECK_EQ(w.places, 1u);
    const Decimal w2 = scale_pow10({12, 1}, 3);  // 1.2 kW
    CHECK_EQ(format_decimal(w2), std::string("1200.0"));
    CHECK_EQ(format_decimal(scale_pow10({15, 0}, -2)), std::string("0.15"));
}

TEST(timestamps_are_iso_8601_utc) {
    CHECK_EQ(iso8601_utc(0), std::string("1970-01-01T00:00:00Z"));
    CHECK_EQ(iso8601_utc(951782400), std::string("2000-02-29T00:00:00Z"));
    CHECK_EQ(iso8601_utc(4107542399), std::string("2100-02-28T23:59:59Z"));  // 2100 is no leap year
    CHECK_EQ(iso8601_utc(4107542400), std::string("2100-03-01T00:00:00Z"));
    CHECK_EQ(iso8601_utc(2147483648LL), std::string("2038-01-19T03:14:08Z"));  // past 32-bit time_t
    CHECK(!is_plausible_utc(86400));
    CHECK(is_plausible_utc(1763787600));
}

TEST(topic_table_matches_the_vectors) {
    const auto v = testjson::load_vector("topics.json");
    const Topics topics(v["prefix"].str());
    CHECK_EQ(v["topics"].size(), sizeof(kAllTopicKinds) / sizeof(kAllTopicKinds[0]));
    for (TopicKind kind : kAllTopicKinds) {
        const std::string name = topic_kind_name(kind);
        CHECK_EQ_IN(name, v["topics"].has(name), true);
        if (v["topics"].has(name)) CHECK_EQ_IN(name, topics.device(kind, v["device"].str()), v["topics"][name].str());
    }
    for (const auto& id : v["device_ids"]["valid"].items) CHECK_EQ_IN(id.str(), is_device_id(id.str()), true);
    for (const auto& id : v["device_ids"]["invalid"].items) CHECK_EQ_IN(id.str(), is_device_id(id.str()), false);
}

TEST(flat_json_reads_commands_and_refuses_what_a_command_never_holds) {
    FlatJsonObject object;
    std::string error;
    const std::string text = R"( {"a": "x\"\u00e9\ud83d\ude00", "n": -1.5e2, "t": true, "z": null} )";
    CHECK(object.parse(text.data(), text.size(), &error));
    CHECK_EQ(object.find("a")->text, std::string("x\"\xC3\xA9\xF0\x9F\x98\x80"));
    CHECK_EQ(object.find("n")->number, -150.0);
    CHECK(object.find("t")->boolean);
    CHECK(object.find("z")->kind == JsonField::Kind::Null);
    const char* bad[][2] = {
        {R"({"a":{"b":1}})", "nested value for 'a' is not supported"},
        {R"({"a":1,"a":2})", "duplicate key 'a'"},
        {R"({"a":1} x)", "unexpected data after the object at offset 8"},
        {R"({"a":01})", "expected ',' or '}' at offset 6"},
        {R"({"a":"\ud800"})", "unpaired surrogate at offset 12"},
        {R"({"a":)", "expected a value at offset 5"},
        {"[1]", "expected a JSON object at offset 0"},
    };
    for (const auto& b : bad) {
        error.clear();
        CHECK_EQ_IN(b[0], object.parse(b[0], std::string(b[0]).size(), &error), false);
        CHECK_EQ_IN(b[0], error, std::string(b[1]));
    }
}
