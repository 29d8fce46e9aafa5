package io.flinfer.jobs.kafka;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * Kafka refused who we are or what we asked to do: wrong credentials, an untrusted certificate, a missing
 * ACL. Retrying cannot fix it, so Flink does not restart a job that fails with it anywhere in its cause
 * chain (the annotation), and commands stop with exit code 2. The message says what to fix.
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public final class KafkaAccessDenied extends RuntimeException {
    private static final long serialVersionUID = 1L;

    KafkaAccessDenied(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first denial in {@code failure}'s cause chain, if any. */
    public static java.util.Optional<KafkaAccessDenied> in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof KafkaAccessDenied denied) {
                return java.util.Optional.of(denied);
            }
        }
        return java.util.Optional.empty();
    }
}
