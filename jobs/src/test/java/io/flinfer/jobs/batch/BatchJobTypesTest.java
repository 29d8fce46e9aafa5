package io.flinfer.jobs.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.jobs.GenerationOptions;
import io.flinfer.jobs.PipelineOptions;
import io.flinfer.operators.records.ServedModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

/**
 * Every edge of the batch job carries a type with a serializer of its own: with Flink's generic types
 * (Kryo) disabled the job still builds, for request files and for datasets with ids and Parquet output.
 */
class BatchJobTypesTest {
    private static final GenerationOptions GENERATION = new GenerationOptions(EngineConfig.defaults(Path.of("/models/m")),
            8, Duration.ofMinutes(1), 4, PipelineOptions.Routing.PREFIX, 0.25, ServedModel.named("m"));

    @Test
    void aRequestFileJobUsesNoKryo() {
        assertNoKryo(new BatchOptions(List.of("file:/in/requests.jsonl"), DatasetFormat.JSONL, null, "file:/work/parts",
                DatasetFormat.JSONL, null, GENERATION, "types-1"));
    }

    @Test
    void aDatasetJobWithIdsAndParquetOutputUsesNoKryo() {
        DatasetColumns columns = new DatasetColumns("q", null, "id", "{}", List.of(), null);
        assertNoKryo(new BatchOptions(List.of("file:/in/a.parquet", "file:/in/b.parquet"), DatasetFormat.PARQUET, columns,
                "file:/work/parts", DatasetFormat.PARQUET, OutputSchema.of(org.apache.parquet.schema.MessageTypeParser
                        .parseMessageType("message row { optional binary q (STRING); optional binary id (STRING); }"), null).toString(),
                GENERATION, "types-2"));
    }

    private static void assertNoKryo(BatchOptions options) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.getConfig().disableGenericTypes(); // a generic type now fails the build instead of falling back to Kryo
        BatchJob.build(env, options);
        StreamGraph graph = env.getStreamGraph();
        assertThat(graph.getStreamNodes()).hasSizeGreaterThan(5);
        for (StreamNode node : graph.getStreamNodes()) {
            for (TypeSerializer<?> in : node.getTypeSerializersIn()) {
                assertThat(in).as(node.getOperatorName()).isNotInstanceOf(KryoSerializer.class);
            }
            if (node.getTypeSerializerOut() != null) {
                assertThat(node.getTypeSerializerOut()).as(node.getOperatorName()).isNotInstanceOf(KryoSerializer.class);
            }
        }
    }
}
