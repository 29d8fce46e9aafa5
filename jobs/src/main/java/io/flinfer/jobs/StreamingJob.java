package io.flinfer.jobs;

import io.flinfer.jobs.kafka.FailFastSink;
import io.flinfer.jobs.kafka.FailFastSource;
import io.flinfer.jobs.kafka.KafkaAccess;
import io.flinfer.jobs.kafka.KafkaAcls;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.ResultLine;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The main job: Kafka prompts in, completions out exactly once (or at least once, when asked: results
 * then become visible before the next checkpoint).
 *
 * <pre>
 * KafkaSource(requests) -> {@link InferenceGraph} -> KafkaSink(results)
 *                                           \-> dead letters -> KafkaSink(dead-letter topic)
 * </pre>
 *
 * <p>The Kafka source and sinks fail the job, without restarts, when Kafka refuses the job's credentials
 * or ACLs ({@link FailFastSource}, {@link FailFastSink}): no restart can fix that.
 */
public final class StreamingJob {
    /** The name the job runs under, locally and on clusters. */
    public static final String NAME = "flinfer";

    /** Kafka's broker default is 15 minutes; a transaction stays open from one checkpoint to the next. */
    private static final String TRANSACTION_TIMEOUT_MS = String.valueOf(15 * 60 * 1000);

    private StreamingJob() {}

    /** Adds the pipeline to {@code env}. */
    public static void build(StreamExecutionEnvironment env, PipelineOptions o) {
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setTopics(o.inputTopic())
                .setGroupId(o.groupId())
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperties(kafkaClient(o))
                .build();
        DataStream<RawRecord> raw = env.fromSource(new FailFastSource<>(source, access(o)), WatermarkStrategy.noWatermarks(), "requests")
                .uid("requests");
        InferenceGraph.Outputs outputs = InferenceGraph.add(raw, o.generation());
        outputs.results().sinkTo(resultSink(o)).name("results").uid("results");
        outputs.deadLetters().sinkTo(deadLetterSink(o)).name("dead-letters").uid("dead-letters");
    }

    /**
     * The ACLs the job's principal needs: read the input topic in the job's group, write the output and
     * dead-letter topics in transactions whose ids start with the prefix {@code --group-id} sets.
     */
    public static KafkaAcls acls(PipelineOptions o) {
        KafkaAcls acls = new KafkaAcls().read(o.inputTopic()).group(o.groupId()).write(o.outputTopic()).write(o.deadLetterTopic());
        return o.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE ? acls.transactionalIds(o.transactionalIdPrefix()) : acls;
    }

    private static KafkaAccess access(PipelineOptions o) {
        return KafkaAccess.of(o.bootstrapServers(), o.kafkaClient(), acls(o));
    }

    private static Sink<ResultLine> resultSink(PipelineOptions o) {
        KafkaRecordSerializationSchema<ResultLine> serializer = (line, context, timestamp) -> new ProducerRecord<>(
                o.outputTopic(), line.customId().getBytes(StandardCharsets.UTF_8), line.json().getBytes(StandardCharsets.UTF_8));
        return sink(o, serializer, "-results");
    }

    private static Sink<String> deadLetterSink(PipelineOptions o) {
        KafkaRecordSerializationSchema<String> serializer = (json, context, timestamp) ->
                new ProducerRecord<>(o.deadLetterTopic(), null, json.getBytes(StandardCharsets.UTF_8));
        return sink(o, serializer, "-dead-letters");
    }

    private static <T> Sink<T> sink(PipelineOptions o, KafkaRecordSerializationSchema<T> serializer, String suffix) {
        KafkaSink<T> sink = KafkaSink.<T>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(o.deliveryGuarantee())
                .setTransactionalIdPrefix(o.transactionalIdPrefix() + suffix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .setKafkaProducerConfig(kafkaClient(o))
                .build();
        return new FailFastSink<>(sink, access(o));
    }

    private static Properties kafkaClient(PipelineOptions o) {
        Properties properties = new Properties();
        properties.putAll(o.kafkaClient());
        return properties;
    }
}
