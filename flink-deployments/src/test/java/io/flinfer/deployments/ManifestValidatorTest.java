package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 11, item 2: broken copies of the streaming manifest, each a mistake a real API server (strict
 * field validation) or the operator's webhook refuses, are refused with a message naming the field.
 * The first seven pass a plain binding to the operator's Java model: Jackson coerces them.
 */
class ManifestValidatorTest {
    private static String streaming;

    @BeforeAll
    static void readManifest() throws IOException {
        streaming = Files.readString(Path.of("flinfer-streaming.yaml"));
        assertThat(ManifestValidator.validate(streaming).problems()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
        taskmanager.numberOfTaskSlots: "1"  | taskmanager.numberOfTaskSlots: 2 | $.spec.flinkConfiguration['taskmanager.numberOfTaskSlots']: integer found, string expected
        job.autoscaler.enabled: "true"      | job.autoscaler.enabled: true     | $.spec.flinkConfiguration['job.autoscaler.enabled']: boolean found, string expected
        parallelism: 2                      | parallelism: "2"                 | $.spec.job.parallelism: string found, integer expected
        cpu: 1.0                            | cpu: "1"                         | $.spec.jobManager.resource.cpu: string found, number expected
        memory: 2048m                       | memory: 2048                     | $.spec.jobManager.resource.memory: integer found, string expected
        nvidia.com/gpu: "1"                 | nvidia.com/gpu: 1.5              | $.spec.taskManager.podTemplate.spec.containers[0].resources.limits['nvidia.com/gpu']: number found, integer or string expected
        nvidia.com/gpu: "1"                 | nvidia.com/gpu: "1.5"            | $.spec.taskManager.podTemplate.spec.containers[0].resources.limits['nvidia.com/gpu']: '1.5': extended resources come in whole units
        value: "1"                          | value: 8080                      | $.spec.podTemplate.spec.containers[0].env[1].value: integer found, string expected
        jarURI:                             | jarUri:                          | $.spec.job.jarUri: unknown field
        flinkVersion: v1_20                 | flinkVersion: v1_21              | $.spec.flinkVersion: "v1_21" is not one of
        upgradeMode: savepoint              | upgradeMode: savepoints          | $.spec.job.upgradeMode: "savepoints" is not one of
        name: flinfer-streaming\\n           | name: flinfer-streaming-for-the-support-team-of-europe-west\\n | $.metadata.name: 'flinfer-streaming-for-the-support-team-of-europe-west' is not a valid Flink cluster id
        memory: 2048m                       | memory: 2 gigs                   | $.spec.jobManager.resource.memory: '2 gigs' is not a memory size
        state.savepoints.dir:               | state.savepoints.dirs:           | $.spec.job.upgradeMode: savepoint needs $.spec.flinkConfiguration['state.savepoints.dir']
        """)
    void refusesTheBrokenCopyNamingTheField(String original, String broken, String expected) {
        assertThat(streaming).contains(original.replace("\\n", "\n"));
        String copy = streaming.replaceFirst(java.util.regex.Pattern.quote(original.replace("\\n", "\n")),
                java.util.regex.Matcher.quoteReplacement(broken.replace("\\n", "\n")));
        ManifestValidator.Result result = ManifestValidator.validate(copy);
        assertThat(result.valid()).isFalse();
        assertThat(result.problems()).singleElement().asString().contains(expected);
    }

    @Test
    void refusesAMissingJarUri() {
        String copy = streaming.replaceFirst("\n    jarURI: [^\n]*", "");
        assertThat(copy).doesNotContain("jarURI");
        assertThat(ManifestValidator.validate(copy).problems()).singleElement().asString().contains("$.spec.job.jarURI: missing");
    }

    @Test
    void checksEveryDocumentOfAStreamAndPassesOverOtherKinds() throws IOException {
        String stream = Files.readString(Path.of("pvc.yaml")) + "\n---\n" + streaming + "---\n" + streaming.replace("cpu: 1.0", "cpu: \"1\"");
        ManifestValidator.Result result = ManifestValidator.validate(stream);
        assertThat(result.documents()).extracting(ManifestValidator.Document::kind)
                .containsExactly("PersistentVolumeClaim", "FlinkDeployment", "FlinkDeployment");
        assertThat(result.documents()).extracting(ManifestValidator.Document::checked).containsExactly(false, true, true);
        assertThat(result.problems()).singleElement().asString().startsWith("document 3 (FlinkDeployment flinfer-streaming): $.spec.jobManager");
    }

    @Test
    void checksSessionJobsAgainstTheirOwnSchema() {
        String sessionJob = """
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkSessionJob
                metadata:
                  name: flinfer-job
                spec:
                  deploymentName: flinfer-session
                  job:
                    jarURI: https://repo.example.com/flinfer-jobs.jar
                    parallelism: 1
                    upgradeMode: stateless
                """;
        assertThat(ManifestValidator.validate(sessionJob).problems()).isEmpty();
        assertThat(ManifestValidator.validate(sessionJob.replace("deploymentName", "deployment")).problems())
                .anyMatch(p -> p.contains("$.spec.deployment: unknown field"));
        assertThat(ManifestValidator.validate(sessionJob.replace("parallelism: 1", "parallelism: one")).problems())
                .singleElement().asString().contains("$.spec.job.parallelism: string found, integer expected");
    }

    @Test
    void saysWhatIsNotYaml() {
        assertThat(ManifestValidator.validate("kind: [unclosed").problems()).singleElement().asString().contains("not YAML");
    }
}
