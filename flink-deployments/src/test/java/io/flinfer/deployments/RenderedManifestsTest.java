package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.flinfer.engine.ComputeDevice;
import io.flinfer.jobs.EngineOptions;
import io.flinfer.jobs.FlinferJob;
import io.flinfer.jobs.ModelDownload;
import io.flinfer.jobs.batch.BatchJobMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Issue 11, item 1: the kept manifests are what {@code deploy render} prints, and every manifest, kept or
 * rendered, passes the CRD schema and the operator's checks, reads into the operator's typed
 * FlinkDeployment with no unknown field, and carries job arguments that the job's own parser reads back
 * into the options that were rendered.
 */
class RenderedManifestsTest {
    private static final String HEADER = "# Rendered by: flinfer deploy render ";

    static Stream<Path> keptManifests() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("."))) {
            List<Path> manifests = files.filter(f -> f.toString().endsWith(".yaml")).filter(RenderedManifestsTest::isFlinkDeployment)
                    .sorted().toList();
            assertThat(manifests).hasSizeGreaterThanOrEqualTo(2);
            return manifests.stream();
        }
    }

    /** Each GPU type and the CPU, plain and with every optional setting. */
    static Stream<List<String>> renderVariants() {
        List<List<String>> variants = new ArrayList<>();
        for (GpuType gpu : GpuType.values()) {
            variants.add(List.of("--model", "org/model", "--gpu-type", gpu.toString(), "--bootstrap-servers", "kafka:9092"));
            variants.add(List.of("--name", "llm-" + gpu, "--model", "Qwen/Qwen2.5-7B-Instruct", "--revision", "v1.1", "--gpu-type",
                    gpu.toString().toUpperCase(), "--replicas", "3", "--max-replicas", "8", "--image", "registry.io/team/flinfer:1.2",
                    "--bootstrap-servers", "broker-0:9093,broker-1:9093", "--input-topic", "in", "--output-topic", "out",
                    "--dlq-topic", "in.dlq", "--kafka-secret", "kafka-sasl", "--checkpoint-interval", "30s",
                    "--state-dir", "gs://bucket/state/", "--hf-token-secret", "hf", "--model-cache-claim", "models",
                    "--", "--kv-cache-memory", "20GiB", "--max-num-seqs", "64", "--served-model-name", "qwen"));
            variants.add(List.of("--model", "org/model=chat", "--model", "org/coder=coder", "--gpu-type", gpu.toString(),
                    "--lora-modules", "sql=/opt/flinfer/hf-cache/adapters/sql", "--lora-modules", "poet=/opt/flinfer/hf-cache/adapters/poet",
                    "--max-loras", "2", "--max-lora-rank", "32", "--max-cpu-loras", "4", "--bootstrap-servers", "kafka:9092",
                    "--", "--model-parallelism", "coder=2"));
            variants.add(List.of("--batch", "--model", "org/model", "--gpu-type", gpu.toString(), "--replicas", "4",
                    "--input", "s3://bucket/requests.jsonl", "--output", "s3://bucket/results.jsonl", "--", "--max-tokens", "128"));
        }
        return variants.stream();
    }

    @ParameterizedTest
    @MethodSource("keptManifests")
    void keptManifestIsWhatRenderPrints(Path file) throws IOException {
        String kept = Files.readString(file);
        List<String> args = renderArgs(kept);
        assertThat(kept).as("%s is not what `./flinfer deploy render %s` prints now: render it again into the file",
                file, String.join(" ", args)).isEqualTo(renderedYaml(args));
    }

    @ParameterizedTest
    @MethodSource("keptManifests")
    void keptManifestPassesTheSchemaAndItsArgumentsParseBack(Path file) throws IOException {
        String kept = Files.readString(file);
        assertValidAndParsesBack(kept, RenderOptions.parse(renderArgs(kept).toArray(String[]::new)));
    }

    @ParameterizedTest
    @MethodSource("renderVariants")
    void renderedVariantPassesTheSchemaAndItsArgumentsParseBack(List<String> args) throws IOException {
        assertValidAndParsesBack(renderedYaml(args), RenderOptions.parse(args.toArray(String[]::new)));
    }

    @Test
    void refusesJobOptionsTheJobDoesNotTake() {
        RenderOptions options = RenderOptions.parse("--model", "org/m", "--bootstrap-servers", "k:9092", "--", "--kv-cache-memry", "1GiB");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeploymentRenderer.render(options))
                .hasMessageContaining("--kv-cache-memry");
    }

    private static void assertValidAndParsesBack(String yaml, RenderOptions rendered) throws IOException {
        ManifestValidator.Result result = ManifestValidator.validate(yaml);
        assertThat(result.problems()).isEmpty();
        assertThat(result.documents()).singleElement().satisfies(d -> assertThat(d.checked()).isTrue());

        FlinkDeployment deployment = StrictYaml.read(stripHeader(yaml), FlinkDeployment.class);
        assertThat(deployment.getMetadata().getName()).isEqualTo(rendered.name());
        JobSpec job = deployment.getSpec().getJob();
        assertThat(job.getParallelism()).isEqualTo(rendered.replicas);
        assertThat(job.getEntryClass()).isEqualTo((rendered.batch() ? BatchJobMain.class : FlinferJob.class).getName());

        // The job's own parser, as its main method runs it, reads back what was rendered.
        CommandLine jobCli = new CommandLine(rendered.batch() ? new BatchJobMain() : new FlinferJob());
        jobCli.parseArgs(job.getArgs());
        CommandLine.Model.CommandSpec parsed = jobCli.getCommandSpec();
        assertThat(value(parsed, "--model")).as("every model, in the repeatable --model").isEqualTo(rendered.models);
        Map<String, Path> adapters = new LinkedHashMap<>();
        rendered.loraModules.forEach(m -> adapters.put(m.substring(0, m.indexOf('=')), Path.of(m.substring(m.indexOf('=') + 1))));
        assertThat(value(parsed, "--lora-modules")).isEqualTo(adapters);
        for (Object[] option : new Object[][] {{"--max-loras", rendered.maxLoras}, {"--max-lora-rank", rendered.maxLoraRank},
                {"--max-cpu-loras", rendered.maxCpuLoras}}) {
            if (option[1] != null) {
                assertThat(value(parsed, (String) option[0])).as((String) option[0]).isEqualTo(option[1]);
            }
        }
        assertThat(value(parsed, "--revision")).isEqualTo(rendered.revision);
        assertThat(value(parsed, "--device")).isEqualTo(ComputeDevice.parse(rendered.gpuType.device()));
        assertThat(value(parsed, "--checkpoint-interval")).isEqualTo(TimeUtils.parseDuration(rendered.checkpointInterval))
                .isEqualTo(TimeUtils.parseDuration(deployment.getSpec().getFlinkConfiguration().get("execution.checkpointing.interval")));
        if (rendered.batch()) {
            assertThat(value(parsed, "--input")).isEqualTo(rendered.input);
            assertThat(value(parsed, "--output")).isEqualTo(rendered.output);
        } else {
            assertThat(value(parsed, "--bootstrap-servers")).isEqualTo(rendered.bootstrapServers);
            assertThat(value(parsed, "--input-topic")).isEqualTo(rendered.inputTopic);
            assertThat(value(parsed, "--output-topic")).isEqualTo(rendered.outputTopic);
            assertThat(value(parsed, "--dlq-topic")).isEqualTo(rendered.deadLetterTopic);
        }
        assertThat(Arrays.asList(job.getArgs())).endsWith(rendered.jobOptions.toArray(String[]::new));

        PodSpec everyPod = deployment.getSpec().getPodTemplate().getSpec();
        assertThat(everyPod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(everyPod.getSecurityContext().getRunAsUser()).isPositive();
        if (rendered.kafkaSecret != null) {
            Path kafkaProperties = (Path) value(parsed, "--kafka-properties");
            String volume = everyPod.getVolumes().stream().filter(v -> v.getSecret() != null
                    && v.getSecret().getSecretName().equals(rendered.kafkaSecret)).findFirst().orElseThrow().getName();
            assertThat(mainContainer(everyPod).getVolumeMounts()).anyMatch(m -> m.getName().equals(volume)
                    && kafkaProperties.getParent().equals(Path.of(m.getMountPath())));
        }

        // The JobManager's init containers fill the model cache with the models the job then reads offline, one each.
        List<Container> downloads = deployment.getSpec().getJobManager().getPodTemplate().getSpec().getInitContainers();
        assertThat(downloads).hasSameSizeAs(rendered.models);
        for (int m = 0; m < downloads.size(); m++) {
            List<String> command = downloads.get(m).getCommand();
            assertThat(command).contains(ModelDownload.class.getName());
            CommandLine downloadCli = new CommandLine(new ModelDownload());
            downloadCli.parseArgs(command.subList(command.indexOf(ModelDownload.class.getName()) + 1, command.size()).toArray(String[]::new));
            assertThat((String) downloadCli.getCommandSpec().findOption("--model").getValue())
                    .isEqualTo(EngineOptions.modelPath(rendered.models.get(m)));
            assertThat((String) downloadCli.getCommandSpec().findOption("--revision").getValue())
                    .isEqualTo(rendered.revision == null ? "main" : rendered.revision);
            assertThat(downloads.get(m).getEnv()).anyMatch(e -> e.getName().equals("HF_TOKEN")
                    && e.getValueFrom().getSecretKeyRef().getName().equals(rendered.hfTokenSecret));
        }
        assertThat(mainContainer(everyPod).getEnv()).anyMatch(e -> e.getName().equals("HF_HUB_OFFLINE") && e.getValue().equals("1"));
        assertThat(everyPod.getVolumes()).anyMatch(v -> v.getPersistentVolumeClaim() != null
                && v.getPersistentVolumeClaim().getClaimName().equals(rendered.modelCacheClaim));

        assertGpus(deployment, rendered.gpuType);
    }

    private static void assertGpus(FlinkDeployment deployment, GpuType gpu) {
        assertThat(deployment.getSpec().getFlinkConfiguration()).containsEntry("taskmanager.numberOfTaskSlots", "1");
        if (!gpu.isGpu()) {
            assertThat(deployment.getSpec().getTaskManager().getPodTemplate()).isNull();
            assertThat(deployment.getSpec().getFlinkConfiguration()).doesNotContainKey("external-resources");
            return;
        }
        PodSpec tm = deployment.getSpec().getTaskManager().getPodTemplate().getSpec();
        assertThat(mainContainer(tm).getResources().getLimits()).containsEntry(GpuType.RESOURCE, new Quantity("1"));
        assertThat(tm.getNodeSelector()).containsEntry(GpuType.PRODUCT_LABEL, gpu.nodeSelector().get(GpuType.PRODUCT_LABEL));
        assertThat(tm.getTolerations()).anyMatch(t -> GpuType.RESOURCE.equals(t.getKey()));
        assertThat(deployment.getSpec().getFlinkConfiguration()).containsEntry("external-resource.gpu.amount", "1");
    }

    private static Object value(CommandLine.Model.CommandSpec parsed, String option) {
        return parsed.findOption(option).getValue();
    }

    private static Container mainContainer(PodSpec pod) {
        return pod.getContainers().stream().filter(c -> c.getName().equals(DeploymentRenderer.MAIN_CONTAINER)).findFirst().orElseThrow();
    }

    private static String renderedYaml(List<String> args) {
        return DeploymentRenderer.toYaml(DeploymentRenderer.render(RenderOptions.parse(args.toArray(String[]::new))), args);
    }

    /** The arguments in a kept manifest's header; kept manifests use none that need quoting. */
    private static List<String> renderArgs(String manifest) {
        String header = manifest.lines().findFirst().orElse("");
        assertThat(header).startsWith(HEADER).doesNotContain("'");
        return List.of(header.substring(HEADER.length()).split(" "));
    }

    private static String stripHeader(String yaml) {
        return yaml.lines().filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    }

    private static boolean isFlinkDeployment(Path file) {
        try {
            return Files.readString(file).contains("\nkind: FlinkDeployment\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
