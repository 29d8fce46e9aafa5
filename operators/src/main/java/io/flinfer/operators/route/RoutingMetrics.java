package io.flinfer.operators.route;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * What routing delivered to one generate subtask: every request it received, and those whose prefix's
 * first choice on the ring is another subtask (moved by the load bound, or a hot prefix's extra
 * replica). Counted where the requests arrive, because the partitioner that routes them has no metrics.
 */
public final class RoutingMetrics {
    private final HashRing ring;
    private final int subtask;
    private final Counter routed;
    private final Counter spills;

    /** @param subtask this generate subtask's index, of {@code subtasks} */
    public RoutingMetrics(MetricGroup group, int subtask, int subtasks) {
        this.ring = new HashRing(subtasks);
        this.subtask = subtask;
        this.routed = group.counter("routed_requests");
        this.spills = group.counter("routing_spills");
    }

    public void received(String prefixKey) {
        routed.inc();
        if (ring.preference(prefixKey)[0] != subtask) {
            spills.inc();
        }
    }
}
