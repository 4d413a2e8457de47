// What every role shares: who the device is on the bus and how its MQTT session is set up.
#pragma once
#include <string>
#include <vector>

#include "mqtt_client.h"
#include "topics.h"

namespace meterhub {

struct DeviceIdentity {
    std::string prefix = "meterhub";
    std::string device;  // [a-z0-9_-]+; also the MQTT user name the broker ACL expects
    std::string role;    // esp32cam, p1, rs485, keypad
};

// The user name is the device id (the broker ACL grants a device its own topics by user
// name). The client id adds the role: a PLN meter has a camera and a keypad board under
// one device id, and two clients with one id would throw each other off the broker.
// The will and the online announcement go to the device's availability topic.
MqttSettings device_mqtt_settings(const DeviceIdentity& identity, const std::string& host, uint16_t port,
                                  const std::string& password, const std::vector<TopicKind>& subscriptions);

}  // namespace meterhub
