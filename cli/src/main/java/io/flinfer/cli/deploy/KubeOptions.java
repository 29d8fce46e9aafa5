package io.flinfer.cli.deploy;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster and namespace, as kubectl chooses them: the current kube context unless told otherwise. */
final class KubeOptions {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", description = "Default: the kube context's namespace, else default.")
    String namespace;

    @Option(names = "--context", paramLabel = "CONTEXT", description = "Kube context. Default: the current one.")
    String context;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kube config file. Default: $KUBECONFIG, else ~/.kube/config.")
    Path kubeconfig;

    /** What a command does with the cluster. */
    interface ClusterAction<T> {
        T run(KubernetesClient client);
    }

    /** Runs {@code action} against the cluster; a failure says which API server and why, not only which call. */
    <T> T withClient(ClusterAction<T> action) throws IOException {
        Config config = kubeconfig == null ? Config.autoConfigure(context)
                : Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            return action.run(client);
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(e.getMessage() + " (API server " + config.getMasterUrl() + ": " + rootCause(e)
                    + "; check the kube context, or pass --kubeconfig / --context)", e);
        }
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.toString();
    }
}
