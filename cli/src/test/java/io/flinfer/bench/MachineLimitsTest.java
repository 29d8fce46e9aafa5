package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flinfer.bench.GemmBenchmark.GemmShape;
import io.flinfer.bench.GemmBenchmark.Timing;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MachineLimitsTest {
    private static final GemmShape SHAPE = new GemmShape("read", 1, 8, 8);

    @Test
    void bandwidthIsTheBestReadersMedianNotItsLuckiestRead() {
        List<Timing> reads = List.of(
                read("onednn", 21), read("onednn", 60), read("onednn", 22), read("onednn", 23), read("onednn", 20),
                read("stream_read", 30), read("stream_read", 31), read("stream_read", 5), read("stream_read", 29),
                read("stream_read", 30),
                new Timing(SHAPE, 2, "mkl_packed", 0, 0, "not on this CPU"));
        // onednn's one read at 60 does not win; stream_read's median (30) does, its slow read ignored.
        assertThat(MachineLimits.bestMedian(reads)).isEqualTo(Map.entry("stream_read", 30.0));
    }

    @Test
    void noReaderThatRanIsAnError() {
        assertThatThrownBy(() -> MachineLimits.bestMedian(List.of(new Timing(SHAPE, 2, "onednn", 0, 0, "failed"))))
                .hasMessage("no bandwidth reader ran here");
    }

    private static Timing read(String reader, double gbPerSecond) {
        return new Timing(SHAPE, 2, reader, 0, gbPerSecond, null);
    }
}
