package io.flinfer.jobs.batch;

/** A Hugging Face Hub dataset as batch input: {@code hf://datasets/ORG/NAME}. */
final class HubDatasetInput {
    static final String PREFIX = "hf://datasets/";

    private HubDatasetInput() {}

    static boolean isHubDataset(String input) {
        return input.startsWith(PREFIX);
    }

    static BatchInput resolve(String input, String revision, String split) {
        throw new UnsupportedOperationException("Hub datasets are not supported yet: " + input);
    }
}
