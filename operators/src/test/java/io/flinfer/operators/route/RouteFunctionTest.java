package io.flinfer.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.flinfer.engine.sampling.SamplingParams;
import io.flinfer.operators.records.Endpoint;
import io.flinfer.operators.records.PreparedRequest;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The routing function in Flink's operator test harness, as the first of 4 parallel routing subtasks:
 * it stamps each request with its generate subtask. (Its metrics sit in key/value groups, which the
 * harness's metric groups do not record; the pipeline tests read them from a MiniCluster.)
 */
class RouteFunctionTest {
    private static final int SUBTASKS = 4;

    @Test
    void routesBySharedPrefixOverEverySubtaskAndCountsEachTarget() throws Exception {
        try (var harness = harness(0.25)) {
            for (int i = 0; i < 100; i++) {
                harness.processElement(new StreamRecord<>(request("r" + i, "p:system-prompt")));
            }
            Map<Integer, Long> bySubtask = routed(harness).stream()
                    .collect(Collectors.groupingBy(PreparedRequest::subtask, Collectors.counting()));
            assertThat(bySubtask).containsOnlyKeys(0, 1, 2, 3).allSatisfy((s, n) -> assertThat(n).isBetween(20L, 30L));
        }
    }

    @Test
    void distinctPrefixesAtEvenLoadEachKeepOneSubtaskWithoutSpills() throws Exception {
        List<String> keys = BoundedLoadRouterTest.keysWithFirstChoicesInTurn(new HashRing(SUBTASKS), 64);
        try (var harness = harness(0.25)) {
            for (int round = 0; round < 4; round++) {
                for (String key : keys) {
                    harness.processElement(new StreamRecord<>(request(key + "-" + round, key)));
                }
            }
            Map<String, List<Integer>> subtasksByKey = routed(harness).stream().collect(Collectors.groupingBy(
                    PreparedRequest::prefixKey, Collectors.mapping(PreparedRequest::subtask, Collectors.toList())));
            assertThat(subtasksByKey).hasSize(keys.size())
                    .allSatisfy((key, subtasks) -> assertThat(subtasks).as(key).hasSize(4).containsOnly(subtasks.get(0)));
        }
    }

    private static OneInputStreamOperatorTestHarness<PreparedRequest, PreparedRequest> harness(double balance) throws Exception {
        var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new RouteFunction(balance)), 128, SUBTASKS, 0);
        harness.open();
        return harness;
    }

    private static PreparedRequest request(String customId, String prefixKey) {
        return new PreparedRequest(customId, Endpoint.COMPLETION, "m", new int[] {1}, SamplingParams.builder().seed(0L).build(),
                null, prefixKey);
    }

    private static List<PreparedRequest> routed(OneInputStreamOperatorTestHarness<PreparedRequest, PreparedRequest> harness) {
        return harness.extractOutputValues();
    }
}
