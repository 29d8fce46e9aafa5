package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.deployments.Deployer;
import io.flinfer.engine.LlmEngine;
import io.flinfer.jobs.StreamingJob;
import io.flinfer.models.BundledModels;
import io.flinfer.operators.records.RequestParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main classes of every module, read by the JDK's own {@code jdeps} from
 * the compiled classes: no cycle, and every import points down the layers below (lowest first), so
 * that the layout shows the architecture. Packages in one layer are peers and import nothing of
 * each other.
 */
class PackageLayersTest {
    private static final List<List<String>> LAYERS = List.of(
            List.of("io.flinfer.models"),
            List.of("io.flinfer.engine.sampling", "io.flinfer.engine.tokenizer", "io.flinfer.engine.hub",
                    "io.flinfer.engine.model"),
            List.of("io.flinfer.engine.core", "io.flinfer.engine.synth", "io.flinfer.engine.structured"),
            List.of("io.flinfer.engine"),
            List.of("io.flinfer.operators.records"),
            List.of("io.flinfer.operators.route"),
            List.of("io.flinfer.operators.prepare", "io.flinfer.operators.generate"),
            List.of("io.flinfer.jobs.kafka"),
            List.of("io.flinfer.jobs"),
            List.of("io.flinfer.jobs.batch"),
            List.of("io.flinfer.deployments"),
            List.of("io.flinfer.kafka"),
            List.of("io.flinfer.local"),
            List.of("io.flinfer.bench", "io.flinfer.doctor", "io.flinfer.demo", "io.flinfer.cli.deploy"),
            List.of("io.flinfer.cli"));
    private static final Pattern EDGE = Pattern.compile("^\\s+(io\\.flinfer\\.\\S+)\\s+->\\s+(io\\.flinfer\\.\\S+)\\s");

    private static Map<String, Set<String>> imports;

    @BeforeAll
    static void readTheGraph() throws Exception {
        List<String> args = new ArrayList<>(List.of("-verbose:package", "-filter:none", "-e", "io\\.flinfer\\..*"));
        for (Class<?> module : List.of(BundledModels.class, LlmEngine.class, RequestParser.class, StreamingJob.class,
                Deployer.class, FlinferCli.class)) {
            args.add(Path.of(module.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        StringWriter out = new StringWriter();
        int exit = ToolProvider.findFirst("jdeps").orElseThrow()
                .run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertThat(exit).as(out.toString()).isZero();
        imports = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && !m.group(1).equals(m.group(2))) {
                imports.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        assertThat(imports).as("jdeps found the packages").containsKeys("io.flinfer.cli", "io.flinfer.operators.generate");
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> all = new TreeSet<>(imports.keySet());
        imports.values().forEach(all::addAll);
        assertThat(all).allSatisfy(p -> assertThat(layer(p)).as(p + " is in no layer of this test").isNotNegative());
    }

    @Test
    void importsPointDownOnly() {
        List<String> wrong = new ArrayList<>();
        imports.forEach((from, tos) -> tos.stream().filter(to -> layer(to) >= layer(from))
                .forEach(to -> wrong.add(from + " -> " + to)));
        assertThat(wrong).as("imports of a peer or of a layer above").isEmpty();
    }

    @Test
    void thereIsNoCycle() {
        Set<String> done = new HashSet<>();
        for (String start : imports.keySet()) {
            assertThat(cycleFrom(start, new ArrayList<>(), done)).as("a cycle").isEmpty();
        }
    }

    private static List<String> cycleFrom(String pkg, List<String> path, Set<String> done) {
        if (path.contains(pkg)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(pkg), path.size()));
            cycle.add(pkg);
            return cycle;
        }
        if (!done.add(pkg)) {
            return List.of();
        }
        path.add(pkg);
        for (String next : imports.getOrDefault(pkg, Set.of())) {
            List<String> cycle = cycleFrom(next, path, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.remove(path.size() - 1);
        return List.of();
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }
}
