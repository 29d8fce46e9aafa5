package io.flinfer.cli.deploy;

import io.flinfer.deployments.ManifestValidator;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code flinfer deploy validate}: manifests checked as the API server and the operator would check them. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check each FlinkDeployment and FlinkSessionJob in the files against the CRD schema of the Flink Kubernetes"
                + " Operator 1.10 (types, enums, unknown fields: as `kubectl apply` with strict field validation) and against"
                + " what the operator's webhook refuses (name, jarURI, checkpoint and savepoint directories, quantities).",
                "Prints one line per document; exits 1 if any is invalid. Other kinds are listed and not checked."})
final class DeployValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML files, one or more documents each; - for standard input.")
    List<String> files;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        boolean valid = true;
        for (String file : files) {
            valid &= report(file, ManifestValidator.validate(Manifests.read(file)));
        }
        return valid ? 0 : 1;
    }

    private boolean report(String file, ManifestValidator.Result result) {
        PrintWriter out = spec.commandLine().getOut();
        for (ManifestValidator.Document document : result.documents()) {
            String what = file + ": " + document.kind() + " " + document.name();
            if (!document.checked()) {
                out.println(what + ": not a Flink resource, not checked");
            } else if (document.problems().isEmpty()) {
                out.println(what + ": valid");
            }
        }
        result.problems().forEach(problem -> spec.commandLine().getErr().println(file + ": " + problem));
        return result.valid();
    }
}
