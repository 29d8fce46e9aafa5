package io.flinfer.deployments;

import io.flinfer.jobs.PipelineOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code flinfer deploy render} takes: the pipeline in the user's words. {@link DeploymentRenderer}
 * turns it into a FlinkDeployment. Options after {@code --} go to the job as they are (engine options
 * such as {@code --kv-cache-memory 8GiB}); the job's own parser checks them when the manifest is rendered.
 */
public final class RenderOptions {
    @Option(names = "--name", paramLabel = "NAME",
            description = "The FlinkDeployment's name, also the Flink cluster id. Default: flinfer-streaming, or flinfer-batch with --batch.")
    String name;

    @Option(names = "--model", required = true, paramLabel = "ORG/NAME[=SERVED_NAME]",
            description = "Hugging Face Hub id of the model; the JobManager's init container downloads it into the model cache."
                    + " =SERVED_NAME names it for requests. Repeatable: each model gets operators and slots (GPUs) of its own,"
                    + " and requests reach the one their \"model\" names (the first when they name none).")
    List<String> models = new ArrayList<>();

    @Option(names = "--revision", paramLabel = "REV", description = "Hub revision (branch, tag or commit) of --model. Default: main.")
    String revision;

    @Option(names = "--lora-modules", paramLabel = "NAME=PATH",
            description = "A LoRA adapter served over the first model (repeatable): a PEFT folder at PATH in the pods,"
                    + " e.g. on the model cache claim under " + DeploymentRenderer.CACHE_PATH + ".")
    List<String> loraModules = new ArrayList<>();

    @Option(names = "--max-loras", paramLabel = "N", description = "Adapters active in one engine step. Default: the job's.")
    Integer maxLoras;

    @Option(names = "--max-lora-rank", paramLabel = "R", description = "The largest adapter rank. Default: the job's.")
    Integer maxLoraRank;

    @Option(names = "--max-cpu-loras", paramLabel = "N", description = "Loaded adapters kept in memory. Default: the job's.")
    Integer maxCpuLoras;

    @Option(names = "--gpu-type", defaultValue = "none", paramLabel = "TYPE", converter = GpuType.Converter.class,
            description = "GPU of each TaskManager: ${COMPLETION-CANDIDATES}. One GPU and one slot per TaskManager. Default: ${DEFAULT-VALUE}.")
    GpuType gpuType;

    @Option(names = "--replicas", defaultValue = "1", paramLabel = "N",
            description = "TaskManagers, so GPUs, the job starts with (its parallelism). Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(names = "--max-replicas", paramLabel = "N",
            description = "Turns on the operator's autoscaler, between 1 and N TaskManagers (GPUs). Streaming only. Default: off.")
    Integer maxReplicas;

    @Option(names = "--image", defaultValue = "flinfer:0.1.0-SNAPSHOT", paramLabel = "IMAGE",
            description = "Image built from flink-deployments/Dockerfile, in a registry the cluster pulls from. Default: ${DEFAULT-VALUE}.")
    String image;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers. Required for streaming.")
    String bootstrapServers;

    @Option(names = "--input-topic", paramLabel = "TOPIC", defaultValue = PipelineOptions.INPUT_TOPIC, description = "Topic of request lines. Default: ${DEFAULT-VALUE}.")
    String inputTopic;

    @Option(names = "--output-topic", paramLabel = "TOPIC", defaultValue = PipelineOptions.OUTPUT_TOPIC, description = "Topic of result lines. Default: ${DEFAULT-VALUE}.")
    String outputTopic;

    @Option(names = "--dlq-topic", paramLabel = "TOPIC", defaultValue = PipelineOptions.DEAD_LETTER_TOPIC, description = "Dead-letter topic. Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--kafka-secret", paramLabel = "SECRET",
            description = "Secret whose client.properties holds Kafka client settings (SASL, TLS) and whose other keys (trust stores) sit beside it. Default: none (plaintext).")
    String kafkaSecret;

    @Option(names = "--batch", description = "Render the batch job: files in, files out, instead of the streaming job.")
    boolean batch;

    @Option(names = "--input", paramLabel = "URI", description = "Batch input on a Flink file system, e.g. s3://bucket/requests.jsonl. Required with --batch.")
    String input;

    @Option(names = "--output", paramLabel = "URI", description = "Batch output on a Flink file system. Required with --batch.")
    String output;

    @Option(names = "--checkpoint-interval", defaultValue = PipelineOptions.CHECKPOINT_INTERVAL, paramLabel = "DURATION",
            description = "Checkpoint interval; streaming results commit to Kafka at checkpoints, batch part files at checkpoints. Default: ${DEFAULT-VALUE}.")
    String checkpointInterval;

    @Option(names = "--state-dir", defaultValue = "s3://flinfer-state", paramLabel = "URI",
            description = "Durable storage for checkpoints, savepoints and HA metadata, under NAME/. Default: ${DEFAULT-VALUE}.")
    String stateDir;

    @Option(names = "--hf-token-secret", defaultValue = "flinfer-hf-token", paramLabel = "SECRET",
            description = "Secret whose key 'token' is the Hugging Face token (optional: public models need none). Default: ${DEFAULT-VALUE}.")
    String hfTokenSecret;

    @Option(names = "--model-cache-claim", defaultValue = "flinfer-hf-cache", paramLabel = "PVC",
            description = "ReadWriteMany PersistentVolumeClaim holding the Hugging Face cache (flink-deployments/pvc.yaml). Default: ${DEFAULT-VALUE}.")
    String modelCacheClaim;

    @Option(names = "--service-account", paramLabel = "NAME", defaultValue = "flink", description = "Service account of the Flink pods (the operator's Helm chart makes 'flink'). Default: ${DEFAULT-VALUE}.")
    String serviceAccount;

    @Option(names = "--node-selector", paramLabel = "KEY=VALUE",
            description = "Node labels of the TaskManagers' pool, instead of the GPU type's nvidia.com/gpu.product. Repeatable.")
    Map<String, String> nodeSelector = new LinkedHashMap<>();

    @Parameters(paramLabel = "JOB_OPTION", description = "After --: more options for the job, e.g. -- --kv-cache-memory 8GiB --max-num-seqs 64.")
    List<String> jobOptions = new ArrayList<>();

    /** Parses {@code deploy render}'s arguments, as the command line does. */
    public static RenderOptions parse(String... args) {
        RenderOptions options = new RenderOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    public String name() {
        return name != null ? name : batch ? "flinfer-batch" : "flinfer-streaming";
    }

    /** The --model arguments, as given (Hub id, then =SERVED_NAME if any). */
    public List<String> models() {
        return models;
    }

    public GpuType gpuType() {
        return gpuType;
    }

    public boolean batch() {
        return batch;
    }
}
