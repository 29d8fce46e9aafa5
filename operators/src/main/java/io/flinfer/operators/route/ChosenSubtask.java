package io.flinfer.operators.route;

import org.apache.flink.api.common.functions.Partitioner;

/**
 * Sends a routed request to the subtask its {@link RouteFunction} chose ({@code PreparedRequest.subtask()}). The choice is made there,
 * not here, because a {@code Partitioner} has no metrics and no lifecycle.
 */
public final class ChosenSubtask implements Partitioner<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public int partition(Integer subtask, int numPartitions) {
        if (subtask >= numPartitions) {
            throw new IllegalStateException("routed to generate subtask " + subtask + " of " + numPartitions
                    + ": route and generate must run with the same parallelism");
        }
        return subtask;
    }
}
