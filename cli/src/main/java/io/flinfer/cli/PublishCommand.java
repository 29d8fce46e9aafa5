package io.flinfer.cli;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.kafka.KafkaAccess;
import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.jobs.kafka.KafkaPropertiesOption;
import io.flinfer.kafka.KafkaClients;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flinfer publish}: puts prompts or batch lines on the requests topic. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        description = {
            "Publishes requests to a Kafka topic, one record per non-empty input line, keyed by custom_id.",
            "A line that is a JSON object with a \"custom_id\" is an OpenAI Batch API line and is sent as is."
                    + " Any other line is a prompt: it becomes a /v1/completions request (with --chat, a"
                    + " /v1/chat/completions request with one user message) whose custom_id is the --id-prefix"
                    + " followed by the prompt's number (1, 2, ...).",
            "Prints how many records were published."
        })
final class PublishCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "S", defaultValue = KafkaClients.DEFAULT_BOOTSTRAP_SERVERS,
            description = "Kafka to publish to (host:port[,host:port...]). Default: ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Mixin KafkaPropertiesOption kafkaProperties;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = PipelineOptions.INPUT_TOPIC,
            description = "Topic to publish to. Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(names = "--chat",
            description = "Make prompts chat requests (/v1/chat/completions, one user message) instead of"
                    + " text completions (/v1/completions). Default: off.")
    boolean chat;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Model name put in prompt requests (body.model). Default: none; the pipeline"
                    + " then uses the model it serves.")
    String model;

    @Option(names = "--max-tokens", paramLabel = "N",
            description = "Most tokens to generate for each prompt (max_tokens; max_completion_tokens with"
                    + " --chat). Default: none; the pipeline then uses 16 for completions, 256 for chat.")
    Integer maxTokens;

    @Option(names = "--id-prefix", paramLabel = "PREFIX", defaultValue = "prompt-",
            description = "custom_id of a prompt: this prefix and the prompt's number. Default: ${DEFAULT-VALUE}.")
    String idPrefix;

    @Parameters(paramLabel = "FILE|-",
            description = "Input file, one request per line (UTF-8); - reads standard input."
                    + " --model, --max-tokens and --chat apply only to prompt lines.")
    String input;

    @Override
    public void run() {
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens must be at least 1, got " + maxTokens);
        }
        RequestLines lines = new RequestLines(chat, model, maxTokens, idPrefix);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        Map<String, String> client = kafkaProperties.settings();
        KafkaAccess access = KafkaAccess.of(bootstrapServers, client, new KafkaAcls().write(topic));
        try (BufferedReader reader = open();
                KafkaProducer<String, String> producer = KafkaClients.producer(bootstrapServers, client)) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                Optional<RequestLines.Line> line = lines.toRequest(text);
                line.ifPresent(l -> sent.add(producer.send(new ProducerRecord<>(topic, l.customId(), l.json()))));
            }
            producer.flush();
            for (Future<RecordMetadata> result : sent) {
                result.get();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("could not read " + input + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(KafkaClients.unreachable(bootstrapServers), e);
        } catch (ExecutionException e) {
            access.throwIfDenied(e);
            throw new IllegalStateException("Kafka refused a record: " + e.getCause().getMessage()
                    + (e.getCause() instanceof TimeoutException ? "; " + KafkaClients.unreachable(bootstrapServers) : ""),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing", e);
        }
        spec.commandLine().getOut().println("published " + sent.size() + " records to " + topic + " at " + bootstrapServers);
        spec.commandLine().getOut().flush();
    }

    private BufferedReader open() throws IOException {
        return "-".equals(input)
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8);
    }
}
