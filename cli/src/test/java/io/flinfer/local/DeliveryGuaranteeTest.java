package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.jobs.PipelineOptions;
import io.flinfer.kafka.CommittedReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * When results become visible to a {@code read_committed} consumer: with exactly-once, at the
 * checkpoint after they were written, never before; with at-least-once, as soon as they are written.
 * The checkpoint interval is an hour, so no checkpoint completes while the test runs.
 */
class DeliveryGuaranteeTest {
    private static final Duration NO_CHECKPOINT_DURING_THE_TEST = Duration.ofHours(1);
    private static final Duration RESULT = Duration.ofMinutes(2);
    private static final String REQUEST = BatchLines.completion("r1", "Once upon a time", 8, 0);

    @Test
    void atLeastOnceResultsAreVisibleBeforeAnyCheckpointCompletes() throws Exception {
        try (LocalPipeline pipeline = start(DeliveryGuarantee.AT_LEAST_ONCE);
                CommittedReader committed = pipeline.reader(pipeline.options().outputTopic())) {
            pipeline.publish(List.of(REQUEST));

            assertThat(committed.read(1, RESULT)).singleElement().asString().contains("\"custom_id\":\"r1\"");
            assertThat(completedCheckpoints(pipeline)).isZero();
        }
    }

    @Test
    void exactlyOnceResultsAreWrittenButInvisibleUntilTheNextCheckpointCompletes() throws Exception {
        try (LocalPipeline pipeline = start(DeliveryGuarantee.EXACTLY_ONCE);
                CommittedReader committed = pipeline.reader(pipeline.options().outputTopic());
                KafkaConsumer<String, String> uncommitted = uncommittedConsumer(pipeline)) {
            pipeline.publish(List.of(REQUEST));

            List<String> written = new ArrayList<>();
            Await.until("the result written in the open transaction", RESULT, () -> {
                uncommitted.poll(Duration.ofMillis(100)).forEach(r -> written.add(r.value()));
                return !written.isEmpty();
            });
            committed.poll();
            assertThat(written).singleElement().asString().contains("\"custom_id\":\"r1\"");
            assertThat(committed.values()).as("visible to read_committed before a checkpoint").isEmpty();
            assertThat(completedCheckpoints(pipeline)).isZero();
        }
    }

    private static LocalPipeline start(DeliveryGuarantee guarantee) throws Exception {
        PipelineOptions options = PipelineOptions.builder(null, TestModel.engine()).deliveryGuarantee(guarantee).build();
        return LocalPipeline.start(options, new LocalCluster.Settings(1, NO_CHECKPOINT_DURING_THE_TEST, 0));
    }

    /** A consumer that also reads records of transactions not yet committed. */
    private static KafkaConsumer<String, String> uncommittedConsumer(LocalPipeline pipeline) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.options().bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer());
        String topic = pipeline.options().outputTopic();
        consumer.assign(consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList());
        consumer.seekToBeginning(consumer.assignment());
        return consumer;
    }

    private static long completedCheckpoints(LocalPipeline pipeline) throws Exception {
        return pipeline.cluster().checkpointStats(pipeline.jobId()).getCounts().getNumberOfCompletedCheckpoints();
    }
}
