package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which kernels a CPU's flags allow, as /proc/cpuinfo names them. */
class CpuFeaturesTest {
    @Test
    void bf16NeedsAvx512Bf16OrAmx() {
        assertThat(CpuFeatures.hasBf16(Set.of("avx512f", "avx512_bf16"))).isTrue();
        assertThat(CpuFeatures.hasBf16(Set.of("avx512f", "amx_bf16"))).isTrue();
        assertThat(CpuFeatures.hasBf16(Set.of("avx2", "avx512f"))).isFalse();
    }

    @Test
    void fullEightBitActivationsNeedVnniOrAmx() {
        assertThat(CpuFeatures.hasInt8DotProducts(Set.of("avx512f", "avx512_vnni"), null)).isTrue();
        assertThat(CpuFeatures.hasInt8DotProducts(Set.of("avx2", "avx_vnni"), null)).isTrue();
        assertThat(CpuFeatures.hasInt8DotProducts(Set.of("avx512f", "amx_int8"), null)).isTrue();
        assertThat(CpuFeatures.hasInt8DotProducts(Set.of("avx2", "avx512f", "avx512bw"), null)).isFalse();
    }

    @Test
    void fbgemmForcedToAnIsaWithoutVnniSumsInSixteenBits() {
        Set<String> zen5 = Set.of("avx2", "avx512f", "avx512_vnni", "avx_vnni");
        assertThat(CpuFeatures.hasInt8DotProducts(zen5, "AVX2")).isFalse();
        assertThat(CpuFeatures.hasInt8DotProducts(zen5, "AVX512")).isFalse();
        assertThat(CpuFeatures.hasInt8DotProducts(zen5, "AVX512_256")).isFalse();
        assertThat(CpuFeatures.hasInt8DotProducts(zen5, "AVX512_E1")).isTrue();
        assertThat(CpuFeatures.hasInt8DotProducts(Set.of("avx2"), "AVX512_E1")).as("the CPU still decides").isFalse();
    }
}
