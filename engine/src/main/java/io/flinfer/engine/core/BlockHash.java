package io.flinfer.engine.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;

/**
 * The identity of a full KV block in the prefix cache: a hash chained from the parent block's hash,
 * the block's token ids and extra keys (the request's cache salt). Equality also compares the
 * parent hash, the token ids and the salt, so a collision of the 64-bit value can never make a
 * request reuse another prefix's keys and values.
 */
public record BlockHash(long value, long parent, int[] tokenIds, String salt) {
    /** The parent of a sequence's first block. */
    public static final long ROOT = 0x5eed_f1af_e500_0001L;

    public static BlockHash of(long parent, int[] tokenIds, String salt) {
        return new BlockHash(digest(parent, tokenIds, salt), parent, tokenIds, salt);
    }

    /**
     * The hashes of the full blocks of {@code tokens}, each chained to the one before; the routing
     * key of a prompt and the prefix cache use this same chain.
     */
    public static BlockHash[] chain(int[] tokens, int blockSize, String salt) {
        BlockHash[] hashes = new BlockHash[tokens.length / blockSize];
        long parent = ROOT;
        for (int b = 0; b < hashes.length; b++) {
            hashes[b] = of(parent, Arrays.copyOfRange(tokens, b * blockSize, (b + 1) * blockSize), salt);
            parent = hashes[b].value;
        }
        return hashes;
    }

    /**
     * The extra keys of a request's blocks: its cache salt alone without an adapter (so base-model
     * hashes stay as they were), else the adapter's name and the salt in a form no plain salt has
     * (a leading NUL; a plain salt that starts with one gets a second).
     */
    public static String extraKeys(String lora, String cacheSalt) {
        if (lora == null) {
            return cacheSalt != null && cacheSalt.startsWith("\0") ? "\0" + cacheSalt : cacheSalt;
        }
        return "\0lora\0" + lora + "\0" + (cacheSalt == null ? "" : cacheSalt);
    }

    private static long digest(long parent, int[] tokenIds, String salt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(8 + 4 * tokenIds.length);
            buf.putLong(parent);
            for (int t : tokenIds) {
                buf.putInt(t);
            }
            sha.update(buf.array());
            if (salt != null) {
                sha.update(salt.getBytes(StandardCharsets.UTF_8));
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockHash h
                && value == h.value
                && parent == h.parent
                && Arrays.equals(tokenIds, h.tokenIds)
                && Objects.equals(salt, h.salt);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(value);
    }

    @Override
    public String toString() {
        return String.format("BlockHash[%016x]", value);
    }
}
