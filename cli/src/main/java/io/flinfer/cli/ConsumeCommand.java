package io.flinfer.cli;

import io.flinfer.jobs.Durations;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.jobs.kafka.KafkaAccess;
import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.jobs.kafka.KafkaPropertiesOption;
import io.flinfer.kafka.KafkaClients;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flinfer consume}: prints results as the pipeline commits them. */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the records of a Kafka topic, one JSON line each, as their transactions commit"
                    + " (isolation.level=read_committed: results of a pipeline run that failed and was rolled"
                    + " back never show).",
            "Stops after --count records, or when --timeout passes without a new record."
                    + " Reads in no consumer group and commits no offsets: every run reads the topic afresh, and"
                    + " a secured cluster needs only Read and Describe on the topic."
        })
final class ConsumeCommand implements Runnable {
    private static final Duration POLL = Duration.ofMillis(200);

    @Spec CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "S", defaultValue = KafkaClients.DEFAULT_BOOTSTRAP_SERVERS,
            description = "Kafka to read from (host:port[,host:port...]). Default: ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Mixin KafkaPropertiesOption kafkaProperties;

    @Option(names = "--topic", paramLabel = "TOPIC", defaultValue = PipelineOptions.OUTPUT_TOPIC,
            description = "Topic to read. Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Stop after N records; 0 means no limit (stop on --timeout). Default: ${DEFAULT-VALUE}.")
    long count;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = Durations.Converter.class,
            description = "Stop when no new record arrives for this long (500ms, 10s, 2m, 1h). Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Option(names = "--from-beginning",
            description = "Read the topic from its first record. Default: off, only records that arrive"
                    + " after the start.")
    boolean fromBeginning;

    @Override
    public void run() {
        if (count < 0) {
            throw new IllegalArgumentException("--count must be 0 (no limit) or more, got " + count);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> client = kafkaProperties.settings();
        KafkaAccess access = KafkaAccess.of(bootstrapServers, client, new KafkaAcls().read(topic));
        long printed = 0;
        long idleSince = System.nanoTime();
        try (KafkaConsumer<String, String> consumer = KafkaClients.committedConsumer(bootstrapServers, client, fromBeginning)) {
            KafkaClients.assignAll(consumer, List.of(topic), timeout);
            while ((count == 0 || printed < count) && System.nanoTime() - idleSince < timeout.toNanos()) {
                for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                    out.println(record.value());
                    idleSince = System.nanoTime();
                    if (++printed == count) {
                        break;
                    }
                }
                out.flush();
            }
        } catch (KafkaClients.NoPartitions e) {
            // The topic did not show up within the timeout: nothing arrived, as the line below says.
        } catch (TimeoutException e) {
            throw new IllegalStateException(KafkaClients.unreachable(bootstrapServers), e);
        } catch (KafkaException e) {
            access.throwIfDenied(e);
            throw e;
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(printed > 0
                ? "consumed " + printed + " records from " + topic
                : "consumed 0 records: none arrived on " + topic + " within " + timeout.toMillis() + " ms."
                        + " Is anything writing to it, and is Kafka running at " + bootstrapServers
                        + "? (`flinfer kafka` starts a local one)");
        err.flush();
    }
}
