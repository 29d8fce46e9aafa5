package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.demo.DemoModel;
import io.flinfer.demo.SyntheticModelCache;
import io.flinfer.engine.hub.HubSettings;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code flinfer demo} in-process, for real: embedded Kafka, a local Flink cluster, the
 * streaming job and the engine, on the bundled stories260K or a synthetic model. Small runs (8
 * requests of 8 tokens) keep it to well under a minute each on two cores.
 */
class DemoCommandTest {
    private static final String[] SMALL_RUN = {"--prompts", "8", "--max-tokens", "8", "--kv-cache-memory", "32MiB"};

    @Test
    void runsThePipelineOnAGivenModelAndReadsTtftFromTheMetricsEndpoint(@TempDir Path dir) throws IOException {
        Path model = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 7, false, (done, total) -> { });
        int metricsPort = freePort();

        CliRun run = demo(command -> { }, "--model", model.toString(), "--metrics-port", String.valueOf(metricsPort));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out())
                .contains("requests:           8 sent, 8 results (8 ok, 0 errors)")
                .contains("dead letters:       1")
                .containsPattern("TTFT p50 / p99:     \\d+ ms / \\d+ ms")
                .contains("demo-001  ...What should I do first?")
                .doesNotContain(DemoModel.RANDOM_LABEL);
        // Requests 5 to 8 repeat the system prompts of 1 to 4: their leading blocks come from the cache.
        assertThat(cachedTokens(run.out())).isPositive();
        assertThat(run.err()).contains("results received: 8/8   dead letters: 1/1").doesNotContain("NO REAL MODEL");
    }

    @Test
    void runsTheBundledStoryModelWithoutNetworkByDefault(@TempDir Path dir) throws IOException {
        // Nothing listens on this port: the Hub's address refuses connections, as with no network.
        HubSettings unreachableHub = new HubSettings("http://127.0.0.1:" + freePort(), null, dir.resolve("hub"), false);

        CliRun run = demo(command -> command.hubSettings = unreachableHub, "--metrics-port", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("Published 8 completion requests").doesNotContain("NO REAL MODEL");
        assertThat(run.out())
                .contains("model " + DemoModel.BUNDLED_NAME)
                .contains("requests:           8 sent, 8 results (8 ok, 0 errors)")
                .contains("demo-001  ...One day,")
                .doesNotContain(DemoModel.RANDOM_LABEL);
        // A story model writes English: every completion shown has some of TinyStories' commonest words.
        assertThat(completions(run.out())).hasSize(3).allSatisfy(story -> assertThat(story)
                .startsWith("> ").containsPattern("\\b(the|a|and|was|to|he|she|her|his|in|it|of|with|they|saw|said)\\b"));
        assertThat(cachedTokens(run.out())).as("the openings' blocks come from the cache").isPositive();
    }

    /** A repeated --model: one job serves both, the requests alternate between them and each is answered. */
    @Test
    void spreadsTheRequestsOverSeveralModels(@TempDir Path dir) throws IOException {
        Path tiny = dir.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), tiny, 7, false, (done, total) -> { });

        CliRun run = demo(command -> { }, "--model", BundledModels.stories260K() + "=stories", "--model", tiny + "=tiny",
                "--metrics-port", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("and tiny from " + tiny);
        assertThat(run.out())
                .contains("requests:           8 sent, 8 results (8 ok, 0 errors)")
                .contains("results by model:   stories 4, tiny 4");
    }

    @Test
    void fallsBackToRandomWeightsOnlyWhenTheBundledModelIsMissing(@TempDir Path dir) throws IOException {
        Path syntheticRoot = dir.resolve("synthetic");

        CliRun run = demo(command -> {
            command.bundledModel = () -> {
                throw new IllegalStateException("the bundled stories260K is missing from the classpath");
            };
            command.syntheticModels = new SyntheticModelCache(syntheticRoot);
        }, "--metrics-port", "0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("NO REAL MODEL: the bundled stories260K model is not available")
                .contains("missing from the classpath")
                .contains("RANDOM WEIGHTS")
                .contains("results received: 8/8   dead letters: 1/1");
        assertThat(run.out())
                .contains("Summary " + DemoModel.RANDOM_LABEL)
                .contains("requests:           8 sent, 8 results (8 ok, 0 errors)")
                .contains("TTFT p50 / p99:     n/a / n/a")
                .contains("dead letters:       1");
        // Every printed completion carries the label.
        assertThat(completions(run.out())).hasSize(3).allSatisfy(line -> assertThat(line).startsWith(DemoModel.RANDOM_LABEL + " > "));
        assertThat(syntheticRoot.resolve("tiny-seed0").resolve("model.safetensors")).isRegularFile();
    }

    /** Runs {@code demo SMALL_RUN args}, after {@code setUp} has configured the command object. */
    private static CliRun demo(Consumer<DemoCommand> setUp, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = FlinferCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        setUp.accept(cli.getSubcommands().get("demo").getCommand());
        String[] all = new String[1 + SMALL_RUN.length + args.length];
        all[0] = "demo";
        System.arraycopy(SMALL_RUN, 0, all, 1, SMALL_RUN.length);
        System.arraycopy(args, 0, all, 1 + SMALL_RUN.length, args.length);
        int exitCode = cli.execute(all);
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    /** The printed completions: the lines indented under their custom_id. */
    private static List<String> completions(String out) {
        return Pattern.compile("(?m)^ {12}(\\S.*)$").matcher(out).results().map(m -> m.group(1)).toList();
    }

    private static long cachedTokens(String out) {
        Matcher m = Pattern.compile("prefix-cache hits: +[\\d.]+% of prompt tokens \\((\\d+) cached of \\d+\\)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
