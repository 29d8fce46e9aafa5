package io.flinfer.jobs;

import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.ResultLine;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
 * The main job: Kafka prompts in, completions out exactly once.
 *
 * <pre>
 * KafkaSource(requests) -> {@link InferenceGraph} -> KafkaSink(results)
 *                                           \-> dead letters -> KafkaSink(dead-letter topic)
 * </pre>
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
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "requests").uid("requests");
        InferenceGraph.Outputs outputs = InferenceGraph.add(raw, o.generation());
        outputs.results().sinkTo(resultSink(o)).name("results").uid("results");
        outputs.deadLetters().sinkTo(deadLetterSink(o)).name("dead-letters").uid("dead-letters");
    }

    private static KafkaSink<ResultLine> resultSink(PipelineOptions o) {
        KafkaRecordSerializationSchema<ResultLine> serializer = (line, context, timestamp) -> new ProducerRecord<>(
                o.outputTopic(), line.customId().getBytes(StandardCharsets.UTF_8), line.json().getBytes(StandardCharsets.UTF_8));
        return exactlyOnceSink(o, serializer, "-results");
    }

    private static KafkaSink<String> deadLetterSink(PipelineOptions o) {
        KafkaRecordSerializationSchema<String> serializer = (json, context, timestamp) ->
                new ProducerRecord<>(o.deadLetterTopic(), null, json.getBytes(StandardCharsets.UTF_8));
        return exactlyOnceSink(o, serializer, "-dead-letters");
    }

    private static <T> KafkaSink<T> exactlyOnceSink(PipelineOptions o, KafkaRecordSerializationSchema<T> serializer, String suffix) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(o.bootstrapServers())
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(o.transactionalIdPrefix() + suffix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .setKafkaProducerConfig(kafkaClient(o))
                .build();
    }

    private static Properties kafkaClient(PipelineOptions o) {
        Properties properties = new Properties();
        properties.putAll(o.kafkaClient());
        return properties;
    }
}
