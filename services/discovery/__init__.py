"""Home Assistant MQTT discovery: every configured meter appears there, typed and controllable."""
