package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.kafka.EmbeddedKafka;
import io.flinfer.kafka.KafkaClients;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.ParsedRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ServedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code publish} and {@code consume} run in-process against one real embedded broker. */
class KafkaCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RequestParser PARSER = new RequestParser(ServedModel.named("stories260K"));
    private static EmbeddedKafka kafka;

    @TempDir Path dir;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.start();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void publishedPromptsAndBatchLinesComeBackThroughConsume() throws Exception {
        String batchLine = "{\"custom_id\": \"mine-1\", \"method\": \"POST\", \"url\": \"/v1/completions\","
                + " \"body\": {\"prompt\": \"as is\", \"max_tokens\": 3}}";
        Path input = write("Once upon a time", "", "   ", batchLine, "{\"not\": \"a batch line\"}");

        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "round-trip",
                "--model", "stories260K", "--max-tokens", "32", input.toString());
        assertThat(publish.exitCode()).as(publish.err()).isZero();
        assertThat(publish.out()).contains("published 3 records to round-trip");

        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "round-trip",
                "--from-beginning", "--count", "3", "--timeout", "30s");
        assertThat(consume.exitCode()).as(consume.err()).isZero();
        List<String> lines = consume.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(consume.err()).contains("consumed 3 records from round-trip");

        // The pipeline's own parser accepts what publish wrote, with the options applied.
        InferenceRequest first = valid(PARSER, lines.get(0));
        assertThat(first.customId()).isEqualTo("prompt-1");
        assertThat(first.endpoint()).isEqualTo(Endpoint.COMPLETION);
        assertThat(first.prompt()).isEqualTo("Once upon a time");
        assertThat(first.model()).isEqualTo("stories260K");
        assertThat(first.samplingParams().maxTokens).isEqualTo(32);
        assertThat(JSON.readTree(lines.get(1))).isEqualTo(JSON.readTree(batchLine));
        InferenceRequest third = valid(PARSER, lines.get(2));
        assertThat(third.customId()).isEqualTo("prompt-2");
        assertThat(third.prompt()).isEqualTo("{\"not\": \"a batch line\"}");
    }

    @Test
    void chatPromptsBecomeOneUserMessageAndRecordsAreKeyedByCustomId() throws Exception {
        Path input = write("Tell me a story", "Tell me another");

        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "chat",
                "--chat", "--max-tokens", "50", "--id-prefix", "run7-", input.toString());
        assertThat(publish.exitCode()).as(publish.err()).isZero();

        List<String> lines = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "chat",
                "--from-beginning", "--count", "2").out().lines().toList();
        InferenceRequest first = valid(PARSER, lines.get(0));
        assertThat(first.customId()).isEqualTo("run7-1");
        assertThat(first.endpoint()).isEqualTo(Endpoint.CHAT);
        assertThat(first.messages()).hasSize(1);
        assertThat(first.messages().get(0).role()).isEqualTo("user");
        assertThat(first.messages().get(0).content()).isEqualTo("Tell me a story");
        assertThat(first.samplingParams().maxTokens).isEqualTo(50);
        assertThat(JSON.readTree(lines.get(0)).path("body").has("model")).as("publish without --model names none").isFalse();
        assertThat(valid(PARSER, lines.get(1)).customId()).isEqualTo("run7-2");
    }

    @Test
    void consumeShowsOnlyCommittedRecordsAndStopsWhenIdle() {
        kafka.createTopic("results", 1);
        Map<String, Object> config = KafkaClients.producerConfig(kafka.bootstrapServers());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "consume-test");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("results", "a", "{\"custom_id\": \"a\"}"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("results", "b", "{\"custom_id\": \"b\"}"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("results", "c", "{\"custom_id\": \"c\"}"));
            producer.commitTransaction();
        }

        // Asks for more than exist: only the idle timeout ends the run.
        CliRun consume = CliRun.of("consume", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "results",
                "--from-beginning", "--count", "5", "--timeout", "3s");

        assertThat(consume.exitCode()).as(consume.err()).isZero();
        assertThat(consume.out().lines()).containsExactly("{\"custom_id\": \"a\"}", "{\"custom_id\": \"c\"}");
        assertThat(consume.err()).contains("consumed 2 records");
    }

    @Test
    void publishToAMissingFileSaysWhichFile() {
        CliRun publish = CliRun.of("publish", "--bootstrap-servers", kafka.bootstrapServers(),
                dir.resolve("nope.jsonl").toString());
        assertThat(publish.exitCode()).isEqualTo(1);
        assertThat(publish.err()).contains("could not read").contains("nope.jsonl");
    }

    @Test
    void helpExplainsEveryOptionAndItsDefault() {
        String publish = oneLine(CliRun.of("publish", "--help").out());
        assertThat(publish).contains("--bootstrap-servers", "Default: localhost:9092", "--topic", "Default: prompts",
                "--chat", "--model", "--max-tokens", "16 for completions, 256 for chat", "--id-prefix",
                "Default: prompt-", "FILE|-");
        String consume = oneLine(CliRun.of("consume", "--help").out());
        assertThat(consume).contains("--bootstrap-servers", "--topic", "Default: completions", "--count",
                "--timeout", "Default: 30s", "--from-beginning", "read_committed");
        String kafkaHelp = oneLine(CliRun.of("kafka", "--help").out());
        assertThat(kafkaHelp).contains("--port", "Default: 9092", "0 picks a free one");
    }

    @Test
    void badOptionValuesAreRefusedWithTheReason() {
        CliRun consume = CliRun.of("consume", "--timeout", "soon");
        assertThat(consume.exitCode()).isEqualTo(2);
        assertThat(consume.err()).contains("'soon' is not a duration");
        CliRun publish = CliRun.of("publish", "--max-tokens", "0", "-");
        assertThat(publish.exitCode()).isEqualTo(1);
        assertThat(publish.err()).contains("--max-tokens must be at least 1");
    }

    /** Help wraps at the terminal's width; compare words, not line breaks. */
    private static String oneLine(String text) {
        return text.replaceAll("\\s+", " ");
    }

    private Path write(String... lines) throws Exception {
        Path file = Files.createTempFile(dir, "input", ".txt");
        Files.write(file, new ArrayList<>(List.of(lines)), StandardCharsets.UTF_8);
        return file;
    }

    private static InferenceRequest valid(RequestParser parser, String line) {
        ParsedRecord parsed = parser.parse(line.getBytes(StandardCharsets.UTF_8));
        assertThat(parsed).isInstanceOf(ParsedRecord.Valid.class);
        return ((ParsedRecord.Valid) parsed).request();
    }
}
