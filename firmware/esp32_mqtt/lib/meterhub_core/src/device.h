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
};

// Client id and user name are the device id (the ACL grants a device its own topics by
// user name); the will and the online announcement go to its availability topic.
MqttSettings device_mqtt_settings(const DeviceIdentity& identity, const std::string& host, uint16_t port,
                                  const std::string& password, const std::vector<TopicKind>& subscriptions);

}  // namespace meterhub
