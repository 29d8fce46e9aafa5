package io.flinfer.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.apache.flink.runtime.executiongraph.failover.ExecutionFailureHandler;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which Kafka failures are denials, how they are worded, and that Flink does not restart a job for one. */
class KafkaAccessTest {
    private static final Map<String, String> BOB = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"bob\" password=\"s3cret\";");
    private static final KafkaAccess ACCESS = KafkaAccess.of("kafka:9093", BOB,
            new KafkaAcls().read("prompts").group("flinfer").write("completions"));

    @Test
    void aDeniedTopicDeepInAFailureIsWordedWithTheAclThatGrantsIt() {
        var failure = new FlinkRuntimeException("One or more fetchers have encountered exception",
                new TopicAuthorizationException(Set.of("completions")));

        KafkaAccessDenied denied = ACCESS.denial(failure).orElseThrow();

        assertThat(denied.getMessage()).isEqualTo("Kafka at kafka:9093 denied User:bob access to topic completions"
                + " (TopicAuthorizationException: Not authorized to access topics: [completions]); retrying cannot fix this."
                + " Grant it with: kafka-acls.sh --bootstrap-server kafka:9093 --add --allow-principal User:bob"
                + " --operation Write --operation Describe --topic completions");
        assertThat(ExecutionFailureHandler.isUnrecoverableError(new RuntimeException("task failed", denied)))
                .as("Flink restarts no job for it").isTrue();
        assertThat(denied.getMessage()).doesNotContain("s3cret");
    }

    @Test
    void aDeniedGroupNamesTheGroupAcl() {
        String message = ACCESS.denial(new GroupAuthorizationException("Not authorized to access group: flinfer", "flinfer"))
                .orElseThrow().getMessage();

        assertThat(message).contains("denied User:bob access to consumer group flinfer",
                "--allow-principal User:bob --operation Read --group flinfer");
    }

    @Test
    void whatARetryMayFixIsNoDenial() {
        assertThat(ACCESS.denial(new TimeoutException("Timed out waiting for a node assignment"))).isEmpty();
    }

    @Test
    void aPrincipalTheSettingsDoNotNameIsLeftForTheUserToFillIn() {
        KafkaAccess mtls = KafkaAccess.of("kafka:9093", Map.of("security.protocol", "SSL"), new KafkaAcls().write("completions"));

        String message = mtls.denial(new TopicAuthorizationException(Set.of("completions"))).orElseThrow().getMessage();

        assertThat(message).contains("denied the client's principal access", "--allow-principal User:NAME");
    }
}
