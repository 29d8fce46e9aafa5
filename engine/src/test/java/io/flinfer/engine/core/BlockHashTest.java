package io.flinfer.engine.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BlockHashTest {
    @Test
    void chainDependsOnEveryEarlierBlockAndTheSalt() {
        int[] a = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        int[] b = {1, 2, 3, 9, 5, 6, 7, 8, 9};
        BlockHash[] ha = BlockHash.chain(a, 4, null);
        BlockHash[] hb = BlockHash.chain(b, 4, null);
        assertThat(ha).hasSize(2); // only full blocks
        assertThat(ha[0]).isNotEqualTo(hb[0]);
        assertThat(ha[1].value()).as("same tokens, different parent").isNotEqualTo(hb[1].value());
        assertThat(BlockHash.chain(a, 4, null)[1]).isEqualTo(ha[1]);
        assertThat(BlockHash.chain(a, 4, "tenant-1")[0]).isNotEqualTo(ha[0]);
    }

    @Test
    void equalityComparesTokensNotJustTheDigest() {
        BlockHash real = BlockHash.of(BlockHash.ROOT, new int[] {1, 2}, null);
        BlockHash collision = new BlockHash(real.value(), real.parent(), new int[] {7, 7}, null);
        assertThat(collision).isNotEqualTo(real);
        assertThat(collision.hashCode()).isEqualTo(real.hashCode());
    }

    @Test
    void theAdapterIsAnExtraKeyThatNoPlainSaltImitates() {
        assertThat(BlockHash.extraKeys(null, "tenant-1")).as("base-model hashes unchanged").isEqualTo("tenant-1");
        assertThat(BlockHash.extraKeys(null, null)).isNull();
        List<String> keys = List.of(
                BlockHash.extraKeys("a", null), BlockHash.extraKeys("a", "s"), BlockHash.extraKeys("b", null),
                BlockHash.extraKeys("a\0", null), BlockHash.extraKeys(null, BlockHash.extraKeys("a", null)),
                BlockHash.extraKeys(null, "\0lora\0a\0s"), BlockHash.extraKeys(null, "s"));
        assertThat(keys).doesNotHaveDuplicates().doesNotContainNull();
    }
}
