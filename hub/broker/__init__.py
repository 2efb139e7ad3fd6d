"""MQTT brokers for the hub: the embedded one (amqtt, for one machine) and the
configuration of a production Mosquitto (accounts, exact per-controller ACLs, TLS)."""
