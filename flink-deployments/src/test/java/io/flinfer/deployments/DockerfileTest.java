package io.flinfer.deployments;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The Dockerfile against what the jobs build writes. The image itself is not built here (no Docker on
 * the development machine); these checks catch a renamed jar or lib folder before an image build does.
 */
class DockerfileTest {
    private static final Path JOBS_POM = Path.of("../jobs/pom.xml");
    private static final Path PRUNE_SCRIPT = Path.of("docker/prune-provided-jars.sh");

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
     * Runs the real prune script over the names of the real jars on this test's classpath, which holds
     * the jobs module's runtime dependencies: Flink's own jars, logging and the embedded broker go,
     * everything the job loads itself stays.
     */
    @Test
    void pruningDropsFlinksOwnJarsAndKeepsTheJobs(@TempDir Path lib) throws Exception {
        List<String> jars = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> entry.endsWith(".jar")).map(entry -> Path.of(entry).getFileName().toString()).distinct().toList();
        for (String jar : jars) {
            Files.createFile(lib.resolve(jar));
        }
        Process prune = new ProcessBuilder("bash", PRUNE_SCRIPT.toString(), lib.toString()).redirectErrorStream(true).start();
        String output = new String(prune.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(prune.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(prune.exitValue()).as(output).isZero();

        Set<String> kept;
        try (Stream<Path> files = Files.list(lib)) {
            kept = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
        assertThat(kept).as("jars the job itself needs")
                .anyMatch(n -> n.startsWith("flink-connector-kafka-")).anyMatch(n -> n.startsWith("flink-connector-base-"))
                .anyMatch(n -> n.startsWith("kafka-clients-")).anyMatch(n -> n.startsWith("picocli-"))
                .anyMatch(n -> n.startsWith("api-0.")).anyMatch(n -> n.startsWith("pytorch-engine-"))
                .anyMatch(n -> n.startsWith("pytorch-native-cpu-")).anyMatch(n -> n.startsWith("tokenizers-"))
                .anyMatch(n -> n.startsWith("jackson-databind-"));
        assertThat(kept).as("jars a Flink cluster already has, or the embedded broker's")
                .noneMatch(n -> n.startsWith("flink-core-") || n.startsWith("flink-runtime-")
                        || n.startsWith("flink-streaming-java-") || n.startsWith("flink-clients-")
                        || n.startsWith("flink-metrics-prometheus-") || n.startsWith("log4j-")
                        || n.startsWith("slf4j-") || n.startsWith("kafka_2.13-") || n.startsWith("scala-library-"));
        assertThat(output).contains("pruned flink-streaming-java-");
    }
}
