package io.flinfer.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which snapshot a start resumes from, and which state it refuses. The snapshots here are metadata files
 * written by Flink's own serializer, laid out as Flink lays out retained checkpoints and savepoints.
 */
class StateDirectoryTest {
    private static final Map<String, String> JOB = Map.of("input.topic", "prompts", "group.id", "flinfer", "kafka.cluster.id", "c1");

    @Test
    void resumesFromTheNewestCompleteSnapshotAndPassesOverOneTheProcessDiedWriting(@TempDir Path root) throws IOException {
        StateDirectory state = StateDirectory.open(root, JOB, false);
        assertThat(state.latest()).isEmpty();
        snapshot(state.checkpoints().resolve("job1/chk-7"), 7);
        snapshot(state.savepoints().resolve("savepoint-job1-abc"), 8);
        snapshot(state.checkpoints().resolve("job2/chk-12"), 12);
        Files.createDirectories(state.checkpoints().resolve("job2/chk-13"));       // in progress: no metadata yet
        Files.write(Files.createDirectories(state.checkpoints().resolve("job2/chk-14")).resolve("_metadata"),
                new byte[] {1, 2, 3});                                              // cut short by a kill

        StateDirectory.Snapshot latest = state.latest().orElseThrow();
        assertThat(latest.checkpointId()).isEqualTo(12);
        assertThat(latest.directory()).isEqualTo(state.checkpoints().resolve("job2/chk-12"));
        assertThat(latest.savepoint()).isFalse();

        state.keepOnly(Optional.of(latest));
        assertThat(state.checkpoints().resolve("job1")).doesNotExist();
        assertThat(state.savepoints().resolve("savepoint-job1-abc")).doesNotExist();
        assertThat(state.latest()).contains(latest);
    }

    @Test
    void aSavepointNewerThanTheLastCheckpointWins(@TempDir Path root) throws IOException {
        StateDirectory state = StateDirectory.open(root, JOB, false);
        snapshot(state.checkpoints().resolve("job1/chk-20"), 20);
        snapshot(state.savepoints().resolve("savepoint-job1-def"), 21);
        assertThat(state.latest()).hasValueSatisfying(s -> assertThat(s.savepoint()).isTrue());
    }

    @Test
    void refusesStateOfAnotherJobUnlessFresh(@TempDir Path root) throws IOException {
        StateDirectory state = StateDirectory.open(root, JOB, false);
        snapshot(state.checkpoints().resolve("job1/chk-3"), 3);
        Map<String, String> otherTopic = Map.of("input.topic", "other", "group.id", "flinfer", "kafka.cluster.id", "c1");

        assertThatThrownBy(() -> StateDirectory.open(root, otherTopic, false))
                .isInstanceOf(StateDirectory.IncompatibleStateException.class)
                .hasMessageContaining("input.topic prompts (this run: other)").hasMessageContaining("--fresh");
        assertThat(StateDirectory.open(root, JOB, false).latest()).as("the same job resumes").isPresent();
        assertThat(StateDirectory.open(root, otherTopic, true).latest()).as("--fresh starts over").isEmpty();
    }

    @Test
    void aTemporaryFolderGoesOnClose() throws IOException {
        Path root;
        try (StateDirectory state = StateDirectory.temporary()) {
            root = state.root();
            snapshot(state.checkpoints().resolve("job/chk-1"), 1);
        }
        assertThat(root).doesNotExist();
    }

    private static void snapshot(Path dir, long checkpointId) throws IOException {
        Files.createDirectories(dir);
        try (OutputStream out = Files.newOutputStream(dir.resolve("_metadata"))) {
            Checkpoints.storeCheckpointMetadata(new CheckpointMetadata(checkpointId, List.of(), List.of()), out);
        }
    }
}
