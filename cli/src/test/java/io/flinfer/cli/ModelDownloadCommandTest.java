package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.Llm;
import io.flinfer.engine.RequestOutput;
import io.flinfer.engine.hub.HubSettings;
import io.flinfer.engine.hub.LocalHubServer;
import io.flinfer.engine.hub.ModelSource;
import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.engine.synth.SynthPreset;
import io.flinfer.engine.synth.SyntheticCheckpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, item 4: {@code flinfer model download} against a real HTTP server that speaks the Hub's
 * protocol ({@link LocalHubServer}) fills the Hugging Face cache, and the engine then loads the model from
 * it offline, the Hub gone, as the pods of a FlinkDeployment do after their init container ran.
 *
 * <p>The command runs in its own JVM, as the init container runs it: the Hub's address and the cache
 * come from the environment (HF_ENDPOINT, HF_HOME), which a process cannot change for itself.
 */
class ModelDownloadCommandTest {
    private static final String REPO = "flinfer-test/tiny-llama";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path tmp;

    @Test
    void fillsTheCacheThatTheEngineThenLoadsOffline() throws Exception {
        Path hfHome = tmp.resolve("hf-home");
        Path snapshot;
        try (LocalHubServer hub = new LocalHubServer(REPO)) {
            hub.addCommit("main", COMMIT, syntheticModelFiles());
            Process download = flinfer(Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HOME", hfHome.toString()),
                    "model", "download", "--model", REPO);
            assertThat(download.waitFor(120, TimeUnit.SECONDS)).as("model download finished").isTrue();
            String out = new String(download.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String err = new String(download.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(download.exitValue()).as(err).isZero();
            snapshot = Path.of(out);
            assertThat(hub.requests()).anyMatch(r -> r.path().endsWith("/model.safetensors"));
        }
        assertThat(snapshot).isEqualTo(hfHome.resolve("hub/models--flinfer-test--tiny-llama/snapshots").resolve(COMMIT));

        // The Hub is gone; offline, the model resolves to the same snapshot and the engine runs on it.
        HubSettings offline = HubSettings.fromVariables(Map.of("HF_HOME", hfHome.toString(), "HF_HUB_OFFLINE", "1"), tmp);
        Path folder = ModelSource.resolve(REPO, null, offline, line -> { });
        assertThat(folder).isEqualTo(snapshot);
        try (Llm llm = Llm.load(EngineConfig.defaults(folder).withKvCacheMemory(16L << 20))) {
            List<RequestOutput> outputs = llm.generate(List.of("Once upon a time"), SamplingParams.greedy(4));
            assertThat(outputs).singleElement().satisfies(o -> {
                assertThat(o.error()).isNull();
                assertThat(o.outputTokenIds()).hasSize(4);
            });
        }
    }

    @Test
    void refusesWhenTheEnvironmentSaysOffline() throws Exception {
        Process download = flinfer(Map.of("HF_HOME", tmp.toString(), "HF_HUB_OFFLINE", "1"), "model", "download", "--model", REPO);
        assertThat(download.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(download.exitValue()).isNotZero();
        assertThat(new String(download.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)).contains("HF_HUB_OFFLINE");
    }

    private Map<String, byte[]> syntheticModelFiles() throws IOException {
        Path model = tmp.resolve("tiny");
        SyntheticCheckpoint.write(SynthPreset.named("tiny"), model, 7, false, (done, total) -> { });
        Map<String, byte[]> files = new HashMap<>();
        try (Stream<Path> list = Files.list(model)) {
            for (Path file : list.toList()) {
                files.put(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    /** The command line in a new JVM with this test's class path and {@code env} in place of the Hugging Face variables. */
    private static Process flinfer(Map<String, String> env, String... args) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FlinferCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("HF_") || name.equals("XDG_CACHE_HOME"));
        builder.environment().putAll(env);
        return builder.start();
    }
}
