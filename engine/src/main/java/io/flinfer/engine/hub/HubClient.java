package io.flinfer.engine.hub;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The three Hub calls a snapshot needs: the revision's file list, one file's metadata (HEAD), and
 * the file's bytes (GET, optionally from an offset). Turns HTTP failures into messages that say what
 * to do, with the Hub's {@code X-Error-Code} header telling "no such repository" from "no access".
 *
 * <p>Redirects are followed here rather than by {@link HttpClient}, so that the token goes only to
 * the Hub itself (never to the CDN it redirects downloads to) and the Range header survives each hop.
 */
final class HubClient {
    private static final int MAX_REDIRECTS = 10;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration HEADERS_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern SAFE_ETAG = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");
    private static final String USER_AGENT = "flinfer/" + Objects.requireNonNullElse(
            HubClient.class.getPackage().getImplementationVersion(), "dev") + "; java/" + Runtime.version().feature();

    private final HubSettings settings;
    private final URI endpoint;
    private final HttpClient http;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.endpoint = URI.create(settings.endpoint() + "/");
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    RevisionInfo revisionInfo(HubRepo repo, String revision) {
        URI uri = endpoint.resolve(repo.revisionApiPath(encode(revision)));
        HttpResponse<byte[]> response = exchange("GET", uri, 0, BodyHandlers.ofByteArray(), false, repo, revision);
        failUnlessSuccess(response, repo, revision, null);
        return RevisionInfo.parse(response.body(), repo);
    }

    /** HEAD on the resolve URL; stops at a redirect to another host, whose headers carry the LFS etag. */
    FileMetadata fileMetadata(HubRepo repo, String commit, String file) {
        HttpResponse<Void> response = exchange("HEAD", resolveUri(repo, commit, file), 0,
                BodyHandlers.discarding(), false, repo, commit);
        if (!isRedirect(response.statusCode())) {
            failUnlessSuccess(response, repo, commit, file);
        }
        HttpHeaders headers = response.headers();
        String etag = headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag"))
                .map(FileMetadata::normalizeEtag)
                .orElseThrow(() -> new ModelSourceException("the Hub sent no ETag for " + file + " of " + repo.id()
                        + " at " + settings.endpoint() + ", so it cannot be cached; is HF_ENDPOINT a Hugging Face Hub?"));
        if (!SAFE_ETAG.matcher(etag).matches()) {
            throw new ModelSourceException("the Hub sent an ETag that cannot name a cache file for " + file + ": " + etag);
        }
        long size = headers.firstValueAsLong("X-Linked-Size")
                .orElse(isRedirect(response.statusCode()) ? -1 : headers.firstValueAsLong("Content-Length").orElse(-1));
        return new FileMetadata(etag, size);
    }

    /**
     * GET of a file from {@code offset} on, through all redirects. Answers 200 (whole file), 206 (the
     * rest) or 416 (offset at or past the end); every other status becomes an exception.
     */
    HttpResponse<InputStream> download(HubRepo repo, String commit, String file, long offset) {
        HttpResponse<InputStream> response = exchange("GET", resolveUri(repo, commit, file), offset,
                BodyHandlers.ofInputStream(), true, repo, commit);
        int status = response.statusCode();
        if (status == 200 || status == 206 || (status == 416 && offset > 0)) {
            return response;
        }
        closeBody(response);
        failUnlessSuccess(response, repo, commit, file);
        throw new ModelSourceException("the Hub answered HTTP " + status + " to a download of " + file + " of " + repo.id());
    }

    private URI resolveUri(HubRepo repo, String commit, String file) {
        return endpoint.resolve(repo.resolvePath(encode(commit), encodePath(file)));
    }

    private <T> HttpResponse<T> exchange(String method, URI uri, long offset, BodyHandler<T> handler,
            boolean followToOtherHosts, HubRepo repo, String revision) {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpResponse<T> response = send(request(method, current, offset), handler, repo, revision);
            Optional<String> location = response.headers().firstValue("Location");
            if (!isRedirect(response.statusCode()) || location.isEmpty()) {
                return response;
            }
            URI next = current.resolve(location.get());
            if (!followToOtherHosts && !sameOrigin(next, current)) {
                return response;
            }
            closeBody(response);
            current = next;
        }
        throw new ModelSourceException("more than " + MAX_REDIRECTS + " redirects from " + uri);
    }

    private HttpRequest request(String method, URI uri, long offset) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(HEADERS_TIMEOUT)
                .header("User-Agent", USER_AGENT);
        if (settings.token() != null && sameOrigin(uri, endpoint)) {
            builder.header("Authorization", "Bearer " + settings.token());
        }
        if (offset > 0) {
            builder.header("Range", "bytes=" + offset + "-");
        }
        return builder.build();
    }

    private <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler, HubRepo repo, String revision) {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw new HubUnreachableException("could not reach the Hugging Face Hub at " + settings.endpoint()
                    + " to get " + repo + " (revision " + revision + "): " + e
                    + ". Without network access, pass " + repo.localAlternative() + " instead, or set HF_HUB_OFFLINE=1 with a"
                    + " Hugging Face cache that already holds the " + repo.noun() + " (looked in " + settings.hubCache() + ").", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelSourceException("interrupted while talking to the Hugging Face Hub about " + repo.id(), e);
        }
    }

    private void failUnlessSuccess(HttpResponse<?> response, HubRepo repo, String revision, String file) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        String errorCode = response.headers().firstValue("X-Error-Code").orElse("");
        String tokenHint = settings.token() == null
                ? " If it is private or gated, set HF_TOKEN to an access token of an account that may read it."
                : "";
        // Anonymous requests for a private repository also get "RepoNotFound", so the Hub does not leak its existence.
        if (errorCode.equals("RepoNotFound") || errorCode.equals("RevisionNotFound") || (status == 404 && file == null)) {
            throw new ModelSourceException(repo + " not found on the Hub (revision " + revision + ")."
                    + " Check the " + repo.noun() + " id and revision." + tokenHint);
        }
        if (status == 401 || status == 403) {
            String what = errorCode.equals("GatedRepo") ? "is gated: accept its terms on the " + repo.noun() + " page, and " : "may be private or gated: ";
            String advice = settings.token() == null
                    ? "set HF_TOKEN to an access token (https://huggingface.co/settings/tokens) of an account that may read it."
                    : "the HF_TOKEN that was sent is invalid or its account has no access; check the token.";
            throw new ModelSourceException("the Hub refused access to " + repo + " (HTTP " + status + "). It "
                    + what + advice);
        }
        if (status == 404) {
            throw new ModelSourceException("file " + file + " of " + repo + " not found on the Hub (revision "
                    + revision + "), though the " + repo.noun() + "'s file list names it.");
        }
        throw new ModelSourceException("the Hub at " + settings.endpoint() + " answered HTTP " + status + " for "
                + response.uri() + (errorCode.isEmpty() ? "" : " (" + errorCode + ")") + "; try again later.");
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && a.getPort() == b.getPort();
    }

    private static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Each segment of a path in the repository ({@code data/train-0.parquet}) encoded, the slashes kept. */
    private static String encodePath(String file) {
        StringBuilder encoded = new StringBuilder();
        for (String segment : file.split("/", -1)) {
            encoded.append(encoded.length() == 0 ? "" : "/").append(encode(segment));
        }
        return encoded.toString();
    }

    private static void closeBody(HttpResponse<?> response) {
        if (response.body() instanceof Closeable body) {
            try {
                body.close();
            } catch (IOException ignored) {
                // Only frees the connection; nothing was read from it.
            }
        }
    }
}
