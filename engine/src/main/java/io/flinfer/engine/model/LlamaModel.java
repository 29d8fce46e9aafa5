package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3) whose forward pass runs a batch of
 * sequences over the paged KV cache and returns the logits of each sequence's last token.
 */
public final class LlamaModel implements AutoCloseable {
    private final ModelConfig config;
    private final DataType dtype;
    private final NDManager manager;
    private final NDArray embedding;
    private final DecoderLayer[] layers;
    private final NDArray finalNorm;
    private final NDArray lmHead;
    private final RotaryEmbedding rope;

    private LlamaModel(ModelConfig config, Checkpoint ckpt, int maxPositions, DataType dtype, NDManager manager) {
        this.config = config;
        this.dtype = dtype;
        this.manager = manager;
        embedding = ckpt.read("model.embed_tokens.weight", manager, dtype);
        layers = new DecoderLayer[config.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            layers[l] = DecoderLayer.load(ckpt, config, l, manager, dtype);
        }
        finalNorm = ckpt.read("model.norm.weight", manager, dtype);
        boolean tied = config.tieWordEmbeddings() || !ckpt.has("lm_head.weight");
        lmHead = tied ? embedding.transpose() : DecoderLayer.transposed(ckpt.read("lm_head.weight", manager, dtype));
        rope = new RotaryEmbedding(config, maxPositions, manager);
    }

    /**
     * Loads the checkpoint in {@code dir} onto {@code manager}'s device.
     *
     * @param maxPositions the longest sequence the model will see (sizes the RoPE tables)
     */
    public static LlamaModel load(Path dir, int maxPositions, DataType dtype, NDManager manager) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("model folder not found: " + dir);
        }
        ModelConfig config = ModelConfig.load(dir);
        return new LlamaModel(config, new Checkpoint(dir), maxPositions, dtype, manager.newSubManager());
    }

    public ModelConfig config() {
        return config;
    }

    public DataType dtype() {
        return dtype;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * Runs {@code batch}, writing its keys and values into {@code cache}. All temporaries belong to
     * {@code step}, which the caller closes after reading the result.
     *
     * @return float32 logits {@code [sequences, vocab]}
     */
    public NDArray forward(ForwardBatch batch, KvCache cache, NDManager step) {
        NDArray positions = step.create(batch.positions());
        NDArray slots = step.create(batch.slotMapping());
        PagedAttention attention = new PagedAttention(config, cache.blockSize(), batch, step);
        RotaryEmbedding.Rotation rotation = rope.at(positions);
        NDArray x = embedding.get(step, new NDIndex("{}", step.create(batch.tokenIds())));
        for (int l = 0; l < layers.length; l++) {
            x = layer(l, x, rotation, slots, attention, cache);
        }
        NDArray last = x.get(new NDIndex("{}", step.create(batch.lastTokenIndices())));
        NDArray logits = rmsNorm(last, finalNorm).matMul(lmHead);
        return logits.getDataType() == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    private NDArray layer(int l, NDArray x, RotaryEmbedding.Rotation rotation, NDArray slots, PagedAttention attention,
            KvCache cache) {
        DecoderLayer w = layers[l];
        long tokens = x.getShape().get(0);
        NDArray qkv = rmsNorm(x, w.inputNorm()).matMul(w.qkv());
        if (w.qkvBias() != null) {
            qkv = qkv.addi(w.qkvBias());
        }
        int q = config.qSize();
        int kv = config.kvSize();
        int heads = config.numHeads();
        // Queries and keys are normalized (Qwen3) and rotated together, as one [tokens, heads + kvHeads, dim].
        NDArray queryKey = qkv.get(":, :" + (q + kv)).reshape(tokens, heads + config.numKvHeads(), config.headDim());
        if (w.qkNorm() != null) {
            queryKey = rmsNorm(queryKey, w.qkNorm());
        }
        queryKey = rotation.apply(queryKey);
        NDArray query = queryKey.get(":, :" + heads);
        NDArray key = queryKey.get(":, " + heads + ":");
        NDArray value = qkv.get(":, " + (q + kv) + ":").reshape(tokens, config.numKvHeads(), config.headDim());
        cache.write(l, slots, key, value);
        NDArray h = x.add(attention.attend(query, cache, l).matMul(w.out()));
        NDArray gateUp = rmsNorm(h, w.postNorm()).matMul(w.gateUp());
        int inter = config.intermediateSize();
        NDArray gate = gateUp.get(":, :" + inter);
        NDArray up = gateUp.get(":, " + inter + ":");
        NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).muli(up);
        return h.addi(act.matMul(w.down()));
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.addi((float) config.rmsNormEps()).sqrt()).muli(weight);
    }

    @Override
    public void close() {
        manager.close();
    }
}
