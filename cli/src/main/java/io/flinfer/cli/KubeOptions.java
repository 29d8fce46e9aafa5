package io.flinfer.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which cluster and namespace, as kubectl chooses them: the current kube context unless told otherwise. */
final class KubeOptions {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NAMESPACE", description = "Default: the kube context's namespace.")
    String namespace;

    @Option(names = "--context", paramLabel = "CONTEXT", description = "Kube context. Default: the current one.")
    String context;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Kube config file. Default: $KUBECONFIG, else ~/.kube/config.")
    Path kubeconfig;

    KubernetesClient client() throws IOException {
        Config config = kubeconfig == null ? Config.autoConfigure(context)
                : Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
