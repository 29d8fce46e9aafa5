package io.flinfer.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A dataset split's Parquet files from a real HTTP server in the Hub's dataset URL layout (see {@link LocalHubServer}). */
class HubDatasetDownloadTest {
    private static final String REPO = "flinfer-test/tiny-stories";
    private static final String COMMIT = "3333333333333333333333333333333333333333";
    private static final Map<String, byte[]> FILES = Map.of(
            "README.md", bytes("# tiny stories"),
            "data/train-00000-of-00002.parquet", bytes("train part 0"),
            "data/train-00001-of-00002.parquet", bytes("train part 1"),
            "data/test-00000-of-00001.parquet", bytes("test part 0"),
            "data/training_notes.parquet", bytes("not the train split"));

    @TempDir Path hubCache;

    private LocalHubServer hub;

    @BeforeEach
    void startHub() throws IOException {
        hub = LocalHubServer.forDataset(REPO);
        hub.addCommit("main", COMMIT, FILES);
        hub.requireToken("secret");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void downloadsTheSplitsParquetFilesIntoTheDatasetCache() throws IOException {
        List<Path> files = DatasetSource.resolve(REPO, null, "train", settings("secret"), line -> { });

        Path snapshot = hubCache.resolve("datasets--flinfer-test--tiny-stories").resolve("snapshots").resolve(COMMIT);
        assertThat(files).containsExactly(
                snapshot.resolve("data/train-00000-of-00002.parquet"), snapshot.resolve("data/train-00001-of-00002.parquet"));
        assertThat(Files.readString(files.get(1))).isEqualTo("train part 1");
        assertThat(Files.readString(hubCache.resolve("datasets--flinfer-test--tiny-stories/refs/main"))).isEqualTo(COMMIT);
        assertThat(hub.requests()).extracting(LocalHubServer.Request::path)
                .contains("/api/datasets/" + REPO + "/revision/main")
                .noneMatch(path -> path.contains("test-00000") || path.contains("README") || path.contains("training_notes"));
        assertThat(hub.requests()).filteredOn(r -> !r.path().startsWith("/cdn/"))
                .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer secret"));
    }

    @Test
    void offlineRunsUseTheCacheAndNeverTheNetwork() throws IOException {
        DatasetSource.resolve(REPO, "main", "test", settings("secret"), line -> { });
        hub.clearRequests();

        List<Path> files = DatasetSource.resolve(REPO, "main", "test", settings("secret").withOffline(true), line -> { });

        assertThat(files).hasSize(1);
        assertThat(Files.readString(files.get(0))).isEqualTo("test part 0");
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void aSplitWithoutParquetFilesSaysWhichThereAre() {
        assertThatThrownBy(() -> DatasetSource.resolve(REPO, "main", "validation", settings("secret"), line -> { }))
                .isInstanceOf(ModelSourceException.class)
                .hasMessageContaining("dataset " + REPO)
                .hasMessageContaining("no Parquet files of split validation")
                .hasMessageContaining("data/test-00000-of-00001.parquet");
    }

    @Test
    void anUnknownDatasetIsNamedAsADataset() {
        assertThatThrownBy(() -> DatasetSource.resolve("flinfer-test/missing", "main", "train", settings("secret"), line -> { }))
                .isInstanceOf(ModelSourceException.class)
                .hasMessageContaining("dataset flinfer-test/missing not found on the Hub");
    }

    private HubSettings settings(String token) {
        return new HubSettings(hub.endpoint(), token, hubCache, false);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
