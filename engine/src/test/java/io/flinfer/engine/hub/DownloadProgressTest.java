package io.flinfer.engine.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DownloadProgressTest {
    private final List<String> lines = new ArrayList<>();

    @Test
    void bigFileReportsEachTenthOnce() {
        DownloadProgress progress = new DownloadProgress(lines::add, "model.safetensors", 2_000_000, 1_000_000);

        progress.started(0);
        for (long bytes = 65_536; bytes < 2_000_000; bytes += 65_536) {
            progress.advanced(bytes);
        }
        progress.advanced(2_000_000);

        assertThat(lines).first().isEqualTo("downloading model.safetensors (2.0 MB)");
        assertThat(lines.subList(1, lines.size())).containsExactly(
                "model.safetensors: 10% of 2.0 MB", "model.safetensors: 20% of 2.0 MB", "model.safetensors: 30% of 2.0 MB",
                "model.safetensors: 40% of 2.0 MB", "model.safetensors: 50% of 2.0 MB", "model.safetensors: 60% of 2.0 MB",
                "model.safetensors: 70% of 2.0 MB", "model.safetensors: 80% of 2.0 MB", "model.safetensors: 90% of 2.0 MB",
                "model.safetensors: 100% of 2.0 MB");
    }

    @Test
    void resumedFileCountsFromWhereItResumed() {
        DownloadProgress progress = new DownloadProgress(lines::add, "model.safetensors", 2_000_000, 1_000_000);

        progress.started(1_100_000);
        progress.advanced(1_150_000);
        progress.advanced(1_200_000);

        assertThat(lines).containsExactly("downloading model.safetensors (2.0 MB), resuming at 1.1 MB",
                "model.safetensors: 60% of 2.0 MB");
    }

    @Test
    void sizesReadInTheirOwnUnit() {
        new DownloadProgress(lines::add, "a", 45_300, 1_000_000).started(0);
        new DownloadProgress(lines::add, "b", 16_060_000_000L, Long.MAX_VALUE).started(0);
        new DownloadProgress(lines::add, "c", -1, 1_000_000).started(0);

        assertThat(lines).containsExactly("downloading a (45.3 kB)", "downloading b (16.1 GB)", "downloading c");
    }

    @Test
    void smallFileGetsOnlyItsStartLine() {
        DownloadProgress progress = new DownloadProgress(lines::add, "config.json", 600, 1_000_000);

        progress.started(0);
        progress.advanced(600);

        assertThat(lines).containsExactly("downloading config.json (600 bytes)");
    }
}
