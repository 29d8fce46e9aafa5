package io.flinfer.jobs;

import io.flinfer.operators.generate.GenerateOperatorFactory;
import io.flinfer.operators.prepare.ParseFunction;
import io.flinfer.operators.prepare.PrepareFunction;
import io.flinfer.operators.records.InferenceRequest;
import io.flinfer.operators.records.PreparedRequest;
import io.flinfer.operators.records.RawRecord;
import io.flinfer.operators.records.RequestParser;
import io.flinfer.operators.records.ResultLine;
import io.flinfer.operators.records.SideOutputs;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The main job: Kafka prompts in, completions out exactly once.
 *
 * <pre>
 * KafkaSource(requests) -> parse -> prepare -> keyBy(prefix key) -> generate -> KafkaSink(results)
 *                            \-> error results ------------------------------------/
 *                            \-> dead letters -> KafkaSink(dead-letter topic)
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
                .build();
        DataStream<RawRecord> raw = env.fromSource(source, WatermarkStrategy.noWatermarks(), "requests").uid("requests");
        SingleOutputStreamOperator<InferenceRequest> parsed = raw
                .process(new ParseFunction(new RequestParser(o.servedModel())))
                .name("parse").uid("parse");
        SingleOutputStreamOperator<PreparedRequest> prepared = parsed
                .process(new PrepareFunction(o.engine(), o.prefixKeyBlocks()))
                .name("prepare").uid("prepare");
        DataStream<ResultLine> generated = route(prepared, o)
                .transform("generate", TypeInformation.of(ResultLine.class),
                        new GenerateOperatorFactory(o.engine(), o.maxInFlight(), o.requestTimeout()))
                .uid("generate");
        generated.union(parsed.getSideOutput(SideOutputs.ERROR_RESULTS), prepared.getSideOutput(SideOutputs.ERROR_RESULTS))
                .sinkTo(resultSink(o)).name("results").uid("results");
        parsed.getSideOutput(SideOutputs.DEAD_LETTERS)
                .sinkTo(deadLetterSink(o)).name("dead-letters").uid("dead-letters");
    }

    private static DataStream<PreparedRequest> route(DataStream<PreparedRequest> prepared, PipelineOptions o) {
        return o.routing() == PipelineOptions.Routing.PREFIX
                ? prepared.keyBy(PreparedRequest::prefixKey)
                : prepared.rebalance();
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
                .build();
    }
}
