package io.flinfer.engine.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flinfer.engine.testing.TinyCheckpoint;
import io.flinfer.engine.testing.TinyCheckpoint.Variant;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What {@code model export-program} writes runs the engine's forward without the engine: the
 * exported archive, loaded on its own, set up only as the manifest says with the exported weights
 * and a cache of the manifest's layout, gives for the manifest's example prefill and decode step the
 * logits the engine's own {@link LlamaModel} gives for the same sequences on the same checkpoint.
 * The variants cover each set-up call (experts, Gemma, sliding window), q/k/v bias, a tied and an
 * untied head, and a bfloat16 export.
 */
class ProgramExportRoundTripTest {
    private static final int MAX_POSITIONS = 64;

    static Stream<Arguments> exports() {
        return Stream.of(
                Arguments.of(new Variant("llama, GQA, untied head", "llama", 4, 2, 12, false, false, null), DataType.FLOAT32),
                Arguments.of(new Variant("qwen2, q/k/v bias, tied head", "qwen2", 4, 2, 12, true, false, null), DataType.FLOAT32),
                Arguments.of(new Variant("mixtral, 12 experts top 2", "mixtral", 4, 2, 12, false, false, null), DataType.FLOAT32),
                Arguments.of(new Variant("gemma2, window 6, soft-caps", "gemma2", 4, 2, 16, true, false, null), DataType.FLOAT32),
                Arguments.of(new Variant("llama, bf16 weights", "llama", 4, 2, 12, false, true, null), DataType.BFLOAT16));
    }

    @ParameterizedTest(name = "{0} as {1}")
    @MethodSource("exports")
    void exportedProgramGivesTheEnginesLogits(Variant variant, DataType dtype, @TempDir Path tmp) throws Exception {
        Path model = tmp.resolve("model");
        TinyCheckpoint.random(variant, 42).write(model, null);
        Path out = tmp.resolve("export");
        ProgramExport.write(model, dtype, MAX_POSITIONS, out);
        JsonNode manifest = new ObjectMapper().readTree(out.resolve(ProgramExport.MANIFEST).toFile());
        JsonNode example = manifest.path("example");
        assertThat(manifest.path("max_positions").asInt()).isEqualTo(MAX_POSITIONS);

        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            float[][] exported = runExport(out, manifest, root);
            float[][] engine = runEngine(model, dtype, example, root);
            assertThat(exported).hasNumberOfRows(4);
            for (int row = 0; row < engine.length; row++) {
                assertThat(exported[row]).as("logits row %d of the exported program vs the engine", row)
                        .hasSize(engine[row].length)
                        .containsExactly(engine[row], within(1e-5f));
            }
        }
    }

    @Test
    void missingModelIsNamed(@TempDir Path tmp) {
        assertThatThrownBy(() -> ProgramExport.write(tmp.resolve("absent"), DataType.FLOAT32, 0, tmp.resolve("out")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model folder not found");
    }

    /** Prefill then decode logits of the manifest's example, from the exported files alone. */
    private static float[][] runExport(Path out, JsonNode manifest, NDManager root) throws Exception {
        PtSymbolBlock program;
        try (InputStream in = Files.newInputStream(out.resolve(manifest.path("program").asText()))) {
            program = JniUtils.loadModule((PtNDManager) root, in, true, false);
        }
        SafetensorsFile file = new SafetensorsFile(out.resolve(manifest.path("weights_file").asText()));
        DataType dtype = manifest.path("dtype").asText().equals("bfloat16") ? DataType.BFLOAT16 : DataType.FLOAT32;
        List<PtNDArray> weights = new ArrayList<>();
        for (JsonNode name : manifest.path("weights")) {
            if (name.isNull()) {
                weights.add((PtNDArray) root.zeros(new Shape(0), Bfloat16.javaType(dtype)));
            } else if (file.storedType(name.asText()) == DataType.BFLOAT16) {
                weights.add((PtNDArray) file.readBfloat16(name.asText(), root));
            } else {
                weights.add((PtNDArray) file.read(name.asText(), root));
            }
        }
        for (JsonNode call : manifest.path("setup")) {
            List<IValue> args = new ArrayList<>();
            if (call.path("method").asText().equals("setup_weights")) {
                args.add(IValue.listFrom(weights.toArray(PtNDArray[]::new)));
            }
            call.path("args").forEach(arg -> args.add(value(arg)));
            run(program, call.path("method").asText(), args.toArray(IValue[]::new)).close();
        }
        JsonNode example = manifest.path("example");
        JsonNode kv = manifest.path("kv_cache");
        JsonNode shape = kv.path("shape");
        Shape blocks = Bfloat16.javaShape(new Shape(shape.get(0).asLong(), example.path("num_blocks").asLong(),
                example.path("block_size").asLong(), shape.get(3).asLong()), dtype);
        List<PtNDArray> k = new ArrayList<>();
        List<PtNDArray> v = new ArrayList<>();
        for (int l = 0; l < kv.path("layers").asInt(); l++) {
            k.add((PtNDArray) root.zeros(blocks, Bfloat16.javaType(dtype)));
            v.add((PtNDArray) root.zeros(blocks, Bfloat16.javaType(dtype)));
        }
        run(program, kv.path("method").asText(), IValue.listFrom(k.toArray(PtNDArray[]::new)),
                IValue.listFrom(v.toArray(PtNDArray[]::new))).close();
        List<float[]> rows = new ArrayList<>();
        for (String phase : new String[] {"prefill", "decode"}) {
            JsonNode step = example.path(phase);
            try (NDManager stepManager = root.newSubManager();
                    IValue logits = run(program, "forward",
                            IValue.from((PtNDArray) stepManager.create(longs(step.path("data")))),
                            IValue.listFrom(longs(step.path("chunks"))), IValue.listFrom(longs(step.path("groups"))),
                            IValue.from(step.path("num_tokens").asLong()), IValue.from(step.path("num_logits").asLong()))) {
                NDArray result = logits.toTensor((PtNDManager) stepManager);
                for (int r = 0; r < result.getShape().get(0); r++) {
                    rows.add(result.get(r).toFloatArray());
                }
            }
        }
        return rows.toArray(float[][]::new);
    }

    /** The same two sequences' prefill and decode through the engine's own model and step builder. */
    private static float[][] runEngine(Path model, DataType dtype, JsonNode example, NDManager root) {
        int blockSize = example.path("block_size").asInt();
        try (LlamaModel engine = LlamaModel.load(model, MAX_POSITIONS, dtype, root, new PathOptions(false, 8))) {
            engine.setFusedNorm(false); // the export is the plain program: no fast path the load-time check chose
            KvCache cache = new KvCache(engine.config(), example.path("num_blocks").asInt(), blockSize, dtype, engine.manager());
            StepInput.Builder prefill = StepInput.builder(blockSize);
            StepInput.Builder decode = StepInput.builder(blockSize);
            for (JsonNode seq : example.path("sequences")) {
                int[] prompt = ints(seq.path("prompt"));
                int[] table = ints(seq.path("block_table"));
                prefill.add(prompt, 0, table);
                decode.add(new int[] {seq.path("decode_token").asInt()}, prompt.length, table);
            }
            List<float[]> rows = new ArrayList<>();
            for (StepInput input : List.of(prefill.build(), decode.build())) {
                try (NDManager step = root.newSubManager()) {
                    NDArray logits = engine.forward(input, cache, step);
                    for (int r = 0; r < input.numLogits(); r++) {
                        rows.add(logits.get(r).toFloatArray());
                    }
                }
            }
            return rows.toArray(float[][]::new);
        }
    }

    private static IValue run(PtSymbolBlock program, String method, IValue... args) {
        try {
            return IValueUtils.runMethod(program, method, args);
        } finally {
            for (IValue arg : args) {
                arg.close();
            }
        }
    }

    /** A manifest set-up argument as TorchScript takes it: int, float, bool or a list of bools. */
    private static IValue value(JsonNode arg) {
        if (arg.isBoolean()) {
            return IValue.from(arg.asBoolean());
        } else if (arg.isIntegralNumber()) {
            return IValue.from(arg.asLong());
        } else if (arg.isFloatingPointNumber()) {
            return IValue.from(arg.asDouble());
        } else if (arg.isArray()) {
            boolean[] flags = new boolean[arg.size()];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = arg.get(i).asBoolean();
            }
            return IValue.listFrom(flags);
        }
        throw new IllegalArgumentException("unexpected set-up argument " + arg);
    }

    private static long[] longs(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToLong(JsonNode::asLong).toArray();
    }

    private static int[] ints(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }
}
