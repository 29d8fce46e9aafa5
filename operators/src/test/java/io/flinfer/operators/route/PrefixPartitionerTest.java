package io.flinfer.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.flink.runtime.plugable.SerializationDelegate;
import org.apache.flink.streaming.runtime.partitioner.CustomPartitionerWrapper;
import org.apache.flink.streaming.runtime.partitioner.StreamPartitioner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * The partitioner as Flink runs it: wrapped in Flink's {@code CustomPartitionerWrapper}, one copy per
 * upstream subtask, set up with the number of generate subtasks.
 */
class PrefixPartitionerTest {
    private static final CustomPartitionerWrapper<String, String> EDGE =
            new CustomPartitionerWrapper<>(new PrefixPartitioner(0.25), key -> key);

    @Test
    void oneSharedPrefixSpreadsOverEveryGenerateSubtask() {
        int[] load = route(upstream(4), "p:system-prompt", 100);
        assertThat(Arrays.stream(load).boxed()).allSatisfy(n -> assertThat(n).isBetween(20, 30));
    }

    /** The autoscaler may give generate another parallelism than the routing vertex: the ring follows generate. */
    @Test
    void theRingHasOnePlacePerGenerateSubtask() {
        int[] load = route(upstream(3), "p:system-prompt", 90);
        assertThat(Arrays.stream(load).boxed()).hasSize(3).allSatisfy(n -> assertThat(n).isBetween(24, 36));
    }

    @Test
    void eachUpstreamSubtaskCountsOnlyItsOwnDecisionsAndAllAgreeOnFirstChoices() {
        StreamPartitioner<String> busy = upstream(4);
        route(busy, "p:system-prompt", 100);
        int firstChoice = new HashRing(4).preference("p:system-prompt")[0];
        assertThat(channel(upstream(4), "p:system-prompt")).as("a fresh copy, as after a restart").isEqualTo(firstChoice);
        assertThat(channel(busy, "p:other")).isEqualTo(new HashRing(4).preference("p:other")[0]);
    }

    private static StreamPartitioner<String> upstream(int generateSubtasks) {
        StreamPartitioner<String> copy = EDGE.copy();
        copy.setup(generateSubtasks);
        return copy;
    }

    private static int[] route(StreamPartitioner<String> partitioner, String key, int requests) {
        int[] load = new int[16];
        int channels = 0;
        for (int i = 0; i < requests; i++) {
            int c = channel(partitioner, key);
            load[c]++;
            channels = Math.max(channels, c + 1);
        }
        return Arrays.copyOf(load, channels);
    }

    private static int channel(StreamPartitioner<String> partitioner, String key) {
        SerializationDelegate<StreamRecord<String>> record = new SerializationDelegate<>(null);
        record.setInstance(new StreamRecord<>(key));
        return partitioner.selectChannel(record);
    }
}
