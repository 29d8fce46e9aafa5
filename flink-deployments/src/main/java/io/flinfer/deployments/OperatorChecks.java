package io.flinfer.deployments;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.Resource;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;

/**
 * What the operator's admission webhook and reconciler refuse but a CRD schema cannot say (after the
 * operator's {@code DefaultValidator}, 1.10). Each message starts with the JSON path of the field.
 */
final class OperatorChecks {
    /** A Flink cluster id: a DNS-1035 label of at most 45 characters, as the operator requires of the name. */
    private static final Pattern CLUSTER_ID = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");
    /** The keys the operator (built on Flink 1.19) reads; Flink 1.20's newer names are invisible to it. */
    static final String CHECKPOINTS_DIR = "state.checkpoints.dir";
    static final String SAVEPOINTS_DIR = "state.savepoints.dir";
    static final String HA_TYPE = "high-availability.type";
    /** The operator sets these itself from the resource; a manifest may not. */
    private static final Set<String> FORBIDDEN_KEYS = Set.of("kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id");
    private static final Set<String> LOG_CONFIG_KEYS = Set.of("log4j-console.properties", "logback-console.xml");

    private OperatorChecks() {}

    static List<String> check(FlinkDeployment deployment) {
        List<String> problems = new ArrayList<>();
        String name = deployment.getMetadata().getName();
        if (name == null || !CLUSTER_ID.matcher(name).matches()) {
            problems.add("$.metadata.name: '" + name + "' is not a valid Flink cluster id: lower case letters, digits and '-',"
                    + " starting with a letter and ending with a letter or digit, at most 45 characters");
        }
        FlinkDeploymentSpec spec = deployment.getSpec();
        if (spec == null) {
            problems.add("$.spec: missing");
            return problems;
        }
        if (spec.getFlinkVersion() == null) {
            problems.add("$.spec.flinkVersion: missing");
        }
        Map<String, String> conf = spec.getFlinkConfiguration() == null ? Map.of() : spec.getFlinkConfiguration();
        FORBIDDEN_KEYS.stream().filter(conf::containsKey).sorted()
                .forEach(key -> problems.add("$.spec.flinkConfiguration['" + key + "']: set by the operator, not allowed here"));
        if (spec.getLogConfiguration() != null) {
            spec.getLogConfiguration().keySet().stream().filter(key -> !LOG_CONFIG_KEYS.contains(key)).sorted()
                    .forEach(key -> problems.add("$.spec.logConfiguration['" + key + "']: not one of " + LOG_CONFIG_KEYS));
        }
        if (spec.getJob() != null) {
            checkJob("$.spec.job", spec.getJob(), conf, problems);
            boolean replicasSet = spec.getTaskManager() != null && spec.getTaskManager().getReplicas() != null;
            if (!replicasSet && spec.getJob().getParallelism() < 1) {
                problems.add("$.spec.job.parallelism: must be at least 1");
            }
        }
        if (spec.getJobManager() != null) {
            checkResource("$.spec.jobManager.resource", spec.getJobManager().getResource(), problems);
            if (spec.getJobManager().getReplicas() > 1 && !conf.containsKey(HA_TYPE)) {
                problems.add("$.spec.jobManager.replicas: standby JobManagers need high availability (" + HA_TYPE + ")");
            }
            checkPod("$.spec.jobManager.podTemplate", spec.getJobManager().getPodTemplate(), problems);
        }
        if (spec.getTaskManager() != null) {
            checkResource("$.spec.taskManager.resource", spec.getTaskManager().getResource(), problems);
            checkPod("$.spec.taskManager.podTemplate", spec.getTaskManager().getPodTemplate(), problems);
        }
        checkPod("$.spec.podTemplate", spec.getPodTemplate(), problems);
        return problems;
    }

    static List<String> check(FlinkSessionJob sessionJob) {
        List<String> problems = new ArrayList<>();
        if (sessionJob.getSpec() == null || blank(sessionJob.getSpec().getDeploymentName())) {
            problems.add("$.spec.deploymentName: missing: the session cluster's FlinkDeployment to run in");
        }
        if (sessionJob.getSpec() == null || sessionJob.getSpec().getJob() == null) {
            problems.add("$.spec.job: missing");
        } else {
            Map<String, String> conf = sessionJob.getSpec().getFlinkConfiguration();
            checkJob("$.spec.job", sessionJob.getSpec().getJob(), conf == null ? Map.of() : conf, problems);
        }
        return problems;
    }

    private static void checkJob(String path, JobSpec job, Map<String, String> conf, List<String> problems) {
        if (blank(job.getJarURI())) {
            problems.add(path + ".jarURI: missing: the job's jar, e.g. local:///opt/flink/usrlib/flinfer-jobs.jar");
        }
        UpgradeMode mode = job.getUpgradeMode();
        if (mode != UpgradeMode.STATELESS && blank(conf.get(CHECKPOINTS_DIR))) {
            problems.add(path + ".upgradeMode: " + mode + " needs $.spec.flinkConfiguration['" + CHECKPOINTS_DIR + "']");
        }
        if (mode == UpgradeMode.SAVEPOINT && blank(conf.get(SAVEPOINTS_DIR))) {
            problems.add(path + ".upgradeMode: savepoint needs $.spec.flinkConfiguration['" + SAVEPOINTS_DIR + "']");
        }
        if (mode == UpgradeMode.LAST_STATE && blank(conf.get(HA_TYPE))) {
            problems.add(path + ".upgradeMode: last-state needs Kubernetes high availability ($.spec.flinkConfiguration['" + HA_TYPE + "'])");
        }
    }

    private static void checkResource(String path, Resource resource, List<String> problems) {
        if (resource == null) {
            return;
        }
        if (resource.getCpu() != null && resource.getCpu() <= 0) {
            problems.add(path + ".cpu: must be more than 0");
        }
        if (blank(resource.getMemory())) {
            problems.add(path + ".memory: missing");
        } else if (!isMemorySize(resource.getMemory())) {
            problems.add(path + ".memory: '" + resource.getMemory() + "' is not a memory size (e.g. 2048m, 2g or 2Gi)");
        }
        if (resource.getEphemeralStorage() != null && !isQuantity(resource.getEphemeralStorage())) {
            problems.add(path + ".ephemeralStorage: '" + resource.getEphemeralStorage() + "' is not a quantity");
        }
    }

    private static void checkPod(String path, PodTemplateSpec pod, List<String> problems) {
        if (pod == null || pod.getSpec() == null) {
            return;
        }
        checkContainers(path + ".spec.containers", pod.getSpec().getContainers(), problems);
        checkContainers(path + ".spec.initContainers", pod.getSpec().getInitContainers(), problems);
    }

    private static void checkContainers(String path, List<Container> containers, List<String> problems) {
        for (int i = 0; i < containers.size(); i++) {
            Container container = containers.get(i);
            if (container.getResources() == null) {
                continue;
            }
            String at = path + "[" + i + "].resources.";
            checkQuantities(at + "limits", container.getResources().getLimits(), problems);
            checkQuantities(at + "requests", container.getResources().getRequests(), problems);
        }
    }

    /** Quantities must parse; extended resources such as nvidia.com/gpu come only in whole units. */
    private static void checkQuantities(String path, Map<String, Quantity> quantities, List<String> problems) {
        if (quantities == null) {
            return;
        }
        quantities.forEach((resource, quantity) -> {
            String at = path + "['" + resource + "']";
            if (!isQuantity(quantity.toString())) {
                problems.add(at + ": '" + quantity + "' is not a quantity");
            } else if (isExtended(resource) && !isWhole(Quantity.getAmountInBytes(quantity))) {
                problems.add(at + ": '" + quantity + "': extended resources come in whole units");
            }
        });
    }

    private static boolean isExtended(String resource) {
        return resource.contains("/") && !resource.startsWith("kubernetes.io/");
    }

    private static boolean isWhole(BigDecimal amount) {
        return amount.stripTrailingZeros().scale() <= 0;
    }

    /** The operator reads Flink's memory sizes (2048m, 2g) and Kubernetes quantities (2Gi). */
    private static boolean isMemorySize(String value) {
        try {
            MemorySize.parse(value);
            return true;
        } catch (IllegalArgumentException e) {
            return isQuantity(value);
        }
    }

    private static boolean isQuantity(String value) {
        try {
            Quantity.getAmountInBytes(Quantity.parse(value));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
