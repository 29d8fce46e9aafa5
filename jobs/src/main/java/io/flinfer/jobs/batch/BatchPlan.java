package io.flinfer.jobs.batch;

import java.io.IOException;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * A batch run worked out from its arguments: the job's options, and where its finished output goes.
 *
 * @param workDir the run's folder: part files (and, locally, checkpoints) until the output is committed
 */
public record BatchPlan(BatchOptions options, Path output, Path workDir) {

    /** Merges the finished run's part files into the output; returns how many there were. */
    public int commit() throws IOException {
        BatchOptions o = options;
        return OutputCommit.commit(new Path(o.parts()), output, o.outputFormat(),
                o.outputSchema() == null ? null : MessageTypeParser.parseMessageType(o.outputSchema()));
    }

    /** Where a work folder goes when none is named: hidden beside the output, so it never looks like one. */
    public static Path defaultWorkDir(Path output) {
        return new Path(output.getParent(), "." + output.getName() + ".flinfer-batch");
    }
}
