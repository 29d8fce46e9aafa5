package io.flinfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster entry point's arguments and job graph, built on a local environment and never executed. */
class FlinferJobTest {

    @Test
    void takesKafkaClientSettingsFromThePropertiesFileItIsGiven(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 7, false, (done, total) -> {});
        Path file = Files.writeString(dir.resolve("client.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nssl.truststore.location=/opt/flinfer/kafka/truststore.p12\n");
        FlinferJob job = FlinferJob.parse("--model", model.toString(), "--bootstrap-servers", "kafka:9093",
                "--kafka-properties", file.toString());
        assertThat(job.pipeline.toOptions(job.bootstrapServers(), job.engine()).kafkaClient()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "ssl.truststore.location", "/opt/flinfer/kafka/truststore.p12"));

        FlinferJob missing = FlinferJob.parse("--model", model.toString(), "--bootstrap-servers", "kafka:9093",
                "--kafka-properties", dir.resolve("nowhere.properties").toString());
        assertThatThrownBy(() -> missing.pipeline.kafkaClient()).hasMessageContaining("cannot read --kafka-properties");
    }

    @Test
    void buildsTheStreamingJobWithTheClustersParallelismAndItsOwnCheckpointInterval(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 7, false, (done, total) -> {});
        FlinferJob job = FlinferJob.parse("--model", model.toString(), "--bootstrap-servers", "kafka:9092",
                "--input-topic", "in", "--checkpoint-interval", "30s");

        // The cluster's configuration sets the parallelism, as a FlinkDeployment's job.parallelism does.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                new Configuration().set(CoreOptions.DEFAULT_PARALLELISM, 3));
        job.build(env);
        JobGraph graph = env.getStreamGraph().getJobGraph();

        List<JobVertex> vertices = StreamSupport.stream(graph.getVertices().spliterator(), false).toList();
        JobVertex generate = vertices.stream().filter(v -> v.getName().contains("generate")).findFirst()
                .orElseThrow(() -> new AssertionError("no generate vertex in " + vertices.stream().map(JobVertex::getName).toList()));
        assertThat(generate.getParallelism()).isEqualTo(3);
        assertThat(vertices).extracting(JobVertex::getName).anyMatch(name -> name.contains("requests"));
        assertThat(graph.getCheckpointingSettings().getCheckpointCoordinatorConfiguration().getCheckpointInterval())
                .isEqualTo(Duration.ofSeconds(30).toMillis());
    }

    @Test
    void exposesTheParsedSettingsWithoutTouchingTheModel() {
        // A Hub id that is never downloaded: parsing alone must not resolve the model.
        FlinferJob job = FlinferJob.parse("--model", "Qwen/Qwen2.5-0.5B-Instruct", "--device", "cuda:0",
                "--bootstrap-servers", "kafka:9092");
        assertThat(job.engine().model()).isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
        assertThat(job.engine().device()).isEqualTo(ComputeDevice.cuda(0));
        assertThat(job.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(job.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void refusesAnUnknownDtypeDeviceOrQuantizationWhileParsing() {
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "kafka:9092", "--dtype", "bf8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--dtype").hasMessageContaining("unknown dtype 'bf8'; use auto, float32, bfloat16 or float16");
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "kafka:9092",
                "--quantization", "awq"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--quantization").hasMessageContaining("unknown quantization 'awq'; known: none, int8");
        EngineConfig bf16 = FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "kafka:9092", "--dtype", "bf16",
                "--kv-cache-dtype", "float32", "--quantization", "int8").engine().toConfig(Path.of("/models/m"));
        assertThat(bf16.dtype()).isEqualTo(io.flinfer.engine.Dtype.BFLOAT16);
        assertThat(bf16.kvCacheDtype()).isEqualTo(io.flinfer.engine.Dtype.FLOAT32);
        assertThat(bf16.quantization()).isEqualTo(io.flinfer.engine.Quantization.INT8);
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "kafka:9092", "--device", "gpu"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown device 'gpu'; use cpu or cuda:N");
        assertThat(FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "kafka:9092").engine().toConfig(Path.of("/models/m")))
                .isEqualTo(EngineConfig.defaults(Path.of("/models/m")));
    }

    @Test
    void requiresKafkaBecauseItNeverStartsABroker() {
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Missing required option: '--bootstrap-servers=HOST:PORT'")
                .hasMessageContaining("Usage:");
    }

    @Test
    void refusesTheOptionsTheClusterOwns() {
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "k:9092", "--parallelism", "2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown option").hasMessageContaining("'--parallelism'");
        assertThatThrownBy(() -> FlinferJob.parse("--model", "/models/m", "--bootstrap-servers", "k:9092", "--metrics-port", "9249"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Unknown option").hasMessageContaining("'--metrics-port'");
    }
}
