package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.testing.TinyCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What attention copies out of the KV pool, read from PyTorch's own profiler: every selection from a
 * layer's K or V pool takes exactly the blocks one attention unit's contexts fill; a sequence
 * attending alone whose blocks lie in a row takes none (the program reads them in place), and a
 * group of decoding sequences takes its keys only (its values are read in place, attend_bags). A
 * 41-token context in a row decoding next to 2-, 4- and 6-token ones selects nothing for the first,
 * then the two one-block contexts' keys together, then the 6-token one's 2 scattered blocks of K and
 * of V; never a copy of four contexts padded to the longest (44 blocks).
 */
class AttentionReadsOwnBlocksTest {
    private static final int BLOCK = 4;
    private static final int POOL_BLOCKS = 64;

    @Test
    void poolSelectionsTakeOnlyEachUnitsOwnBlocks(@TempDir Path dir) throws Exception {
        var variant = new TinyCheckpoint.Variant("llama GQA", "llama", 4, 2, 12, true, false, null);
        TinyCheckpoint.random(variant, 5).write(dir.resolve("model"), null);
        Path trace = dir.resolve("trace.json");
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                LlamaModel model = LlamaModel.load(dir.resolve("model"), 128, DataType.FLOAT32, root)) {
            KvCache cache = new KvCache(model.config(), POOL_BLOCKS, BLOCK, DataType.FLOAT32, model.manager());
            int[] lengths = {40, 1, 3, 5};
            int[][] tables = new int[lengths.length][];
            int next = 0;
            for (int s = 0; s < lengths.length; s++) {
                int first = next;
                boolean reversed = s == 3; // the last sequence's blocks in reverse order: not in a row
                tables[s] = IntStream.range(0, 16).map(b -> reversed ? first + 15 - b : first + b).toArray();
                next += 16;
                run(model, cache, root, prefill(lengths[s], tables[s]));
            }
            StepInput decode = decode(lengths, tables);

            JniUtils.startProfile(false, true, false);
            run(model, cache, root, decode);
            JniUtils.stopProfile(trace.toString());

            List<Integer> selected = poolSelections(trace, model.config());
            int layers = model.config().numLayers();
            assertThat(selected).as("blocks per selection from a K or V pool").hasSize(layers * 3);
            for (int l = 0; l < layers; l++) {
                // Per layer, in unit order: the group's K, then K and V of the scattered sequence.
                assertThat(selected.subList(l * 3, l * 3 + 3)).containsExactly(2, 2, 2);
            }
            // Each context's own blocks, never padded: 2 and 4 tokens fill one each (keys only), 6 two;
            // 41 in a row none.
            assertThat(selected.stream().mapToInt(Integer::intValue).sum()).isEqualTo(layers * (1 + 1 + 2 * 2));
        }
    }

    /**
     * Blocks taken by each profiled index_select on a K or V pool, seen as rows of one block of one KV
     * head ({@code [kvHeads * blocks, blockSize, headDim]}): the index length over the KV heads.
     */
    private static List<Integer> poolSelections(Path trace, ModelConfig config) throws Exception {
        int kvHeads = config.numKvHeads();
        JsonNode poolShape = new ObjectMapper().valueToTree(
                new int[] {kvHeads * POOL_BLOCKS, BLOCK, config.headDim()});
        List<Integer> lengths = new ArrayList<>();
        for (JsonNode event : new ObjectMapper().readTree(trace.toFile())) {
            if (!event.path("name").asText().equals("aten::index_select")) {
                continue;
            }
            List<JsonNode> inputs = new ArrayList<>();
            event.path("shape").forEach(shape -> {
                if (!shape.isEmpty()) {
                    inputs.add(shape);
                }
            });
            if (inputs.size() == 2 && inputs.get(0).equals(poolShape)) {
                lengths.add(inputs.get(1).get(0).asInt() / kvHeads);
            }
        }
        return lengths;
    }

    private static StepInput prefill(int length, int[] table) {
        return StepInput.builder(BLOCK).add(new int[length], 0, table).build();
    }

    private static StepInput decode(int[] lengths, int[][] tables) {
        StepInput.Builder decode = StepInput.builder(BLOCK);
        for (int s = 0; s < lengths.length; s++) {
            decode.add(new int[1], lengths[s], tables[s]);
        }
        return decode.build();
    }

    private static void run(LlamaModel model, KvCache cache, NDManager root, StepInput input) {
        try (NDManager step = root.newSubManager()) {
            model.forward(input, cache, step);
        }
    }
}
