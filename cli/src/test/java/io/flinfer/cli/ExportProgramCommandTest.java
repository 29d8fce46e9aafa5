package io.flinfer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flinfer model export-program} writes the archive, the weights and the manifest, and names
 * what is wrong with its input. That the export runs the engine's forward is
 * ProgramExportRoundTripTest's.
 */
class ExportProgramCommandTest {
    @Test
    void writesArchiveWeightsAndManifest(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        CliRun synth = CliRun.of("model", "synth", "--preset", "tiny", "--out", model.toString());
        assertThat(synth.exitCode()).as(synth.err()).isZero();
        Path export = dir.resolve("export");
        CliRun run = CliRun.of("model", "export-program", "--model", model.toString(), "--dtype", "bf16", "--out",
                export.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("wrote " + export);
        assertThat(export.resolve("program.pt")).isRegularFile();
        assertThat(export.resolve("weights.safetensors")).isRegularFile();
        JsonNode manifest = new ObjectMapper().readTree(export.resolve("manifest.json").toFile());
        assertThat(manifest.path("dtype").asText()).isEqualTo("bfloat16");
        assertThat(manifest.path("config").path("numLayers").asInt()).isEqualTo(4);
        assertThat(manifest.path("setup").get(0).path("method").asText()).isEqualTo("setup_weights");
    }

    @Test
    void namesAMissingModelAndAnUnknownOrAutoDtype(@TempDir Path dir) {
        String export = dir.resolve("export").toString();
        CliRun missing = CliRun.of("model", "export-program", "--model", dir.resolve("absent").toString(), "--dtype",
                "float16", "--out", export);
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("model folder not found");
        CliRun unknown = CliRun.of("model", "export-program", "--model", dir.toString(), "--dtype", "int4", "--out", export);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown dtype 'int4'");
        CliRun auto = CliRun.of("model", "export-program", "--model", dir.toString(), "--dtype", "auto", "--out", export);
        assertThat(auto.exitCode()).isEqualTo(1);
        assertThat(auto.err()).contains("name the dtype to export: bfloat16, float16 or float32");
    }
}
