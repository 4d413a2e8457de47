// Set-up without reflashing: the form's body read back, every field checked, settings
// kept in a key-value store (NVS on the board), the page, the status LED and BOOT held.
#include <map>
#include <string>

#include "check.h"
#include "device_settings.h"
#include "settings_form.h"
#include "status_led.h"

using namespace meterhub;

namespace {

class MemoryStore : public KeyValueStore {
public:
    std::map<std::string, std::string> values;
    bool get(const char* key, std::string* value) override {
        const auto it = values.find(key);
        if (it == values.end()) return false;
        *value = it->second;
        return true;
    }
    bool put(const char* key, const std::string& value) override {
        if (std::string(key).size() > 15) return false;  // NVS's limit
        values[key] = value;
        return true;
    }
    bool clear() override {
        values.clear();
        return true;
    }
};

std::map<std::string, std::string> good_form() {
    return {{"ssid", "Home WiFi"},     {"wifi_pw", "correct horse"}, {"mqtt_host", "meterhub.local"},
            {"mqtt_port", "1883"},     {"mqtt_user", ""},            {"mqtt_pw", "s3cret"},
            {"device", "p1"},          {"p1_baud", "115200"},        {"p1_sd_cs", "5"},
            {"ota_pw", "update-me"}};
}

std::string fields_of(const std::vector<FieldError>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.field + " ";
    return out;
}

}  // namespace

TEST(setup_form_body_is_read_with_its_escapes) {
    std::map<std::string, std::string> fields;
    CHECK(parse_form("ssid=Caf%C3%A9+Wifi&wifi_pw=a%26b%3Dc&static=on&empty=&flag", &fields));
    CHECK_EQ(fields["ssid"], std::string("Caf\xC3\xA9 Wifi"));
    CHECK_EQ(fields["wifi_pw"], std::string("a&b=c"));
    CHECK_EQ(fields["static"], std::string("on"));
    CHECK_EQ(fields["empty"], std::string());
    CHECK(fields.count("flag") == 1u);
    CHECK(!parse_form("ssid=%4", &fields));
    CHECK(!parse_form("ssid=%zz", &fields));
    CHECK(!parse_form(std::string(5000, 'a'), &fields));
}

TEST(setup_takes_a_good_form_and_keeps_it_across_a_restart) {
    DeviceSettings settings;
    CHECK_EQ(fields_of(settings_from_form(good_form(), "p1", DeviceSettings(), &settings)), std::string());
    CHECK_EQ(settings.mqtt_user(), std::string("p1"));  // the broker ACL's user is the device id
    MemoryStore nvs;
    CHECK(save_settings(nvs, "p1", settings));
    DeviceSettings loaded;
    CHECK(load_settings(nvs, "p1", &loaded));
    CHECK_EQ(loaded.wifi_ssid, std::string("Home WiFi"));
    CHECK_EQ(loaded.wifi_password, std::string("correct horse"));
    CHECK_EQ(loaded.broker_host, std::string("meterhub.local"));
    CHECK_EQ(loaded.broker_port, 1883);
    CHECK_EQ(loaded.broker_password, std::string("s3cret"));
    CHECK_EQ(loaded.update_password, std::string("update-me"));
    CHECK_EQ(loaded.option(role_options("p1")[1]), std::string("5"));
    nvs.clear();  // factory reset
    CHECK(!load_settings(nvs, "p1", &loaded));
}

TEST(setup_keeps_saved_passwords_when_their_fields_are_left_empty) {
    DeviceSettings saved, settings;
    settings_from_form(good_form(), "p1", DeviceSettings(), &saved);
    auto form = good_form();
    form["wifi_pw"] = "";
    form["mqtt_pw"] = "";
    form["ota_pw"] = "";
    form["mqtt_port"] = "8883";
    CHECK_EQ(fields_of(settings_from_form(form, "p1", saved, &settings)), std::string());
    CHECK_EQ(settings.wifi_password, std::string("correct horse"));
    CHECK_EQ(settings.broker_password, std::string("s3cret"));
    CHECK_EQ(settings.update_password, std::string("update-me"));
    CHECK_EQ(settings.broker_port, 8883);
}

TEST(setup_names_every_bad_field) {
    auto form = good_form();
    form["ssid"] = "";
    form["wifi_pw"] = "short";
    form["mqtt_host"] = "bad host!";
    form["mqtt_port"] = "70000";
    form["device"] = "P1 Meter";
    form["ota_pw"] = "short";
    form["p1_baud"] = "57600";
    form["p1_sd_cs"] = "x";
    DeviceSettings untouched, settings;
    settings.device = "unchanged";
    CHECK_EQ(fields_of(settings_from_form(form, "p1", untouched, &settings)),
             std::string("ssid wifi_pw mqtt_host mqtt_port device ota_pw p1_baud p1_sd_cs "));
    CHECK_EQ(settings.device, std::string("unchanged"));  // nothing taken from a bad form
}

TEST(setup_checks_a_static_address_against_its_network) {
    auto form = good_form();
    form["static"] = "on";
    form["ip"] = "192.168.1.50";
    form["subnet"] = "255.255.255.0";
    form["gateway"] = "192.168.2.1";
    DeviceSettings settings;
    CHECK_EQ(fields_of(settings_from_form(form, "p1", DeviceSettings(), &settings)), std::string("gateway "));
    form["gateway"] = "192.168.1.1";
    form["subnet"] = "255.0.255.0";
    CHECK_EQ(fields_of(settings_from_form(form, "p1", DeviceSettings(), &settings)), std::string("subnet "));
    form["subnet"] = "255.255.255.0";
    form["ip"] = "192.168.1.050";
    form["dns"] = "1.1.1";
    CHECK_EQ(fields_of(settings_from_form(form, "p1", DeviceSettings(), &settings)), std::string("ip dns "));
    form["ip"] = "192.168.1.50";
    form["dns"] = "";
    CHECK_EQ(fields_of(settings_from_form(form, "p1", DeviceSettings(), &settings)), std::string());
    CHECK(settings.static_ip);
}

TEST(setup_host_names_and_addresses) {
    CHECK(is_host_name("meterhub.local"));
    CHECK(is_host_name("broker-1"));
    CHECK(!is_host_name("-broker"));
    CHECK(!is_host_name("a..b"));
    CHECK(!is_host_name("with space"));
    CHECK(!is_host_name(std::string(64, 'a')));
    CHECK(is_ipv4("10.0.0.1"));
    CHECK(!is_ipv4("256.0.0.1"));
    CHECK(!is_ipv4("1.2.3.4.5"));
}

TEST(setup_role_option_keys_fit_nvs) {
    for (const char* role : {"esp32cam", "p1", "rs485", "keypad"})
        for (const auto& spec : role_options(role)) CHECK_EQ_IN(spec.key, std::string(spec.key).size() <= 13, true);
}

TEST(setup_page_shows_saved_values_never_passwords_and_escapes_what_was_typed) {
    DeviceSettings saved;
    settings_from_form(good_form(), "p1", DeviceSettings(), &saved);
    const std::string page = settings_page("p1", saved);
    CHECK(page.find("name=\"ssid\" type=\"text\" value=\"Home WiFi\"") != std::string::npos);
    CHECK(page.find("correct horse") == std::string::npos);
    CHECK(page.find("s3cret") == std::string::npos);
    CHECK(page.find("update-me") == std::string::npos);
    CHECK(page.find("name=\"p1_sd_cs\" type=\"number\" value=\"5\"") != std::string::npos);
    auto form = good_form();
    form["ssid"] = "<script>\"";
    form["mqtt_port"] = "0";
    DeviceSettings unused;
    const auto errors = settings_from_form(form, "p1", saved, &unused);
    const std::string again = settings_page("p1", saved, form, errors);
    CHECK(again.find("&lt;script&gt;&quot;") != std::string::npos);
    CHECK(again.find("<script>") == std::string::npos);
    CHECK(again.find("Not saved") != std::string::npos);
    CHECK(again.find("<p class=\"error\">1 to 65535</p>") != std::string::npos);
}

TEST(setup_update_page_uploads_a_firmware_file_and_escapes_names) {
    const std::string page = update_page("p1", "<x>", "update failed: Bad Size Given");
    CHECK(page.find("action=\"/update\" enctype=\"multipart/form-data\"") != std::string::npos);
    CHECK(page.find("type=\"file\"") != std::string::npos);
    CHECK(page.find("&lt;x&gt;-p1") != std::string::npos);
    CHECK(page.find("<p>update failed: Bad Size Given</p>") != std::string::npos);
}

TEST(status_led_codes) {
    CHECK_EQ(std::string(status_name(device_status(false, true, false, true, false))), std::string("ok"));
    CHECK_EQ(std::string(status_name(device_status(false, true, false, false, false))), std::string("no-broker"));
    CHECK_EQ(std::string(status_name(device_status(false, false, true, false, false))), std::string("no-wifi"));
    CHECK_EQ(std::string(status_name(device_status(false, false, false, false, false))), std::string("connecting"));
    CHECK_EQ(std::string(status_name(device_status(true, false, false, false, false))), std::string("set-up"));
    CHECK_EQ(std::string(status_name(device_status(true, true, false, true, true))), std::string("storage"));

    StatusLed led;
    led.show(DeviceStatus::NoBroker, 1000);  // three flashes, then a pause
    int flashes = 0;
    bool was = false;
    for (uint32_t t = 1000; t < 1000 + 2400; ++t) {  // one period
        const bool now = led.lit(t);
        flashes += now && !was;
        was = now;
    }
    CHECK_EQ(flashes, 3);
    led.show(DeviceStatus::Ok, 5000);
    CHECK(led.lit(5000) && led.lit(5049) && !led.lit(5050) && !led.lit(9999) && led.lit(10000));
}

TEST(boot_held_five_seconds_asks_for_set_up_once) {
    HoldDetector boot;
    CHECK(!boot.feed(true, 0));
    CHECK(!boot.feed(false, 3000));  // let go early: nothing
    CHECK(!boot.feed(true, 4000));
    CHECK(!boot.feed(true, 8999));
    CHECK(boot.feed(true, 9000));
    CHECK(!boot.feed(true, 20000));  // still held: once
}
