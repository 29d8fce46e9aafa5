package io.flinfer.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.models.BundledModels;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a real HTTP server that speaks the Hub's protocol (see {@link LocalHubServer}). */
class HubModelDownloadTest {
    private static final String REPO = "flinfer-test/stories260K";
    private static final String COMMIT_MAIN = "1111111111111111111111111111111111111111";
    private static final String COMMIT_V2 = "2222222222222222222222222222222222222222";
    private static final List<String> ENGINE_FILES = List.of(
            "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");

    @TempDir
    Path hubCache;

    private final Map<String, byte[]> files = modelFiles();
    private final List<String> progress = new CopyOnWriteArrayList<>();
    private LocalHubServer hub;

    @BeforeEach
    void startHub() throws IOException {
        hub = new LocalHubServer(REPO);
        hub.addCommit("main", COMMIT_MAIN, files);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void firstDownloadFillsTheCacheInHuggingFaceLayout() throws IOException {
        Path snapshot = resolve("main", settings(null));

        Path repoFolder = hubCache.resolve("models--flinfer-test--stories260K");
        assertThat(snapshot).isEqualTo(repoFolder.resolve("snapshots").resolve(COMMIT_MAIN));
        assertThat(Files.readString(repoFolder.resolve("refs/main"))).isEqualTo(COMMIT_MAIN);
        for (String file : ENGINE_FILES) {
            String etag = LocalHubServer.etagOf(file, files.get(file));
            Path link = snapshot.resolve(file);
            assertThat(Files.isSymbolicLink(link)).as(file + " is a link").isTrue();
            assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("..", "..", "blobs", etag));
            assertThat(Files.readAllBytes(repoFolder.resolve("blobs").resolve(etag))).isEqualTo(files.get(file));
        }
        try (Stream<Path> snapshotFiles = Files.list(snapshot); Stream<Path> blobs = Files.list(repoFolder.resolve("blobs"))) {
            assertThat(snapshotFiles.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(ENGINE_FILES);
            assertThat(blobs.map(p -> p.getFileName().toString())).noneMatch(name -> name.endsWith(".incomplete"));
        }
        assertThat(hub.requests()).noneMatch(r -> r.path().endsWith("README.md") || r.path().endsWith(".bin"));
        assertThat(progress).anyMatch(line -> line.startsWith("downloading model.safetensors ("))
                .noneMatch(line -> line.contains("README.md"));
    }

    @Test
    void secondResolveDownloadsNothing() {
        Path first = resolve(null, settings(null));
        hub.clearRequests();

        Path second = resolve(null, settings(null));

        assertThat(second).isEqualTo(first);
        assertThat(hub.requests()).extracting(LocalHubServer.Request::path)
                .containsExactly("/api/models/" + REPO + "/revision/main");
    }

    @Test
    void pinnedRevisionResolvesThroughItsOwnRefAndSharesUnchangedBlobs() throws IOException {
        Map<String, byte[]> v2 = new HashMap<>(files);
        v2.put("config.json", "{\"model_type\": \"llama\", \"revision\": \"v2.0\"}".getBytes(StandardCharsets.UTF_8));
        hub.addCommit("v2.0", COMMIT_V2, v2);

        Path pinned = resolve("v2.0", settings(null));
        Path byCommit = resolve(COMMIT_MAIN, settings(null));

        Path repoFolder = hubCache.resolve("models--flinfer-test--stories260K");
        assertThat(pinned).isEqualTo(repoFolder.resolve("snapshots").resolve(COMMIT_V2));
        assertThat(Files.readAllBytes(pinned.resolve("config.json"))).isEqualTo(v2.get("config.json"));
        assertThat(Files.readString(repoFolder.resolve("refs/v2.0"))).isEqualTo(COMMIT_V2);
        assertThat(byCommit).isEqualTo(repoFolder.resolve("snapshots").resolve(COMMIT_MAIN));
        assertThat(Files.readAllBytes(byCommit.resolve("config.json"))).isEqualTo(files.get("config.json"));
        // A commit names itself: no ref is written for it, and "main" was never asked for.
        try (Stream<Path> refs = Files.list(repoFolder.resolve("refs"))) {
            assertThat(refs.map(p -> p.getFileName().toString())).containsExactly("v2.0");
        }
        // The weights are the same blob in both commits, so they were fetched once.
        assertThat(hub.requests()).filteredOn(r -> r.isFileDownload() && r.path().startsWith("/cdn/")).hasSize(1);
    }

    @Test
    void tokenGoesToTheHubAsBearerButNotToTheCdn() {
        hub.requireToken("hf_secret");

        resolve("main", settings("hf_secret"));

        List<LocalHubServer.Request> requests = hub.requests();
        assertThat(requests).filteredOn(r -> !r.path().startsWith("/cdn/")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).isEqualTo("Bearer hf_secret"));
        assertThat(requests).filteredOn(r -> r.path().startsWith("/cdn/")).isNotEmpty()
                .allSatisfy(r -> assertThat(r.authorization()).isNull());
    }

    @Test
    void refusedAccessSaysToSetHfToken() {
        hub.requireToken("hf_secret");

        assertThatThrownBy(() -> resolve("main", settings(null)))
                .isInstanceOf(ModelSourceException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("set HF_TOKEN");
        assertThatThrownBy(() -> resolve("main", settings("hf_wrong")))
                .hasMessageContaining("HF_TOKEN that was sent is invalid");
    }

    @Test
    void unknownModelOrRevisionIsReportedAsNotFound() {
        assertThatThrownBy(() -> ModelSource.resolve("flinfer-test/missing", null, settings(null), progress::add))
                .isInstanceOf(ModelSourceException.class)
                .hasMessageStartingWith("model flinfer-test/missing not found on the Hub (revision main)");
        assertThatThrownBy(() -> resolve("no-such-branch", settings(null)))
                .hasMessageStartingWith("model " + REPO + " not found on the Hub (revision no-such-branch)");
    }

    @Test
    void partialBlobIsResumedWithARangeRequest() throws IOException {
        byte[] weights = files.get("model.safetensors");
        int half = weights.length / 2;
        Path incomplete = writePartialBlob(weights, Arrays.copyOf(weights, half));

        Path snapshot = resolve("main", settings(null));

        assertThat(hub.requests()).filteredOn(r -> r.isFileDownload() && r.path().startsWith("/cdn/"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.range()).isEqualTo("bytes=" + half + "-");
                    assertThat(r.bytesSent()).isEqualTo(weights.length - half);
                });
        assertThat(Files.readAllBytes(snapshot.resolve("model.safetensors"))).isEqualTo(weights);
        assertThat(incomplete).doesNotExist();
        assertThat(progress).anyMatch(line -> line.startsWith("downloading model.safetensors") && line.contains("resuming at"));
    }

    @Test
    void serverThatIgnoresTheRangeGivesAFreshCompleteFile() throws IOException {
        hub.ignoreRanges();
        byte[] weights = files.get("model.safetensors");
        // Wrong bytes in the partial file: if they were kept, the result would differ from the original.
        writePartialBlob(weights, new byte[weights.length / 3]);

        Path snapshot = resolve("main", settings(null));

        assertThat(Files.readAllBytes(snapshot.resolve("model.safetensors"))).isEqualTo(weights);
    }

    @Test
    void deletedBlobIsDownloadedAgain() throws IOException {
        Path snapshot = resolve("main", settings(null));
        String etag = LocalHubServer.etagOf("tokenizer.json", files.get("tokenizer.json"));
        Files.delete(hubCache.resolve("models--flinfer-test--stories260K/blobs").resolve(etag));
        hub.clearRequests();

        resolve("main", settings(null));

        assertThat(hub.requests()).filteredOn(LocalHubServer.Request::isFileDownload).singleElement()
                .satisfies(r -> assertThat(r.path()).endsWith("/tokenizer.json"));
        assertThat(Files.readAllBytes(snapshot.resolve("tokenizer.json"))).isEqualTo(files.get("tokenizer.json"));
    }

    @Test
    void concurrentResolversDownloadEachBlobOnce() throws Exception {
        // Both resolvers ask for the weights' metadata before either download may proceed, so both
        // are inside the same blob's download at once: only the lock keeps the second from fetching it too.
        hub.holdCdnDownloadsUntilLfsHeads(2);
        ExecutorService resolvers = Executors.newFixedThreadPool(2);
        try {
            Future<Path> first = resolvers.submit(() -> resolve("main", settings(null)));
            Future<Path> second = resolvers.submit(() -> resolve("main", settings(null)));

            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(second.get(30, TimeUnit.SECONDS));
            assertThat(Files.readAllBytes(first.get().resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
            assertThat(hub.requests()).filteredOn(r -> r.isFileDownload() && r.path().startsWith("/cdn/")).hasSize(1);
        } finally {
            resolvers.shutdownNow();
        }
    }

    @Test
    void offlineModeReadsTheCacheWithoutAnyRequest() {
        Path online = resolve("main", settings(null));
        hub.clearRequests();

        Path offlineByRef = resolve("main", settings(null).withOffline(true));
        Path offlineByCommit = resolve(COMMIT_MAIN, settings(null).withOffline(true));

        assertThat(offlineByRef).isEqualTo(online);
        assertThat(offlineByCommit).isEqualTo(online);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void offlineModeFailsClearlyWhenTheModelIsNotCached() {
        assertThatThrownBy(() -> resolve("main", settings(null).withOffline(true)))
                .isInstanceOf(ModelSourceException.class)
                .hasMessageContaining("model " + REPO + " (revision main) is not in the Hugging Face cache")
                .hasMessageContaining("HF_HUB_OFFLINE");
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void unreachableHubFailsClearlyOrFallsBackToTheCache() throws IOException {
        HubSettings nowhere = new HubSettings("http://127.0.0.1:" + closedPort(), null, hubCache, false);

        assertThatThrownBy(() -> resolve("main", nowhere))
                .isInstanceOf(HubUnreachableException.class)
                .hasMessageContaining("could not reach the Hugging Face Hub at " + nowhere.endpoint())
                .hasMessageContaining("local model folder")
                .hasMessageContaining("HF_HUB_OFFLINE=1");

        Path online = resolve("main", settings(null));
        assertThat(resolve("main", nowhere)).isEqualTo(online);
        assertThat(progress).anyMatch(line -> line.contains("cannot be reached; using the cached snapshot"));
    }

    private Path resolve(String revision, HubSettings settings) {
        return ModelSource.resolve(REPO, revision, settings, progress::add);
    }

    private HubSettings settings(String token) {
        return new HubSettings(hub.endpoint(), token, hubCache, false);
    }

    private Path writePartialBlob(byte[] whole, byte[] partial) throws IOException {
        Path blobs = Files.createDirectories(hubCache.resolve("models--flinfer-test--stories260K/blobs"));
        return Files.write(blobs.resolve(LocalHubServer.sha256(whole) + ".incomplete"), partial);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The bundled stories260K model's files, plus files the engine skips. */
    private static Map<String, byte[]> modelFiles() {
        Map<String, byte[]> result = new HashMap<>();
        Path stories = BundledModels.stories260K();
        for (String file : List.of("config.json", "generation_config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json")) {
            result.put(file, readAll(stories.resolve(file)));
        }
        result.put("README.md", utf8("# not needed by the engine\n"));
        result.put("pytorch_model.bin", new byte[1000]);
        return result;
    }

    private static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
