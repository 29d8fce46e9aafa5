package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.kafka.SecuredKafka;
import io.flinfer.kafka.TlsKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish} and {@code consume} against a broker that speaks only TLS, with a self-signed
 * certificate: the ssl.* settings of --kafka-properties reach the clients, and a client that does not
 * trust the certificate stops at once with exit code 2, naming the settings to check.
 */
class TlsKafkaCommandsTest {
    private static final Duration PROMPTLY = Duration.ofSeconds(20);
    @TempDir static Path stores;
    private static TlsKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = TlsKafka.start(stores);
        kafka.broker().createTopic("tls", 1);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void publishAndConsumeOverTlsWithTheTrustStoreOfTheProperties() throws Exception {
        Path input = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\n");
        Path client = SecuredKafka.writeProperties(dir.resolve("client.properties"), kafka.client());

        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "tls", input.toString());
        assertThat(publish.exitCode()).as(publish.err()).isZero();
        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "tls", "--from-beginning", "--count", "1", "--timeout", "30s");

        assertThat(consume.exitCode()).as(consume.err()).isZero();
        assertThat(consume.out()).contains("\"custom_id\":\"prompt-1\"", "Once upon a time");
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateStopsAtOnce() throws Exception {
        Map<String, String> untrusting = new HashMap<>(kafka.client());
        untrusting.keySet().removeIf(k -> k.startsWith("ssl.truststore"));
        Path client = SecuredKafka.writeProperties(dir.resolve("client.properties"), untrusting);

        long start = System.nanoTime();
        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "tls", "--timeout", "60s");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(consume.exitCode()).as(consume.err()).isEqualTo(2);
        assertThat(consume.err()).startsWith("error: the TLS handshake with Kafka at " + kafka.bootstrapServers() + " failed")
                .contains("SslAuthenticationException", "ssl.truststore.location");
    }
}
