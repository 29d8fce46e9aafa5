package io.flinfer.engine.hub;

/**
 * A repository on the Hugging Face Hub. Models and datasets are served and cached alike; they
 * differ in their URLs ({@code /api/models/...} vs {@code /api/datasets/...}, {@code /org/name/resolve/}
 * vs {@code /datasets/org/name/resolve/}) and cache folder names ({@code models--} vs {@code datasets--}).
 */
record HubRepo(Kind kind, String id) {
    enum Kind {
        MODEL("models", "", "model", "a local model folder"),
        DATASET("datasets", "datasets/", "dataset", "local files");

        private final String plural;
        private final String urlPrefix;
        private final String noun;
        private final String localAlternative;

        Kind(String plural, String urlPrefix, String noun, String localAlternative) {
            this.plural = plural;
            this.urlPrefix = urlPrefix;
            this.noun = noun;
            this.localAlternative = localAlternative;
        }
    }

    static HubRepo model(String id) {
        return new HubRepo(Kind.MODEL, id);
    }

    static HubRepo dataset(String id) {
        return new HubRepo(Kind.DATASET, id);
    }

    /** Relative to the endpoint; the revision already URL-encoded. */
    String revisionApiPath(String encodedRevision) {
        return "api/" + kind.plural + "/" + id + "/revision/" + encodedRevision;
    }

    /** Relative to the endpoint; commit and file already URL-encoded. */
    String resolvePath(String encodedCommit, String encodedFile) {
        return kind.urlPrefix + id + "/resolve/" + encodedCommit + "/" + encodedFile;
    }

    /** As huggingface_hub names it: {@code models--org--name} or {@code datasets--org--name}. */
    String cacheFolderName() {
        return kind.plural + "--" + id.replace("/", "--");
    }

    String noun() {
        return kind.noun;
    }

    /** What to use instead when the Hub cannot be reached. */
    String localAlternative() {
        return kind.localAlternative;
    }

    /** "model org/name" or "dataset org/name", for messages. */
    @Override
    public String toString() {
        return kind.noun + " " + id;
    }
}
