package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/**
 * The Dockerfile against what the jobs build writes. The image itself is not built here (no Docker on
 * the development machine); these checks catch a renamed jar or lib folder before an image build does.
 */
class DockerfileTest {
    private static final Path JOBS_POM = Path.of("../jobs/pom.xml");
    private static final Path JOBS_LIB = Path.of("../jobs/target/lib");

    @Test
    void copiesTheJarAndTheLibFolderThatTheJobsBuildWrites() throws Exception {
        String version = System.getProperty("flinfer.version");
        assertThat(version).as("surefire passes the project version as flinfer.version").isNotBlank();
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(JOBS_POM.toFile());
        var xpath = XPathFactory.newInstance().newXPath();
        String artifactId = xpath.evaluate("/project/artifactId", pom);
        String libFolder = xpath.evaluate(
                "//plugin[artifactId='maven-dependency-plugin']//execution[goals/goal='copy-dependencies']/configuration/outputDirectory", pom);
        assertThat(libFolder).startsWith("${project.build.directory}/");

        Dockerfile dockerfile = Dockerfile.read();
        assertThat(dockerfile.args()).containsEntry("FLINFER_VERSION", version);
        assertThat(dockerfile.copyFrom("jobs/target/", ".jar").source())
                .isEqualTo("jobs/target/" + artifactId + "-" + version + ".jar");
        String lib = libFolder.replace("${project.build.directory}/", "jobs/target/") + "/";
        assertThat(dockerfile.copyFrom(lib, "/").destination()).isEqualTo("/opt/flink/usrlib/");
        assertThat(dockerfile.jobJarInImage()).startsWith("/opt/flink/usrlib/");
        // Everything else the image copies is in the repository, relative to its root.
        dockerfile.copies().stream().filter(c -> !c.source().startsWith("jobs/target/"))
                .forEach(c -> assertThat(Path.of("..", c.source())).exists());
    }

    /**
     * The jobs build's lib folder, which the image copies to /opt/flink/usrlib as it is: the job's own
     * dependencies, and none of what a Flink cluster provides, the embedded broker's or the command line's.
     */
    @Test
    void theClusterClasspathHoldsTheJobsJarsAndNoneOfFlinksOrTheLocalTools() throws Exception {
        assumeTrue(Files.isDirectory(JOBS_LIB), JOBS_LIB + " is written when the jobs module is packaged; run ./mvnw verify");
        Set<String> jars;
        try (Stream<Path> files = Files.list(JOBS_LIB)) {
            jars = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertThat(jars).as("jars the job itself needs")
                .anyMatch(n -> n.startsWith("flinfer-operators-")).anyMatch(n -> n.startsWith("flinfer-engine-"))
                .anyMatch(n -> n.startsWith("flink-connector-kafka-")).anyMatch(n -> n.startsWith("flink-connector-base-"))
                .anyMatch(n -> n.startsWith("kafka-clients-")).anyMatch(n -> n.startsWith("picocli-"))
                .anyMatch(n -> n.startsWith("api-0.")).anyMatch(n -> n.startsWith("pytorch-engine-"))
                .anyMatch(n -> n.startsWith("pytorch-native-cpu-")).anyMatch(n -> n.startsWith("tokenizers-"))
                .anyMatch(n -> n.startsWith("jackson-databind-"));
        assertThat(jars).as("jars a Flink cluster already has, the embedded broker's, or the command line's")
                .noneMatch(n -> n.startsWith("flink-core-") || n.startsWith("flink-runtime-")
                        || n.startsWith("flink-streaming-java-") || n.startsWith("flink-clients-")
                        || n.startsWith("flink-connector-files-") || n.startsWith("flink-metrics-prometheus-")
                        || n.startsWith("log4j-") || n.startsWith("slf4j-")
                        || n.startsWith("kafka_2.13-") || n.startsWith("kafka-server-") || n.startsWith("scala-")
                        || n.startsWith("flinfer-cli-"));
    }
}
