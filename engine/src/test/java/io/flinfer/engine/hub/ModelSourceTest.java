package io.flinfer.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Local folders and names that are meant as paths never reach the Hub. */
class ModelSourceTest {
    @TempDir
    Path temp;

    private final List<String> progress = new ArrayList<>();

    @Test
    void existingFolderIsUsedAsItIs() throws IOException {
        Path folder = Files.createDirectories(temp.resolve("org/model"));

        assertThat(resolve(folder.toString())).isEqualTo(folder);
        assertThat(progress).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"./missing-model", "../missing-model", "/no/such/model", "~/no-such-model-4711", "models/org/name"})
    void missingFolderThatLooksLikeAPathIsReportedAsSuch(String path) {
        assertThatThrownBy(() -> resolve(path))
                .isInstanceOf(ModelSourceException.class)
                .hasMessage("model folder not found: " + path);
    }

    @Test
    void nameThatIsNeitherFolderNorHubIdIsRejected() {
        assertThatThrownBy(() -> resolve("stories260K"))
                .hasMessage("model folder not found: stories260K (nor is it a Hugging Face Hub id of the form org/name)");
    }

    @Test
    void fileInsteadOfFolderIsRejected() throws IOException {
        Path file = Files.writeString(temp.resolve("config.json"), "{}");

        assertThatThrownBy(() -> resolve(file.toString())).hasMessageContaining("is a file; name the folder");
    }

    @Test
    void blankModelIsRejected() {
        assertThatThrownBy(() -> resolve(" ")).hasMessageStartingWith("no model given");
    }

    private Path resolve(String modelOrPath) {
        // An endpoint nobody listens on: had any of these reached the network, the error would say so.
        HubSettings settings = new HubSettings("http://127.0.0.1:9", null, temp.resolve("hub"), false);
        return ModelSource.resolve(modelOrPath, null, settings, progress::add);
    }
}
