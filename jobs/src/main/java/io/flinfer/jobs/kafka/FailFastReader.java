package io.flinfer.jobs.kafka;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.InputStatus;

/** A source reader whose fetch failures from a denial become {@link KafkaAccessDenied}: the fetchers fail there. */
final class FailFastReader<T, S extends SourceSplit> implements SourceReader<T, S> {
    private final SourceReader<T, S> reader;
    private final KafkaAccess access;

    FailFastReader(SourceReader<T, S> reader, KafkaAccess access) {
        this.reader = reader;
        this.access = access;
    }

    @Override
    public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
        try {
            return reader.pollNext(output);
        } catch (Exception e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public void start() {
        reader.start();
    }

    @Override
    public List<S> snapshotState(long checkpointId) {
        return reader.snapshotState(checkpointId);
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return reader.isAvailable();
    }

    @Override
    public void addSplits(List<S> splits) {
        reader.addSplits(splits);
    }

    @Override
    public void notifyNoMoreSplits() {
        reader.notifyNoMoreSplits();
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        reader.handleSourceEvents(event);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        reader.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        reader.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void pauseOrResumeSplits(Collection<String> toPause, Collection<String> toResume) {
        reader.pauseOrResumeSplits(toPause, toResume);
    }

    @Override
    public void close() throws Exception {
        reader.close();
    }
}
