package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.operators.records.ServedModel;
import java.io.Serializable;

/**
 * A model of a job that serves several: its engine, the names requests give to reach it, and the
 * parallelism of its generate operator (0: the job's).
 */
public record ModelRoute(EngineConfig engine, ServedModel served, int parallelism) implements Serializable {
    public ModelRoute {
        if (parallelism < 0) {
            throw new IllegalArgumentException("a model's parallelism must not be negative, got " + parallelism);
        }
    }

    /** The name its operators and its slot sharing group carry. */
    public String name() {
        return served.name();
    }
}
