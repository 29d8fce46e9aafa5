package io.flinfer.jobs.batch;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Passes the first item of each custom_id; later ones go to {@link #DUPLICATES} and are answered
 * with an error, so a duplicate id never gets two results. Remembers one flag per id in keyed state
 * (checkpointed, so a resumed run still knows the ids it saw).
 */
public final class FirstOfEachKey extends KeyedProcessFunction<String, BatchItem, BatchItem> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<BatchItem> DUPLICATES = new OutputTag<>("duplicates") {};

    private transient ValueState<Boolean> seen;

    @Override
    public void open(OpenContext context) {
        seen = getRuntimeContext().getState(new ValueStateDescriptor<>("seen", Boolean.class));
    }

    @Override
    public void processElement(BatchItem item, Context ctx, Collector<BatchItem> out) throws Exception {
        if (seen.value() != null) {
            ctx.output(DUPLICATES, item);
            return;
        }
        seen.update(true);
        out.collect(item);
    }
}
