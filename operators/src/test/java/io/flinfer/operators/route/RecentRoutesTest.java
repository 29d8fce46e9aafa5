package io.flinfer.operators.route;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentRoutesTest {
    @Test
    void oldDecisionsFallOutOfTheWindow() {
        RecentRoutes recent = new RecentRoutes(3, 2);
        recent.add("a", 0);
        recent.add("a", 0);
        recent.add("b", 1);
        assertThat(recent.size()).isEqualTo(3);
        assertThat(recent.ofKey("a")).isEqualTo(2);
        recent.add("b", 1);
        recent.add("b", 1);
        assertThat(recent.size()).isEqualTo(3);
        assertThat(recent.ofKey("a")).isZero();
        assertThat(recent.ofKey("b")).isEqualTo(3);
        assertThat(recent.toTarget(0)).isZero();
        assertThat(recent.toTarget(1)).isEqualTo(3);
    }
}
