package io.flinfer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Arrival times are a Poisson process of the asked rate, reproducible from the seed; inf sends all at once. */
class PoissonPublisherTest {
    @Test
    void gapsAreExponentialWithTheMeanOfTheRate() {
        double rate = 4;
        long[] offsets = PoissonPublisher.arrivalOffsetsNanos(4000, rate, 7);
        assertThat(offsets).isSorted();
        assertThat(offsets[0]).isZero();
        double[] gaps = new double[offsets.length - 1];
        for (int i = 1; i < offsets.length; i++) {
            gaps[i - 1] = (offsets[i] - offsets[i - 1]) / 1e9;
        }
        double mean = Arrays.stream(gaps).average().orElseThrow();
        assertThat(mean).as("mean gap, 1/rate").isCloseTo(1 / rate, offset(0.1 / rate));
        // An exponential's standard deviation equals its mean (a fixed schedule would have none).
        double sd = Math.sqrt(Arrays.stream(gaps).map(g -> (g - mean) * (g - mean)).average().orElseThrow());
        assertThat(sd).isCloseTo(mean, offset(0.1 * mean));
        assertThat(PoissonPublisher.arrivalOffsetsNanos(4000, rate, 7)).as("same seed, same arrivals").containsExactly(offsets);
    }

    @Test
    void anInfiniteRateSendsEverythingAtOnce() {
        assertThat(PoissonPublisher.arrivalOffsetsNanos(10, Double.POSITIVE_INFINITY, 7)).containsOnly(0L);
    }
}
