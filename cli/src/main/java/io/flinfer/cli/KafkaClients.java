package io.flinfer.cli;

/** What every command that talks to Kafka tells a user who cannot reach it. */
final class KafkaClients {
    static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";

    private KafkaClients() {}

    static String unreachable(String bootstrapServers) {
        return "could not reach Kafka at " + bootstrapServers
                + " (is it running? `flinfer kafka` starts a local one on " + DEFAULT_BOOTSTRAP_SERVERS + ")";
    }
}
