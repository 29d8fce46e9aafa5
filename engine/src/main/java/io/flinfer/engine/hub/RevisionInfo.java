package io.flinfer.engine.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** What the Hub's {@code /api/models|datasets/{repo}/revision/{revision}} says: the commit and the file names in it. */
record RevisionInfo(String commit, List<String> files) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static RevisionInfo parse(byte[] json, HubRepo repo) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ModelSourceException("the Hub sent unreadable info for " + repo + ": " + e.getMessage(), e);
        }
        String sha = root.path("sha").asText("");
        if (!HubCache.isCommitHash(sha)) {
            throw new ModelSourceException("the Hub's info for " + repo + " has no commit sha (got '" + sha + "')");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode sibling : root.path("siblings")) {
            files.add(sibling.path("rfilename").asText());
        }
        return new RevisionInfo(sha, List.copyOf(files));
    }
}
