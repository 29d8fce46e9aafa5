package io.flinfer.deployments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.flinfer.jobs.Checkpointing;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.FlinferJob;
import io.flinfer.jobs.ModelDownload;
import io.flinfer.jobs.batch.BatchJobMain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobManagerSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.Resource;
import org.apache.flink.kubernetes.operator.api.spec.TaskManagerSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import picocli.CommandLine;

/**
 * Builds the FlinkDeployment of a pipeline with the operator API's own classes, and writes it as YAML.
 *
 * <p>Pods: the image's job jar in application mode; every pod mounts the model cache (a ReadWriteMany
 * claim) and reads it offline; the JobManager's init container fills it first ({@link ModelDownload}, with
 * {@code HF_TOKEN} from a Secret), so the TaskManagers, which start after it, find the model there.
 * TaskManagers get one slot and one GPU each, on nodes of the GPU type. Pods run as Flink's non-root user.
 */
public final class DeploymentRenderer {
    public static final String JAR_URI = "local:///opt/flink/usrlib/flinfer-jobs.jar";
    static final String MAIN_CONTAINER = "flink-main-container";
    static final String CACHE_PATH = "/opt/flinfer/hf-cache";
    static final String KAFKA_PATH = "/opt/flinfer/kafka";
    static final String KAFKA_PROPERTIES = "client.properties";
    static final int METRICS_PORT = 9249;
    static final String APP_LABEL = "app.kubernetes.io/name";
    static final String APP = "flinfer";
    /** The flink user and group of the official Flink images. */
    private static final long FLINK_UID = 9999;
    /** Fields in the order the operator's documentation shows them, for a reader; the model's order is arbitrary. */
    private static final List<String> METADATA_ORDER = List.of("name", "labels");
    private static final List<String> SPEC_ORDER = List.of("image", "imagePullPolicy", "flinkVersion", "serviceAccount",
            "flinkConfiguration", "podTemplate", "jobManager", "taskManager", "job");
    private static final Pattern PLAIN_ARG = Pattern.compile("[\\w./:=@%+,-]+");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            // Or "1" and "0.8" would be written bare and read back as numbers: the schema wants strings there.
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR))
            .setSerializationInclusion(JsonInclude.Include.NON_EMPTY);

    private DeploymentRenderer() {}

    /**
     * @throws IllegalArgumentException when the options do not make a pipeline, naming what is missing
     *         or what the job's own parser refused
     */
    public static FlinkDeployment render(RenderOptions o) {
        FlinkDeployment deployment = new FlinkDeployment();
        deployment.setMetadata(new ObjectMetaBuilder().withName(o.name())
                .addToLabels(APP_LABEL, APP)
                .addToLabels("app.kubernetes.io/component", o.batch ? "batch" : "streaming").build());
        FlinkDeploymentSpec spec = new FlinkDeploymentSpec();
        spec.setImage(o.image);
        spec.setImagePullPolicy("IfNotPresent");
        spec.setFlinkVersion(FlinkVersion.v1_20);
        spec.setServiceAccount(o.serviceAccount);
        spec.setFlinkConfiguration(flinkConfiguration(o));
        spec.setPodTemplate(everyPod(o));
        spec.setJobManager(new JobManagerSpec(new Resource(1.0, "2048m", null), 1, jobManagerPod(o)));
        spec.setTaskManager(new TaskManagerSpec(
                new Resource(o.gpuType.taskManagerCpu(), o.gpuType.taskManagerMemory(), null), null, taskManagerPod(o)));
        spec.setJob(job(o));
        deployment.setSpec(spec);
        deployment.setStatus(null);
        return deployment;
    }

    /** The manifest as {@code deploy render} prints it: a header naming the command, then the YAML. */
    public static String toYaml(FlinkDeployment deployment, List<String> renderArgs) {
        String command = renderArgs.stream().map(DeploymentRenderer::shellQuote).collect(Collectors.joining(" "));
        ObjectNode tree = YAML.valueToTree(deployment);
        reorder((ObjectNode) tree.get("metadata"), METADATA_ORDER);
        reorder((ObjectNode) tree.get("spec"), SPEC_ORDER);
        try {
            return "# Rendered by: flinfer deploy render " + command + "\n"
                    + "# Check with `flinfer deploy validate FILE`; apply with `flinfer deploy apply FILE`.\n"
                    + YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void reorder(ObjectNode node, List<String> order) {
        ObjectNode rest = node.deepCopy();
        node.removeAll();
        order.stream().filter(rest::has).forEach(field -> node.set(field, rest.remove(field)));
        node.setAll(rest);
    }

    private static Map<String, String> flinkConfiguration(RenderOptions o) {
        Map<String, String> conf = new LinkedHashMap<>();
        // One slot per TaskManager and, on GPUs, one GPU per TaskManager: parallelism N takes N GPUs.
        conf.put("taskmanager.numberOfTaskSlots", "1");
        if (o.gpuType.isGpu()) {
            conf.put("external-resources", "gpu");
            conf.put("external-resource.gpu.driver-factory.class", "org.apache.flink.externalresource.gpu.GPUDriverFactory");
            conf.put("external-resource.gpu.amount", "1");
            conf.put("external-resource.gpu.kubernetes.config-key", GpuType.RESOURCE);
        }
        // Checkpoints carry in-flight requests and their tokens; the job's --checkpoint-interval is the same value.
        String state = o.stateDir.replaceAll("/+$", "") + "/" + o.name();
        conf.put("execution.checkpointing.interval", o.checkpointInterval);
        conf.put(OperatorChecks.CHECKPOINTS_DIR, state + "/checkpoints");
        conf.put(OperatorChecks.SAVEPOINTS_DIR, state + "/savepoints");
        conf.put(OperatorChecks.HA_TYPE, "kubernetes");
        conf.put("high-availability.storageDir", state + "/ha");
        // The job checkpoints unaligned and keeps its last checkpoint when cancelled (Checkpointing), what
        // last-state upgrades and manual restarts resume from. Savepoints are always aligned: buffer
        // debloating keeps the queue in front of generate to about a second of work, so an upgrade's
        // savepoint does not wait for a whole backlog (docs/operations.md, what survives what).
        conf.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.putAll(Checkpointing.TASK_MANAGER_SETTINGS);
        if (!o.batch) {
            // A broker restart or a missing topic fails the job for a while: restart with backoff, never give up.
            conf.put("restart-strategy.type", "exponential-delay");
            conf.put("restart-strategy.exponential-delay.max-backoff", "1min");
            // kubectl delete stops the job with a savepoint, as Ctrl-C does to `flinfer run`: a new
            // deployment started from it (job.initialSavepointPath) loses and repeats nothing.
            conf.put("kubernetes.operator.job.savepoint-on-deletion", "true");
        }
        conf.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.put("metrics.reporter.prom.port", String.valueOf(METRICS_PORT));
        if (o.maxReplicas != null) {
            if (o.batch || o.maxReplicas < o.replicas) {
                throw new IllegalArgumentException("--max-replicas: streaming only, and at least --replicas (" + o.replicas + ")");
            }
            // One slot and one GPU per TaskManager: a vertex's parallelism is the number of GPUs it takes.
            conf.put("job.autoscaler.enabled", "true");
            conf.put("job.autoscaler.vertex.min-parallelism", "1");
            conf.put("job.autoscaler.vertex.max-parallelism", String.valueOf(o.maxReplicas));
            conf.put("job.autoscaler.metrics.window", "10m");
            conf.put("job.autoscaler.stabilization.interval", "5m");
            conf.put("job.autoscaler.target.utilization", "0.8");
        }
        // Pod templates merge with the operator's pods container by container name, not list position.
        conf.put("kubernetes.operator.pod-template.merge-arrays-by-name", "true");
        return conf;
    }

    /** JobManager and TaskManagers: the model cache (offline), Kafka client settings, metrics port, non-root. */
    private static PodTemplateSpec everyPod(RenderOptions o) {
        List<Volume> volumes = new ArrayList<>();
        volumes.add(new VolumeBuilder().withName("hf-cache")
                .withNewPersistentVolumeClaim().withClaimName(o.modelCacheClaim).endPersistentVolumeClaim().build());
        List<VolumeMount> mounts = new ArrayList<>(List.of(cacheMount()));
        if (o.kafkaSecret != null) {
            volumes.add(new VolumeBuilder().withName("kafka-client")
                    .withNewSecret().withSecretName(o.kafkaSecret).endSecret().build());
            mounts.add(new VolumeMountBuilder().withName("kafka-client").withMountPath(KAFKA_PATH).withReadOnly(true).build());
        }
        Container main = new ContainerBuilder().withName(MAIN_CONTAINER)
                .withEnv(env("HF_HOME", CACHE_PATH), env("HF_HUB_OFFLINE", "1"))
                .addNewPort().withName("metrics").withContainerPort(METRICS_PORT).withProtocol("TCP").endPort()
                .withVolumeMounts(mounts)
                .withSecurityContext(containerSecurity())
                .build();
        // The label the PodMonitor and the NetworkPolicy in flink-deployments/ select pipeline pods by.
        return new PodTemplateSpecBuilder().withNewMetadata().addToLabels(APP_LABEL, APP).endMetadata().withNewSpec()
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(FLINK_UID).withRunAsGroup(FLINK_UID)
                .withFsGroup(FLINK_UID).withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                .withContainers(main).withVolumes(volumes).endSpec().build();
    }

    /** The JobManager fills the model cache before it starts: once per model and revision, later starts find it there. */
    private static PodTemplateSpec jobManagerPod(RenderOptions o) {
        List<Container> downloads = new ArrayList<>();
        for (int m = 0; m < o.models.size(); m++) {
            downloads.add(download(o, EngineOptions.modelPath(o.models.get(m)), m == 0 ? "model-download" : "model-download-" + (m + 1)));
        }
        return new PodTemplateSpecBuilder().withNewSpec().withInitContainers(downloads).endSpec().build();
    }

    /** An init container that downloads {@code model} (a Hub id) into the cache. */
    private static Container download(RenderOptions o, String model, String name) {
        List<String> command = new ArrayList<>(List.of("java", "-cp", "/opt/flink/lib/*:/opt/flink/usrlib/*",
                ModelDownload.class.getName(), "--model", model));
        if (o.revision != null) {
            command.addAll(List.of("--revision", o.revision));
        }
        return new ContainerBuilder().withName(name).withImage(o.image).withCommand(command)
                .withEnv(env("HF_HOME", CACHE_PATH), new EnvVarBuilder().withName("HF_TOKEN").withNewValueFrom()
                        .withNewSecretKeyRef().withName(o.hfTokenSecret).withKey("token").withOptional(true).endSecretKeyRef()
                        .endValueFrom().build())
                .withVolumeMounts(cacheMount())
                .withSecurityContext(containerSecurity())
                .build();
    }

    private static PodTemplateSpec taskManagerPod(RenderOptions o) {
        if (!o.gpuType.isGpu()) {
            return null;
        }
        Map<String, String> nodeSelector = o.nodeSelector.isEmpty() ? o.gpuType.nodeSelector() : o.nodeSelector;
        return new PodTemplateSpecBuilder().withNewSpec()
                .withNodeSelector(new LinkedHashMap<>(nodeSelector))
                .addNewToleration().withKey(GpuType.RESOURCE).withOperator("Exists").withEffect("NoSchedule").endToleration()
                .addNewContainer().withName(MAIN_CONTAINER).withNewResources()
                .addToLimits(GpuType.RESOURCE, new Quantity("1")).endResources().endContainer()
                .endSpec().build();
    }

    private static JobSpec job(RenderOptions o) {
        JobSpec job = new JobSpec();
        job.setJarURI(JAR_URI);
        job.setEntryClass((o.batch ? BatchJobMain.class : FlinferJob.class).getName());
        job.setArgs(jobArgs(o).toArray(String[]::new));
        job.setParallelism(o.replicas);
        // Streaming: an upgrade takes a savepoint first, so in-flight requests and their tokens carry over.
        // Batch: an upgrade restarts from the last checkpoint; its part files are in the work folder.
        job.setUpgradeMode(o.batch ? UpgradeMode.LAST_STATE : UpgradeMode.SAVEPOINT);
        job.setState(JobState.RUNNING);
        return job;
    }

    /** The job's arguments, checked with the job's own parser before they are written anywhere. */
    static List<String> jobArgs(RenderOptions o) {
        List<String> args = new ArrayList<>();
        for (String model : o.models) {
            args.addAll(List.of("--model", model));
        }
        if (o.revision != null) {
            args.addAll(List.of("--revision", o.revision));
        }
        for (String adapter : o.loraModules) {
            args.addAll(List.of("--lora-modules", adapter));
        }
        addIfSet(args, "--max-loras", o.maxLoras);
        addIfSet(args, "--max-lora-rank", o.maxLoraRank);
        addIfSet(args, "--max-cpu-loras", o.maxCpuLoras);
        args.addAll(List.of("--device", o.gpuType.device()));
        if (o.batch) {
            if (o.input == null || o.output == null) {
                throw new IllegalArgumentException("--batch needs --input and --output");
            }
            if (o.bootstrapServers != null || o.kafkaSecret != null) {
                throw new IllegalArgumentException("--bootstrap-servers and --kafka-secret are for the streaming job, not --batch");
            }
            args.addAll(List.of("--input", o.input, "--output", o.output));
        } else {
            if (o.bootstrapServers == null) {
                throw new IllegalArgumentException("--bootstrap-servers is required for the streaming job");
            }
            args.addAll(List.of("--bootstrap-servers", o.bootstrapServers, "--input-topic", o.inputTopic,
                    "--output-topic", o.outputTopic, "--dlq-topic", o.deadLetterTopic));
            if (o.kafkaSecret != null) {
                args.addAll(List.of("--kafka-properties", KAFKA_PATH + "/" + KAFKA_PROPERTIES));
            }
        }
        args.addAll(List.of("--checkpoint-interval", o.checkpointInterval));
        args.addAll(o.jobOptions);
        Object job = o.batch ? new BatchJobMain() : new FlinferJob();
        try {
            new CommandLine(job).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(job.getClass().getSimpleName() + " refuses its arguments: " + e.getMessage(), e);
        }
        return args;
    }

    private static void addIfSet(List<String> args, String option, Integer value) {
        if (value != null) {
            args.addAll(List.of(option, value.toString()));
        }
    }

    private static VolumeMount cacheMount() {
        return new VolumeMountBuilder().withName("hf-cache").withMountPath(CACHE_PATH).build();
    }

    private static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withAllowPrivilegeEscalation(false)
                .withNewCapabilities().addToDrop("ALL").endCapabilities().build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static String shellQuote(String arg) {
        return PLAIN_ARG.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
