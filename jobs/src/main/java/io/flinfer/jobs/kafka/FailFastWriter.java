package io.flinfer.jobs.kafka;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.connector.kafka.sink.TwoPhaseCommittingStatefulSink.PrecommittingStatefulSinkWriter;

/**
 * A Kafka sink writer whose failures from a denial become {@link KafkaAccessDenied}. The writer reports a
 * failed send on the next write or flush, so those are where it is caught.
 */
final class FailFastWriter<T, S, C> implements PrecommittingStatefulSinkWriter<T, S, C> {
    private final PrecommittingStatefulSinkWriter<T, S, C> writer;
    private final KafkaAccess access;

    FailFastWriter(PrecommittingStatefulSinkWriter<T, S, C> writer, KafkaAccess access) {
        this.writer = writer;
        this.access = access;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        try {
            writer.write(element, context);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        try {
            writer.flush(endOfInput);
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public Collection<C> prepareCommit() throws IOException, InterruptedException {
        try {
            return writer.prepareCommit();
        } catch (IOException | RuntimeException e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
        writer.writeWatermark(watermark);
    }

    @Override
    public List<S> snapshotState(long checkpointId) throws IOException {
        return writer.snapshotState(checkpointId);
    }

    @Override
    public void close() throws Exception {
        writer.close();
    }
}
