#include "device.h"

namespace meterhub {

MqttSettings device_mqtt_settings(const DeviceIdentity& identity, const std::string& host, uint16_t port,
                                  const std::string& password, const std::vector<TopicKind>& subscriptions) {
    const Topics topics(identity.prefix);
    MqttSettings settings;
    settings.host = host;
    settings.port = port;
    settings.client_id = identity.role.empty() ? identity.device : identity.device + "-" + identity.role;
    settings.username = identity.device;
    settings.password = password;
    settings.availability_topic = topics.device(TopicKind::Availability, identity.device);
    for (TopicKind kind : subscriptions) settings.subscriptions.push_back(topics.device(kind, identity.device));
    return settings;
}

}  // namespace meterhub
