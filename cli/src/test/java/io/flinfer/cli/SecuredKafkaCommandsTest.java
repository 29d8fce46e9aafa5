package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.kafka.SecuredKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish} and {@code consume} against a broker that wants SASL/PLAIN logins and authorizes every
 * request with ACLs: they work with the credentials and ACLs they need, and stop at once, with exit code
 * 2 and what to fix, when either is wrong.
 */
class SecuredKafkaCommandsTest {
    /** Far below the minutes a retrying client would spend: a denial must stop the command at once. */
    private static final Duration PROMPTLY = Duration.ofSeconds(20);
    private static SecuredKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = SecuredKafka.start(Map.of("alice", "alice-secret", "bob", "bob-secret"));
        kafka.broker().createTopic("secured", 1);
        kafka.grant("User:alice", new KafkaAcls().write("secured").read("secured"));
        kafka.grant("User:bob", new KafkaAcls().write("secured"));
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void publishAndConsumeWithTheirAclsOnly() throws Exception {
        Path input = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\nThe little dog\n");
        Path client = SecuredKafka.writeClientProperties(dir.resolve("client.properties"), "alice", "alice-secret");

        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "secured", input.toString());
        assertThat(publish.exitCode()).as(publish.err()).isZero();
        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "secured", "--from-beginning", "--count", "2", "--timeout", "30s");

        assertThat(consume.exitCode()).as(consume.err()).isZero();
        assertThat(consume.out().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("\"custom_id\":\"prompt-"));
        assertThat(publish.out() + publish.err() + consume.err()).doesNotContain("alice-secret");
    }

    @Test
    void wrongCredentialsStopPublishAtOnceSayingWhichSettingToFix() throws Exception {
        Path input = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\n");
        Path client = SecuredKafka.writeClientProperties(dir.resolve("client.properties"), "alice", "not-her-password");

        long start = System.nanoTime();
        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "secured", input.toString());

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(publish.exitCode()).as(publish.err()).isEqualTo(2);
        assertThat(publish.err()).startsWith("error: Kafka at " + kafka.bootstrapServers() + " refused to authenticate User:alice")
                .contains("SaslAuthenticationException", "sasl.jaas.config", "--kafka-properties")
                .doesNotContain("not-her-password");
        assertThat(publish.err().lines()).hasSize(1);
    }

    @Test
    void aMissingAclStopsConsumeAtOnceNamingTheAclToGrant() {
        Path client = SecuredKafka.writeClientProperties(dir.resolve("client.properties"), "bob", "bob-secret");

        long start = System.nanoTime();
        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties",
                client.toString(), "--topic", "secured", "--from-beginning", "--timeout", "60s");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPTLY);
        assertThat(consume.exitCode()).as(consume.err()).isEqualTo(2);
        assertThat(consume.err()).startsWith("error: Kafka at " + kafka.bootstrapServers() + " denied User:bob access to topic secured")
                .contains("TopicAuthorizationException", "kafka-acls.sh --bootstrap-server " + kafka.bootstrapServers()
                        + " --add --allow-principal User:bob --operation Read --operation Describe --topic secured");
        assertThat(consume.err().lines()).hasSize(1);
    }
}
