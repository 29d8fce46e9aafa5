package io.flinfer.engine.hub;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real HTTP server that answers the Hugging Face Hub's endpoints for one repository from bytes in
 * memory, with the Hub's headers: small files come straight from {@code /resolve/} with their git
 * sha1 as (sometimes weak) ETag; {@code *.safetensors} are "LFS" files whose {@code /resolve/}
 * answers 302 to a CDN with {@code X-Linked-Etag} = sha256. The CDN is the same server reached as
 * {@code localhost} while the Hub is {@code 127.0.0.1}, so they are different hosts to the client.
 * Every request is recorded.
 */
public final class LocalHubServer implements AutoCloseable {
    public record Request(String method, String host, String path, String authorization, String range, long bytesSent) {
        boolean isFileDownload() {
            return method.equals("GET") && (path.contains("/resolve/") || path.startsWith("/cdn/"));
        }
    }

    private static final Pattern API = Pattern.compile("/api/(models|datasets)/([^/]+/[^/]+)/revision/([^/]+)");
    private static final Pattern RESOLVE = Pattern.compile("/(datasets/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern CDN = Pattern.compile("/cdn/([0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final String repoId;
    /** The Hub serves models under /api/models/ and /org/name/, datasets under /api/datasets/ and /datasets/org/name/. */
    private final boolean dataset;
    private final Map<String, String> revisionToCommit = new ConcurrentHashMap<>();
    private final Map<String, Map<String, byte[]>> commitFiles = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfsBySha256 = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService handlers = Executors.newFixedThreadPool(8);
    private volatile String requiredToken;
    private volatile boolean honourRanges = true;
    private volatile CountDownLatch cdnGate = new CountDownLatch(0);

    public LocalHubServer(String repoId) throws IOException {
        this(repoId, false);
    }

    /** A server of one dataset repository, in the Hub's dataset URL layout. */
    public static LocalHubServer forDataset(String repoId) throws IOException {
        return new LocalHubServer(repoId, true);
    }

    private LocalHubServer(String repoId, boolean dataset) throws IOException {
        this.repoId = repoId;
        this.dataset = dataset;
        // The wildcard address answers both 127.0.0.1 (the Hub) and localhost (the CDN).
        server = HttpServer.create(new InetSocketAddress(0), 0);
        server.createContext("/", this::handle);
        // Several handler threads, so one held download does not block the other clients' requests.
        server.setExecutor(handlers);
        server.start();
    }

    /** Publishes a commit with these files, reachable by its sha and by {@code revision}. */
    public void addCommit(String revision, String commit, Map<String, byte[]> files) {
        commitFiles.put(commit, Map.copyOf(files));
        revisionToCommit.put(revision, commit);
        files.forEach((name, bytes) -> {
            if (isLfs(name)) {
                lfsBySha256.put(sha256(bytes), bytes);
            }
        });
    }

    void requireToken(String token) {
        requiredToken = token;
    }

    /** Like a server without range support: answers a Range request with the whole file and 200. */
    void ignoreRanges() {
        honourRanges = false;
    }

    /**
     * Holds every CDN download until {@code heads} HEAD requests for LFS files have arrived (at most
     * ten seconds), so a test can have two clients inside one download at the same time.
     */
    void holdCdnDownloadsUntilLfsHeads(int heads) {
        cdnGate = new CountDownLatch(heads);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }

    static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".parquet");
    }

    static String gitBlobSha1(byte[] content) {
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(sha1.digest(content));
    }

    static String sha256(byte[] content) {
        return HexFormat.of().formatHex(digest("SHA-256").digest(content));
    }

    /** The blob name huggingface_hub gives a file: sha256 for LFS files, git sha1 for the rest. */
    static String etagOf(String file, byte[] content) {
        return isLfs(file) ? sha256(content) : gitBlobSha1(content);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            route(exchange, exchange.getRequestURI().getRawPath());
        }
    }

    private void route(HttpExchange exchange, String path) throws IOException {
        Matcher cdn = CDN.matcher(path);
        if (cdn.matches() && lfsBySha256.containsKey(cdn.group(1))) {
            // Like a CDN: no token needed, the URL itself is the permission.
            awaitGate();
            sendFile(exchange, lfsBySha256.get(cdn.group(1)), cdn.group(1));
            return;
        }
        if (requiredToken != null && !("Bearer " + requiredToken).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            sendStatus(exchange, 401, null);
            return;
        }
        Matcher api = API.matcher(path);
        Matcher resolve = RESOLVE.matcher(path);
        if (api.matches() && api.group(1).equals(dataset ? "datasets" : "models")) {
            revisionInfo(exchange, decode(api.group(2)), decode(api.group(3)));
        } else if (resolve.matches() && (resolve.group(1) != null) == dataset) {
            resolveFile(exchange, decode(resolve.group(2)), decode(resolve.group(3)), decode(resolve.group(4)));
        } else {
            sendStatus(exchange, 404, null);
        }
    }

    private void revisionInfo(HttpExchange exchange, String repo, String revision) throws IOException {
        if (!repo.equals(repoId)) {
            sendStatus(exchange, 404, "RepoNotFound");
            return;
        }
        String commit = commitFiles.containsKey(revision) ? revision : revisionToCommit.get(revision);
        if (commit == null) {
            sendStatus(exchange, 404, "RevisionNotFound");
            return;
        }
        String siblings = commitFiles.get(commit).keySet().stream().sorted()
                .map(name -> "{\"rfilename\":\"" + name + "\"}").collect(Collectors.joining(","));
        byte[] json = ("{\"id\":\"" + repoId + "\",\"sha\":\"" + commit + "\",\"siblings\":[" + siblings + "]}")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        respond(exchange, 200, json, 0);
    }

    private void resolveFile(HttpExchange exchange, String repo, String commit, String file) throws IOException {
        Map<String, byte[]> files = commitFiles.get(commit);
        if (!repo.equals(repoId) || files == null) {
            sendStatus(exchange, 404, repo.equals(repoId) ? "RevisionNotFound" : "RepoNotFound");
            return;
        }
        byte[] content = files.get(file);
        if (content == null) {
            sendStatus(exchange, 404, "EntryNotFound");
            return;
        }
        Headers out = exchange.getResponseHeaders();
        out.set("X-Repo-Commit", commit);
        if (isLfs(file)) {
            if (exchange.getRequestMethod().equals("HEAD")) {
                cdnGate.countDown();
            }
            String sha = sha256(content);
            out.set("X-Linked-Etag", "\"" + sha + "\"");
            out.set("X-Linked-Size", String.valueOf(content.length));
            out.set("ETag", "W/\"" + gitBlobSha1(content) + "\"");
            out.set("Location", "http://localhost:" + server.getAddress().getPort() + "/cdn/" + sha);
            respond(exchange, 302, null, 0);
            return;
        }
        // The Hub marks some small-file ETags weak; exercise both forms.
        String etag = gitBlobSha1(content);
        sendFile(exchange, content, file.equals("config.json") ? "W/\"" + etag + "\"" : "\"" + etag + "\"");
    }

    private void sendFile(HttpExchange exchange, byte[] content, String etag) throws IOException {
        Headers out = exchange.getResponseHeaders();
        out.set("ETag", etag);
        out.set("Accept-Ranges", "bytes");
        if (exchange.getRequestMethod().equals("HEAD")) {
            // The server leaves Content-Length out of HEAD answers unless set by hand.
            out.set("Content-Length", String.valueOf(content.length));
            respond(exchange, 200, null, 0);
            return;
        }
        Matcher range = RANGE.matcher(String.valueOf(exchange.getRequestHeaders().getFirst("Range")));
        if (!honourRanges || !range.matches()) {
            respond(exchange, 200, content, 0);
            return;
        }
        int from = Integer.parseInt(range.group(1));
        if (from >= content.length) {
            out.set("Content-Range", "bytes */" + content.length);
            respond(exchange, 416, null, 0);
            return;
        }
        out.set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        respond(exchange, 206, content, from);
    }

    private void sendStatus(HttpExchange exchange, int status, String errorCode) throws IOException {
        if (errorCode != null) {
            exchange.getResponseHeaders().set("X-Error-Code", errorCode);
        }
        respond(exchange, status, null, 0);
    }

    /** Records the request before answering, so a client that has its answer always finds it recorded. */
    private void respond(HttpExchange exchange, int status, byte[] content, int from) throws IOException {
        long length = content == null ? 0 : content.length - from;
        Headers in = exchange.getRequestHeaders();
        requests.add(new Request(exchange.getRequestMethod(), in.getFirst("Host"), exchange.getRequestURI().getRawPath(),
                in.getFirst("Authorization"), in.getFirst("Range"), length));
        exchange.sendResponseHeaders(status, content == null || exchange.getRequestMethod().equals("HEAD") ? -1 : length);
        if (content != null && length > 0) {
            exchange.getResponseBody().write(content, from, (int) length);
        }
    }

    private void awaitGate() {
        try {
            if (!cdnGate.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the expected HEAD requests never came");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment, StandardCharsets.UTF_8);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
