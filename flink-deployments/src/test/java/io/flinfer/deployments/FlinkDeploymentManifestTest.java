package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.flinfer.engine.ComputeDevice;
import io.flinfer.jobs.Checkpointing;
import io.flinfer.jobs.FlinferJob;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.flink.autoscaler.config.AutoScalerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkVersion;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobState;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The FlinkDeployments, read with the Flink Kubernetes Operator's own model classes (1.10.0) and no
 * unknown field allowed. Configuration keys are looked up through Flink's and the autoscaler's own
 * option constants, so a misspelled key is a missing key. Nothing is applied to a cluster: there is
 * no Kubernetes here.
 */
class FlinkDeploymentManifestTest {
    private static final String MAIN_CONTAINER = "flink-main-container";

    private static FlinkDeploymentSpec spec(String file) throws Exception {
        FlinkDeployment deployment = StrictYaml.read(Path.of(file), FlinkDeployment.class);
        assertThat(deployment.getApiVersion()).isEqualTo("flink.apache.org/v1beta1");
        assertThat(deployment.getKind()).isEqualTo("FlinkDeployment");
        return deployment.getSpec();
    }

    @ParameterizedTest
    @ValueSource(strings = {"flinfer-streaming.yaml", "flinfer-streaming-cpu.yaml"})
    void runsFlinferJobFromTheImageAndUpgradesThroughSavepoints(String file) throws Exception {
        FlinkDeploymentSpec spec = spec(file);
        assertThat(spec.getFlinkVersion()).isEqualTo(FlinkVersion.v1_20);
        JobSpec job = spec.getJob();
        assertThat(job.getJarURI()).isEqualTo("local://" + Dockerfile.read().jobJarInImage());
        Method main = Class.forName(job.getEntryClass()).getMethod("main", String[].class);
        assertThat(Modifier.isStatic(main.getModifiers())).as("entry class has a static main").isTrue();
        assertThat(job.getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(job.getState()).isEqualTo(JobState.RUNNING);
        assertThat(job.getParallelism()).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"flinfer-streaming.yaml", "flinfer-streaming-cpu.yaml"})
    void checkpointsOnDurableStorageAtTheIntervalTheJobUses(String file) throws Exception {
        FlinkDeploymentSpec spec = spec(file);
        Map<String, String> conf = spec.getFlinkConfiguration();
        assertThat(setting(conf, TaskManagerOptions.NUM_TASK_SLOTS)).isEqualTo("1");
        assertThat(setting(conf, CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("s3://");
        assertThat(setting(conf, CheckpointingOptions.SAVEPOINT_DIRECTORY)).startsWith("s3://");
        // Operator 1.10 is built on Flink 1.19, which knows only the older name that Flink 1.20 still
        // reads; the operator refuses upgradeMode savepoint when it finds no savepoint directory.
        assertThat(conf).containsKey("state.savepoints.dir");
        // What survives what (docs/operations.md): retained checkpoints, savepoints that do not wait for a
        // backlog, restarts that outlast a broker restart.
        assertThat(setting(conf, CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION)).isEqualTo("RETAIN_ON_CANCELLATION");
        assertThat(conf).containsAllEntriesOf(Checkpointing.TASK_MANAGER_SETTINGS);
        assertThat(setting(conf, RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(setting(conf, HighAvailabilityOptions.HA_MODE)).isEqualTo("kubernetes");
        assertThat(setting(conf, HighAvailabilityOptions.HA_STORAGE_PATH)).startsWith("s3://");
        assertThat(conf.get("metrics.reporter.prom.factory.class"))
                .isEqualTo(PrometheusReporterFactory.class.getName());
        assertThat(conf.get("metrics.reporter.prom.port")).isEqualTo("9249");

        // The job's own --checkpoint-interval wins over the cluster's setting; they must agree.
        FlinferJob job = FlinferJob.parse(spec.getJob().getArgs());
        assertThat(job.bootstrapServers()).isNotBlank();
        assertThat(job.checkpointInterval())
                .isEqualTo(TimeUtils.parseDuration(setting(conf, CheckpointingOptions.CHECKPOINTING_INTERVAL)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"flinfer-streaming.yaml", "flinfer-streaming-cpu.yaml"})
    void mountsTheHuggingFaceCacheOnEveryPodAndExposesMetrics(String file) throws Exception {
        FlinkDeploymentSpec spec = spec(file);
        PodTemplateSpec pod = spec.getPodTemplate();
        Container main = mainContainer(pod);
        String cachePath = env(main, "HF_HOME").getValue();
        assertThat(env(main, "HF_HUB_OFFLINE").getValue()).as("the job reads the cache the init container filled").isEqualTo("1");
        String volume = mountedAt(main, cachePath);
        Volume claim = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals(volume)).findFirst().orElseThrow();
        PersistentVolumeClaim pvc = StrictYaml.read(Path.of("pvc.yaml"), PersistentVolumeClaim.class);
        assertThat(claim.getPersistentVolumeClaim().getClaimName()).isEqualTo(pvc.getMetadata().getName());
        assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteMany");

        // The JobManager's init container downloads into the same cache, with the token from the Secret.
        Container download = spec.getJobManager().getPodTemplate().getSpec().getInitContainers().get(0);
        assertThat(env(download, "HF_HOME").getValue()).isEqualTo(cachePath);
        assertThat(mountedAt(download, cachePath)).isEqualTo(volume);
        assertThat(download.getImage()).isEqualTo(spec.getImage());
        Secret secret = StrictYaml.read(Path.of("secret.example.yaml"), Secret.class);
        assertThat(env(download, "HF_TOKEN").getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret.getMetadata().getName());
        assertThat(secret.getStringData()).containsKey(env(download, "HF_TOKEN").getValueFrom().getSecretKeyRef().getKey());

        assertThat(main.getPorts()).anyMatch(p -> p.getContainerPort() == 9249);
    }

    @Test
    void givesEveryTaskManagerOneGpuOnTheGpuPool() throws Exception {
        FlinkDeploymentSpec spec = spec("flinfer-streaming.yaml");
        Map<String, String> conf = spec.getFlinkConfiguration();
        assertThat(conf.get(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST.key())).isEqualTo("gpu");
        assertThat(conf.get(ExternalResourceOptions.getExternalResourceDriverFactoryConfigOptionForResource("gpu")))
                // flink-external-resource-gpu is a plugin of the Flink image and not on Maven Central: compare the name.
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        assertThat(conf.get(ExternalResourceOptions.getAmountConfigOptionForResource("gpu"))).isEqualTo("1");

        PodTemplateSpec tm = spec.getTaskManager().getPodTemplate();
        assertThat(mainContainer(tm).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(tm.getSpec().getNodeSelector()).isNotEmpty();
        assertThat(tm.getSpec().getTolerations()).anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()));
        assertThat(spec.getJobManager().getPodTemplate().getSpec().getContainers()).as("the JobManager needs no GPU").isEmpty();

        FlinferJob job = FlinferJob.parse(spec.getJob().getArgs());
        assertThat(job.engine().device()).isEqualTo(ComputeDevice.cuda(0));
    }

    @Test
    void autoscalesWithinTheGpuPool() throws Exception {
        FlinkDeploymentSpec spec = spec("flinfer-streaming.yaml");
        Map<String, String> conf = spec.getFlinkConfiguration();
        assertThat(conf.get(AutoScalerOptions.AUTOSCALER_ENABLED.key())).isEqualTo("true");
        int max = Integer.parseInt(conf.get(AutoScalerOptions.VERTEX_MAX_PARALLELISM.key()));
        int min = Integer.parseInt(conf.get(AutoScalerOptions.VERTEX_MIN_PARALLELISM.key()));
        // One slot and one GPU per TaskManager: a vertex's parallelism is the number of GPUs it takes.
        assertThat(spec.getJob().getParallelism()).isBetween(min, max);
        assertThat(conf).containsKeys(AutoScalerOptions.METRICS_WINDOW.key(), AutoScalerOptions.STABILIZATION_INTERVAL.key(),
                AutoScalerOptions.TARGET_UTILIZATION.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"flinfer-streaming.yaml", "flinfer-streaming-cpu.yaml", "flinfer-batch.yaml"})
    void prometheusScrapesAndTheNetworkPolicyCoversEveryPipelinePod(String file) throws Exception {
        FlinkDeploymentSpec spec = spec(file);
        PodTemplateSpec pod = spec.getPodTemplate();
        Map<String, String> podLabels = pod.getMetadata().getLabels();

        // No model classes for the Prometheus Operator's PodMonitor here: read it as a tree.
        JsonNode podMonitor = Yaml.MAPPER.readTree(Path.of("podmonitor.yaml").toFile());
        assertThat(podMonitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(podLabels).containsAllEntriesOf(Yaml.MAPPER.convertValue(
                podMonitor.at("/spec/selector/matchLabels"), new TypeReference<Map<String, String>>() {}));
        String port = podMonitor.at("/spec/podMetricsEndpoints/0/port").asText();
        assertThat(mainContainer(pod).getPorts()).anyMatch(p -> p.getName().equals(port)
                && String.valueOf(p.getContainerPort()).equals(spec.getFlinkConfiguration().get("metrics.reporter.prom.port")));

        NetworkPolicy policy = StrictYaml.read(Path.of("networkpolicy.yaml"), NetworkPolicy.class);
        assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(policy.getSpec().getEgress()).as("Kafka").anyMatch(rule -> rule.getPorts().stream()
                .anyMatch(p -> p.getPort().getIntVal() == 9092));
        assertThat(policy.getSpec().getIngress()).as("Prometheus").anyMatch(rule -> rule.getPorts().stream()
                .anyMatch(p -> p.getPort().getIntVal() == 9249));
    }

    @Test
    void theKafkaSecretExampleIsWhatTheJobReads() throws Exception {
        FlinkDeploymentSpec spec = spec("flinfer-streaming.yaml");
        Secret secret = StrictYaml.read(Path.of("kafka-secret.example.yaml"), Secret.class);
        Volume volume = spec.getPodTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null && v.getSecret().getSecretName().equals(secret.getMetadata().getName()))
                .findFirst().orElseThrow();
        String mountPath = mainContainer(spec.getPodTemplate()).getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow().getMountPath();
        List<String> args = List.of(spec.getJob().getArgs());
        Path properties = Path.of(args.get(args.indexOf("--kafka-properties") + 1));
        assertThat(properties.getParent()).isEqualTo(Path.of(mountPath));
        assertThat(secret.getStringData()).containsKey(properties.getFileName().toString());
        assertThat(secret.getStringData().get(properties.getFileName().toString()))
                .contains("ssl.truststore.location=" + mountPath + "/");
    }

    /** The value under the option's key or one of its deprecated keys; a misspelled key finds nothing. */
    private static String setting(Map<String, String> conf, ConfigOption<?> option) {
        Stream<String> keys = Stream.concat(Stream.of(option.key()),
                StreamSupport.stream(option.fallbackKeys().spliterator(), false).map(FallbackKey::getKey));
        return keys.filter(conf::containsKey).map(conf::get).findFirst()
                .orElseThrow(() -> new AssertionError("no setting for " + option.key() + " (nor its older names)"));
    }

    private static Container mainContainer(PodTemplateSpec pod) {
        return pod.getSpec().getContainers().stream().filter(c -> MAIN_CONTAINER.equals(c.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container named " + MAIN_CONTAINER + ": the operator would not merge it"));
    }

    private static String mountedAt(Container container, String path) {
        return container.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path + " in " + container.getName())).getName();
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in " + container.getName()));
    }
}
