package io.flinfer.engine.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * One forward step as the model program takes it: one int64 array ({@code data}) that goes to the
 * device as one tensor, and two lists of ints that stay on the host, so the program reads lengths
 * without a device-to-host copy.
 *
 * <p>Attention runs per unit, over exactly the blocks the unit's contexts fill (no context is padded to
 * a longer one). A <em>chunk</em> is one sequence attending alone: a prompt chunk, or a decoding token
 * with no other of its context size. A <em>group</em> is the decoding sequences whose contexts fill the
 * same number of blocks: they attend in one batched product, so a step costs a few operator calls per
 * distinct context size rather than per sequence.
 *
 * @param data token ids, positions and KV slots of every token, the rows whose logits to return, then
 *     each chunk's block table and each group's block tables, token rows and context lengths
 * @param chunks six ints per chunk: first token row, query length, context length (cached + new),
 *     offset of its block table in {@code data}, blocks its context fills, and the first of those
 *     blocks where they lie in a row in the pool (each the one before plus 1; the program then reads
 *     the context in place instead of gathering it), else -1
 * @param groups five ints per group: sequences n, offset of their block tables in {@code data}, blocks
 *     per sequence, offset of their n token rows, offset of their n context lengths
 */
public record StepInput(long[] data, long[] chunks, long[] groups, int numTokens, int numLogits) {

    public static Builder builder(int blockSize) {
        return new Builder(blockSize);
    }

    /** Sequence after sequence, the tokens each computes in the step. */
    public static final class Builder {
        private final int blockSize;
        private final List<Sequence> sequences = new ArrayList<>();

        private Builder(int blockSize) {
            this.blockSize = blockSize;
        }

        /**
         * Adds a sequence computing {@code tokenIds} at positions {@code start} onward; its KV blocks
         * are {@code blockTable}, of which it reads those its context (start + tokens) fills.
         */
        public Builder add(int[] tokenIds, int start, int[] blockTable) {
            sequences.add(new Sequence(tokenIds, start, blockTable));
            return this;
        }

        /** The step, returning the logits after every sequence's last token. */
        public StepInput build() {
            return build(IntStream.range(0, sequences.size()).toArray());
        }

        /** The step, returning the logits after the last token of the sequences {@code logitsOf} lists, in its order. */
        public StepInput build(int[] logitsOf) {
            int[] firstRow = new int[sequences.size()];
            int t = 0;
            for (int s = 0; s < sequences.size(); s++) {
                firstRow[s] = t;
                t += sequences.get(s).tokenIds().length;
            }
            List<List<Integer>> units = units();
            int size = 3 * t + logitsOf.length;
            for (List<Integer> unit : units) {
                size += unit.size() * (sequences.get(unit.get(0)).blocksRead(blockSize) + (unit.size() > 1 ? 2 : 0));
            }
            long[] data = new long[size];
            for (int s = 0; s < sequences.size(); s++) {
                Sequence seq = sequences.get(s);
                for (int i = 0; i < seq.tokenIds().length; i++) {
                    int row = firstRow[s] + i;
                    int position = seq.start() + i;
                    data[row] = seq.tokenIds()[i];
                    data[t + row] = position;
                    data[2 * t + row] = seq.slot(position, blockSize);
                }
            }
            int offset = 3 * t;
            for (int s : logitsOf) {
                data[offset++] = firstRow[s] + sequences.get(s).tokenIds().length - 1;
            }
            long[] chunks = new long[6 * (int) units.stream().filter(u -> u.size() == 1).count()];
            long[] groups = new long[5 * (units.size() - chunks.length / 6)];
            int c = 0;
            int g = 0;
            for (List<Integer> unit : units) {
                int blocks = sequences.get(unit.get(0)).blocksRead(blockSize);
                int tables = offset;
                for (int s : unit) {
                    int[] table = sequences.get(s).blockTable();
                    for (int b = 0; b < blocks; b++) {
                        data[offset++] = table[b];
                    }
                }
                if (unit.size() == 1) {
                    Sequence seq = sequences.get(unit.get(0));
                    long[] chunk = {firstRow[unit.get(0)], seq.tokenIds().length, seq.end(), tables, blocks,
                        seq.firstBlockInARow(blocks)};
                    System.arraycopy(chunk, 0, chunks, c, 6);
                    c += 6;
                } else {
                    long[] group = {unit.size(), tables, blocks, offset, offset + unit.size()};
                    System.arraycopy(group, 0, groups, g, 5);
                    g += 5;
                    for (int s : unit) {
                        data[offset] = firstRow[s];
                        data[offset + unit.size()] = sequences.get(s).end();
                        offset++;
                    }
                    offset += unit.size();
                }
            }
            return new StepInput(data, chunks, groups, t, logitsOf.length);
        }

        /** Sequences computing several tokens alone; decoding ones grouped by the blocks they read. */
        private List<List<Integer>> units() {
            List<List<Integer>> units = new ArrayList<>();
            Map<Integer, List<Integer>> decodingByBlocks = new LinkedHashMap<>();
            for (int s = 0; s < sequences.size(); s++) {
                Sequence seq = sequences.get(s);
                if (seq.tokenIds().length > 1) {
                    units.add(List.of(s));
                } else {
                    decodingByBlocks.computeIfAbsent(seq.blocksRead(blockSize), b -> {
                        List<Integer> group = new ArrayList<>();
                        units.add(group);
                        return group;
                    }).add(s);
                }
            }
            return units;
        }
    }

    private record Sequence(int[] tokenIds, int start, int[] blockTable) {
        int end() {
            return start + tokenIds.length;
        }

        int slot(int position, int blockSize) {
            return blockTable[position / blockSize] * blockSize + position % blockSize;
        }

        /** Its first block, if its first {@code blocks} blocks are consecutive in the pool; else -1. */
        int firstBlockInARow(int blocks) {
            for (int b = 1; b < blocks; b++) {
                if (blockTable[b] != blockTable[0] + b) {
                    return -1;
                }
            }
            return blockTable[0];
        }

        /** The blocks its context fills, never padded to another sequence's. */
        int blocksRead(int blockSize) {
            return (end() + blockSize - 1) / blockSize;
        }
    }
}
