package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.kafka.CommittedReader;
import io.flinfer.kafka.EmbeddedKafka;
import io.flinfer.kafka.KafkaClients;
import io.flinfer.models.BundledModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer run} against a broker that has none of its topics, that is not there yet when it
 * starts, or that restarts in the middle of the stream: it waits, creates what is missing, and keeps
 * running; every request is answered exactly once.
 */
class RunTopicsAndBrokerTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    /**
     * The README's quick example, each command a process of its own as the shell runs them. Differences:
     * a free port instead of 9092, and a state directory and no metrics endpoint for {@code run}, so that
     * the test touches nothing of the user's. {@code publish} starts once {@code run} has said it reads.
     */
    @Test
    void theReadmeQuickExampleAnswersBothPromptsOnAFreshBroker(@TempDir Path dir) throws Exception {
        String servers = "localhost:" + Ports.free();
        Path prompts = Files.writeString(dir.resolve("prompts.txt"), "Once upon a time\nThe little dog\n");
        try (FlinferProcess kafka = FlinferProcess.start(dir.resolve("kafka.log"), List.of("kafka", "--port", port(servers)))) {
            kafka.awaitOutput("Kafka is running", TIMEOUT);
            try (FlinferProcess run = FlinferProcess.start(dir.resolve("run.log"), List.of("run", "--model",
                    BundledModels.stories260K().toString(), "--bootstrap-servers", servers, "--checkpoint-interval", "2s",
                    "--state-dir", dir.resolve("state").toString(), "--metrics-port", "0"))) {
                run.awaitOutput("Reading prompts", TIMEOUT);
                assertThat(run.output()).contains("Created the missing topics prompts, completions, prompts.dlq");

                FlinferProcess publish = FlinferProcess.start(dir.resolve("publish.log"),
                        List.of("publish", "--bootstrap-servers", servers, "--max-tokens", "24", "-"),
                        ProcessBuilder.Redirect.from(prompts.toFile()));
                assertThat(publish.awaitExit(TIMEOUT)).as(publish.output()).isZero();
                FlinferProcess consume = FlinferProcess.start(dir.resolve("consume.log"),
                        List.of("consume", "--bootstrap-servers", servers, "--from-beginning", "--count", "2"));
                assertThat(consume.awaitExit(TIMEOUT)).as(consume.output()).isZero();

                List<OutputLine> results = consume.output().lines().filter(l -> l.startsWith("{")).map(OutputLine::parse).toList();
                assertThat(results).extracting(OutputLine::customId).containsExactlyInAnyOrder("prompt-1", "prompt-2");
                assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).as(r.error()).isEqualTo(200));
                assertThat(run.isAlive()).as(run.output()).isTrue();
            }
        }
    }

    @Test
    void runWaitsForItsBrokerCreatesItsTopicsAndOutlastsABrokerRestart(@TempDir Path dir) throws Exception {
        int port = Ports.free();
        String servers = "localhost:" + port;
        int requests = 40;
        int metricsPort = Ports.free();
        try (FlinferProcess run = FlinferProcess.start(dir.resolve("run.log"), List.of("run", "--model",
                BundledModels.stories260K().toString(), "--kv-cache-memory", "16MiB", "--bootstrap-servers", servers,
                "--checkpoint-interval", "1s", "--max-in-flight", "2", "--state-dir", dir.resolve("state").toString(),
                "--metrics-port", String.valueOf(metricsPort)))) {
            run.awaitOutput("Waiting for Kafka at " + servers, TIMEOUT);
            try (EmbeddedKafka kafka = EmbeddedKafka.start(port)) {
                run.awaitOutput("Reading prompts", TIMEOUT);
                List<String> prompts = Prompts.stories(requests);
                try (KafkaProducer<String, String> producer = KafkaClients.producer(servers)) {
                    for (int i = 0; i < requests; i++) {
                        producer.send(new ProducerRecord<>("prompts", BatchLines.line("r" + i, "/v1/completions",
                                BatchLines.body().put("prompt", prompts.get(i)).put("max_tokens", 60 + i % 7 * 10)
                                        .put("temperature", 0).put("ignore_eos", true))));
                    }
                }
                try (CommittedReader reader = new CommittedReader(servers, "completions")) {
                    reader.readUntil(v -> v.size() >= requests / 4, TIMEOUT, () -> "the first results; output:\n" + run.output());
                    assertThat(reader.values()).as("results before the broker restart").hasSizeLessThan(requests);
                    kafka.restart(Duration.ofSeconds(5));

                    reader.readUntil(v -> v.stream().map(OutputLine::parse).map(OutputLine::customId).distinct().count() >= requests,
                            TIMEOUT, () -> "a result for each request after the broker restart; output:\n" + run.output());
                    double checkpoints = completedCheckpoints(metricsPort);
                    Await.until("two more checkpoints", TIMEOUT, () -> completedCheckpoints(metricsPort) >= checkpoints + 2);
                    List<OutputLine> results = reader.readToEnd(TIMEOUT).stream().map(OutputLine::parse).toList();
                    assertThat(results).extracting(OutputLine::customId).as("each request answered once")
                            .containsExactlyInAnyOrderElementsOf(IntStream.range(0, requests).mapToObj(i -> "r" + i).toList());
                    assertThat(results).allSatisfy(r -> assertThat(r.statusCode()).as(r.error()).isEqualTo(200));
                }
                assertThat(run.isAlive()).as("flinfer run is still running; output:%n%s", run.output()).isTrue();
            }
        }
    }

    private static double completedCheckpoints(int metricsPort) throws Exception {
        return PrometheusScrape.of(metricsPort).sum("flink_jobmanager_job_numberOfCompletedCheckpoints", Map.of());
    }

    private static String port(String servers) {
        return servers.substring(servers.indexOf(':') + 1);
    }
}
