package io.flinfer.jobs.kafka;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A Kafka source whose failures from a denial (credentials, certificate, ACL) end the job instead of
 * restarting it forever: its readers and its split enumerator (which lists partitions and committed
 * offsets on the JobManager) rethrow them as {@link KafkaAccessDenied}. Otherwise it is the source it wraps.
 */
public final class FailFastSource<T, S extends SourceSplit, E> implements Source<T, S, E>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> source;
    private final TypeInformation<T> type;
    private final KafkaAccess access;

    public <K extends Source<T, S, E> & ResultTypeQueryable<T>> FailFastSource(K source, KafkaAccess access) {
        this.source = source;
        this.type = source.getProducedType();
        this.access = access;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
        try {
            return new FailFastReader<>(source.createReader(context), access);
        } catch (Exception e) {
            access.throwIfDenied(e);
            throw e;
        }
    }

    @Override
    public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context) throws Exception {
        return source.createEnumerator(new FailFastEnumeratorContext<>(context, access));
    }

    @Override
    public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint) throws Exception {
        return source.restoreEnumerator(new FailFastEnumeratorContext<>(context, access), checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }
}
