package io.flinfer.operators.prepare;

import io.flinfer.engine.core.BlockHash;
import java.util.Arrays;

/**
 * The routing key of a prompt: the hash of its first full KV blocks, from the same hash chain the
 * engine's prefix cache uses, so requests that share a prefix meet the same engine and its cache.
 * Only the first {@code maxBlocks} blocks count: enough to tell system prompts apart, few enough that
 * the distinct tail of each prompt does not scatter them. A prompt shorter than one block has no
 * prefix to share and is keyed by its custom_id.
 */
public final class PrefixKey {
    private PrefixKey() {}

    public static String of(int[] promptIds, int blockSize, int maxBlocks, String cacheSalt, String customId) {
        int blocks = Math.min(promptIds.length / blockSize, maxBlocks);
        if (blocks == 0) {
            return "id:" + customId;
        }
        int[] prefix = Arrays.copyOf(promptIds, blocks * blockSize);
        BlockHash[] chain = BlockHash.chain(prefix, blockSize, cacheSalt);
        return String.format("p:%016x", chain[blocks - 1].value());
    }
}
