package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.kafka.CommittedReader;
import io.flinfer.kafka.KafkaClients;
import io.flinfer.kafka.SecuredKafka;
import io.flinfer.models.BundledModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer run}, as a process of its own, against a broker that wants SASL/PLAIN logins and
 * authorizes with ACLs: with exactly the ACLs docs/operations.md lists it answers every request once;
 * with wrong credentials or one ACL missing it stops with exit code 2 and says what to fix, instead of
 * waiting or restarting forever.
 */
class SecuredRunTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Far below the minutes of a retry loop's backoff: a denial must end the run at once. */
    private static final Duration PROMPTLY = Duration.ofSeconds(60);
    private static final Map<String, String> USERS = Map.of("alice", "alice-secret", "bob", "bob-secret", "carol", "carol-secret");
    private static SecuredKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = SecuredKafka.start(USERS);
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void withExactlyTheDocumentedAclsItCreatesItsTopicsAndAnswersEachRequestOnce(@TempDir Path dir) throws Exception {
        PipelineOptions topics = topics("alice-");
        KafkaAcls acls = StreamingJob.acls(topics);
        List.of(topics.inputTopic(), topics.outputTopic(), topics.deadLetterTopic()).forEach(acls::create);
        kafka.grant("User:alice", acls);
        int requests = 12;
        try (FlinferProcess run = run(dir, topics, "alice")) {
            run.awaitOutput("Reading " + topics.inputTopic(), TIMEOUT);
            assertThat(run.output()).contains("Created the missing topics " + topics.inputTopic());
            publish(topics.inputTopic(), requests);

            try (CommittedReader reader = new CommittedReader(kafka.bootstrapServers(), kafka.adminClient(), topics.outputTopic())) {
                reader.readUntil(v -> v.size() >= requests, TIMEOUT, () -> requests + " results; output:\n" + run.output());
                run.terminate(TIMEOUT);
                List<OutputLine> results = reader.readToEnd(TIMEOUT).stream().map(OutputLine::parse).toList();
                assertThat(results).extracting(OutputLine::customId).as("each request answered once")
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, requests).mapToObj(i -> "r" + i).toList());
                assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).as(r.error()).isEqualTo(200));
            }
            assertThat(run.output()).contains("Stopped with savepoint").doesNotContain("alice-secret");
            assertThat(filesContaining(dir.resolve("state"), "alice-secret")).as("state files holding the password").isEmpty();
        }
    }

    @Test
    void wrongCredentialsStopRunAtOnceWithExitCode2(@TempDir Path dir) throws Exception {
        PipelineOptions topics = topics("wrong-");
        try (FlinferProcess run = run(dir, topics, "alice", "not-alices-password")) {
            assertThat(run.awaitExit(PROMPTLY)).as(run.output()).isEqualTo(2);
            assertThat(run.output()).contains("error: Kafka at " + kafka.bootstrapServers() + " refused to authenticate User:alice"
                    + " (SaslAuthenticationException: Authentication failed: Invalid username or password); retrying cannot fix this."
                    + " Check the user name and password in sasl.jaas.config (sasl.mechanism PLAIN) in --kafka-properties.")
                    .doesNotContain("Waiting for Kafka", "not-alices-password");
        }
    }

    @Test
    void aMissingTransactionalIdAclFailsTheJobWithoutRestartsAndExitCode2(@TempDir Path dir) throws Exception {
        PipelineOptions topics = topics("bob-");
        List.of(topics.inputTopic(), topics.outputTopic(), topics.deadLetterTopic()).forEach(t -> kafka.broker().createTopic(t, 1));
        KafkaAcls allButTransactions = new KafkaAcls().read(topics.inputTopic()).group(topics.groupId())
                .write(topics.outputTopic()).write(topics.deadLetterTopic());
        kafka.grant("User:bob", allButTransactions);
        try (FlinferProcess run = run(dir, topics, "bob")) {
            assertThat(run.awaitExit(TIMEOUT)).as(run.output()).isEqualTo(2);
            assertThat(run.output()).contains("error: Kafka at " + kafka.bootstrapServers() + " denied User:bob access to its"
                    + " transactional ids (TransactionalIdAuthorizationException", "retrying cannot fix this. Grant it with: kafka-acls.sh"
                    + " --bootstrap-server " + kafka.bootstrapServers() + " --add --allow-principal User:bob --operation Write"
                    + " --operation Describe --transactional-id " + topics.transactionalIdPrefix() + " --resource-pattern-type prefixed")
                    .doesNotContain("The job failed and restarts");
        }
    }

    /** Topics and a group of the test's own, named with {@code prefix}. */
    private static PipelineOptions topics(String prefix) {
        return PipelineOptions.builder(kafka.bootstrapServers(), TestModel.engine())
                .topics(prefix + "prompts", prefix + "completions", prefix + "dlq").groupId(prefix + "group").build();
    }

    private static FlinferProcess run(Path dir, PipelineOptions o, String user) throws Exception {
        return run(dir, o, user, USERS.get(user));
    }

    private static FlinferProcess run(Path dir, PipelineOptions o, String user, String password) throws Exception {
        Path client = SecuredKafka.writeClientProperties(dir.resolve(user + ".properties"), user, password);
        return FlinferProcess.start(dir.resolve("run.log"), List.of("run", "--model", BundledModels.stories260K().toString(),
                "--kv-cache-memory", "16MiB", "--bootstrap-servers", kafka.bootstrapServers(), "--kafka-properties", client.toString(),
                "--input-topic", o.inputTopic(), "--output-topic", o.outputTopic(), "--dlq-topic", o.deadLetterTopic(),
                "--group-id", o.groupId(), "--checkpoint-interval", "1s", "--state-dir", dir.resolve("state").toString(),
                "--metrics-port", "0"));
    }

    private static void publish(String topic, int requests) {
        List<String> prompts = Prompts.stories(requests);
        try (KafkaProducer<String, String> producer = KafkaClients.producer(kafka.bootstrapServers(), kafka.adminClient())) {
            for (int i = 0; i < requests; i++) {
                producer.send(new ProducerRecord<>(topic, "r" + i, BatchLines.completion("r" + i, prompts.get(i), 8, 0)));
            }
        }
    }

    private static List<Path> filesContaining(Path root, String text) throws Exception {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
                    found.add(f);
                }
            }
        }
        return found;
    }
}
