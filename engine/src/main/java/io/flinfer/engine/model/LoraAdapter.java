package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A LoRA adapter (a PEFT folder: {@code adapter_config.json} and {@code adapter_model.safetensors})
 * loaded for one base model, its matrices stacked the way {@link LlamaModel} stacks the weights: per
 * layer one A and one B for q/k/v, o, gate/up and down. A stacked group's A matrices are concatenated
 * along the rank and its B matrices placed block-diagonally, so {@code (x A^T) B^T} gives each module
 * its own delta in one pair of products; the scaling ({@code lora_alpha / r}, or {@code / sqrt(r)}
 * for rsLoRA) is folded into B. A matrix no module of which is targeted is an empty tensor.
 */
public final class LoraAdapter implements AutoCloseable {
    /** The stacked products, in the order the program numbers them (m = 0..3), with their modules. */
    enum Product {
        QKV("q_proj", "k_proj", "v_proj"), O("o_proj"), GATE_UP("gate_proj", "up_proj"), DOWN("down_proj");

        final List<String> modules;

        Product(String... modules) {
            this.modules = List.of(modules);
        }
    }

    /** The modules an adapter may target: every product of the decoder layers. */
    public static final List<String> MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    private static final Pattern TENSOR = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(\\w+)\\.lora_([AB])(?:\\.\\w+)?\\.weight");

    private final String name;
    private final int rank;
    private final List<NDArray> a;
    private final List<NDArray> b;

    private LoraAdapter(String name, int rank, List<NDArray> a, List<NDArray> b) {
        this.name = name;
        this.rank = rank;
        this.a = a;
        this.b = b;
    }

    /**
     * Loads the adapter in {@code dir} for {@code model}.
     *
     * @throws IllegalArgumentException naming what is wrong with the folder: missing files, a rank
     *     above {@code maxRank}, an unsupported option or target, a tensor of the wrong shape
     */
    public static LoraAdapter load(String name, Path dir, ModelConfig model, int maxRank, DataType dtype,
            NDManager manager) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": folder not found: " + dir);
        }
        if (!Files.isRegularFile(dir.resolve("adapter_model.safetensors"))) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": no adapter_model.safetensors in " + dir);
        }
        PeftConfig config = PeftConfig.load(name, dir);
        if (config.rank() > maxRank) {
            throw new IllegalArgumentException("LoRA adapter " + name + " has rank " + config.rank()
                    + ", above --max-lora-rank " + maxRank);
        }
        Checkpoint tensors;
        try {
            tensors = new Checkpoint(dir);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("LoRA adapter " + name + ": " + e.getMessage(), e);
        }
        checkNames(name, tensors.names(), model.numLayers());
        List<NDArray> a = new ArrayList<>();
        List<NDArray> b = new ArrayList<>();
        try {
            for (int l = 0; l < model.numLayers(); l++) {
                for (Product p : Product.values()) {
                    NDArray[] ab = stack(name, tensors, config, model, l, p, dtype, manager);
                    a.add(ab[0]);
                    b.add(ab[1]);
                }
            }
        } catch (RuntimeException e) {
            a.forEach(NDArray::close);
            b.forEach(NDArray::close);
            throw e;
        }
        return new LoraAdapter(name, config.rank(), a, b);
    }

    public String name() {
        return name;
    }

    public int rank() {
        return rank;
    }

    /** Each layer's four A matrices, layer after layer (an empty tensor where nothing is targeted). */
    List<NDArray> a() {
        return a;
    }

    /** Each layer's four B matrices, scaled, in the order of {@link #a()}. */
    List<NDArray> b() {
        return b;
    }

    /** A tensor that is no LoRA matrix of a decoder layer's product, or of a layer the model lacks, is refused. */
    private static void checkNames(String name, Set<String> names, int layers) {
        for (String tensor : names) {
            Matcher m = TENSOR.matcher(tensor);
            if (tensor.contains(".experts.")) {
                throw new IllegalArgumentException("LoRA adapter " + name + " has the tensor " + tensor
                        + ": adapters of a mixture's experts are not supported (attention and dense MLPs only)");
            }
            if (!m.matches() || !MODULES.contains(m.group(2))) {
                throw new IllegalArgumentException("LoRA adapter " + name + " has the tensor " + tensor
                        + ", which is not a LoRA matrix of " + String.join("/", MODULES)
                        + " (embedding, lm_head and DoRA adapters are not supported)");
            }
            if (Integer.parseInt(m.group(1)) >= layers) {
                throw new IllegalArgumentException("LoRA adapter " + name + " has the tensor " + tensor
                        + ", but the base model has " + layers + " layers");
            }
        }
    }

    /** {A, B} of product {@code p} in layer {@code l}: A [ranks, in], B [out, ranks] block-diagonal and scaled. */
    private static NDArray[] stack(String name, Checkpoint tensors, PeftConfig config, ModelConfig model, int l,
            Product p, DataType dtype, NDManager manager) {
        int in = inputSize(model, p.modules.get(0));
        int[] outs = p.modules.stream().mapToInt(module -> outputSize(model, module)).toArray();
        int outTotal = java.util.Arrays.stream(outs).sum();
        List<float[]> as = new ArrayList<>();
        List<float[]> bs = new ArrayList<>();
        List<Integer> outOffsets = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < outs.length; i++) {
            String prefix = tensorPrefix(l, p.modules.get(i));
            String aName = prefix + "lora_A.weight";
            String bName = prefix + "lora_B.weight";
            if (tensors.has(aName) != tensors.has(bName)) {
                throw new IllegalArgumentException("LoRA adapter " + name + " has only one of " + aName + " and " + bName);
            }
            if (tensors.has(aName)) {
                as.add(read(name, tensors, aName, config.rank(), in, manager));
                bs.add(read(name, tensors, bName, outs[i], config.rank(), manager));
                outOffsets.add(offset);
            }
            offset += outs[i];
        }
        if (as.isEmpty()) {
            return new NDArray[] {manager.zeros(new Shape(0), dtype), manager.zeros(new Shape(0), dtype)};
        }
        int r = config.rank();
        int ranks = r * as.size();
        float[] a = new float[ranks * in];
        float[] b = new float[outTotal * ranks];
        float scale = (float) config.scale();
        for (int k = 0; k < as.size(); k++) {
            System.arraycopy(as.get(k), 0, a, k * r * in, r * in);
            float[] bk = bs.get(k);
            int rows = bk.length / r;
            for (int row = 0; row < rows; row++) {
                for (int c = 0; c < r; c++) {
                    b[(outOffsets.get(k) + row) * ranks + k * r + c] = scale * bk[row * r + c];
                }
            }
        }
        return new NDArray[] {typed(manager.create(a, new Shape(ranks, in)), dtype),
                typed(manager.create(b, new Shape(outTotal, ranks)), dtype)};
    }

    private static float[] read(String name, Checkpoint tensors, String tensor, int rows, int cols, NDManager manager) {
        try (NDArray t = tensors.read(tensor, manager, DataType.FLOAT32)) {
            if (!t.getShape().equals(new Shape(rows, cols))) {
                throw new IllegalArgumentException("LoRA adapter " + name + ": " + tensor + " has shape " + t.getShape()
                        + ", expected (" + rows + ", " + cols + ") for this base model and rank");
            }
            return t.toFloatArray();
        }
    }

    private static NDArray typed(NDArray array, DataType dtype) {
        if (array.getDataType() == dtype) {
            return array;
        }
        try (array) {
            return array.toType(dtype, true);
        }
    }

    /** The input width of {@code module}'s weight in {@code model}. */
    public static int inputSize(ModelConfig model, String module) {
        return switch (module) {
            case "o_proj" -> model.qSize();
            case "down_proj" -> model.intermediateSize();
            default -> model.hiddenSize();
        };
    }

    /** The output width of {@code module}'s weight in {@code model}. */
    public static int outputSize(ModelConfig model, String module) {
        return switch (module) {
            case "q_proj" -> model.qSize();
            case "k_proj", "v_proj" -> model.kvSize();
            case "o_proj", "down_proj" -> model.hiddenSize();
            default -> model.intermediateSize();
        };
    }

    /** The Hugging Face path of {@code module} in layer {@code layer}, e.g. {@code model.layers.0.self_attn.q_proj}. */
    public static String modulePath(int layer, String module) {
        String parent = module.equals("gate_proj") || module.equals("up_proj") || module.equals("down_proj")
                ? "mlp" : "self_attn";
        return "model.layers." + layer + "." + parent + "." + module;
    }

    /** Where PEFT keeps {@code module}'s matrices of layer {@code layer}: the name before {@code lora_A.weight}. */
    public static String tensorPrefix(int layer, String module) {
        return "base_model.model." + modulePath(layer, module) + ".";
    }

    @Override
    public void close() {
        a.forEach(NDArray::close);
        b.forEach(NDArray::close);
    }
}
