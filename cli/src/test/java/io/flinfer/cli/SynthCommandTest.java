package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.model.ModelConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SynthCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = FlinferCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void writesTheTinyPresetWithProgress(@TempDir Path dir) {
        Path model = dir.resolve("tiny");
        assertThat(run("model", "synth", "--preset", "tiny", "--out", model.toString(), "--dtype", "bf16"))
                .as(err.toString()).isZero();
        for (String file : new String[] {"config.json", "generation_config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json"}) {
            assertThat(model.resolve(file)).isRegularFile();
        }
        assertThat(ModelConfig.load(model).numLayers()).isEqualTo(4);
        assertThat(err.toString()).contains("100% (");
    }

    @Test
    void refusesANonEmptyFolderAndAnUnknownPreset(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("keep.txt"), "mine");
        assertThat(run("model", "synth", "--preset", "tiny", "--out", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("is not empty");
        assertThat(dir.resolve("keep.txt")).hasContent("mine");
        assertThat(run("model", "synth", "--preset", "llama-7b", "--out", dir.resolve("x").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("unknown preset 'llama-7b'").contains("smollm2-135m");
    }
}
