package io.flinfer.jobs;

import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.hub.ModelSource;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The engine's options, with vLLM's names, shared by every command that runs the engine. */
public final class EngineOptions {
    @Option(names = "--model", required = true, paramLabel = "FOLDER|ORG/NAME",
            description = "Model: a local Hugging Face checkpoint folder, or a Hub id downloaded once into the Hugging Face cache.")
    String model;

    @Option(names = "--revision", paramLabel = "REV", description = "Hub revision (branch, tag or commit) of --model. Default: main.")
    String revision;

    @Option(names = "--dtype", defaultValue = "auto", description = "Compute dtype: auto (float32 on CPU, float16 on GPU), float32 or float16. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda:N. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--block-size", defaultValue = "16", description = "Tokens per KV-cache block. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--kv-cache-memory", defaultValue = "512MiB", converter = ByteSize.class, paramLabel = "SIZE",
            description = "Memory for the KV cache, e.g. 256MiB or 2GiB. Default: ${DEFAULT-VALUE}.")
    long kvCacheMemory;

    @Option(names = "--max-num-seqs", defaultValue = "256", description = "Most sequences in one step. Default: ${DEFAULT-VALUE}.")
    int maxNumSeqs;

    @Option(names = "--max-num-batched-tokens", defaultValue = "2048", description = "Token budget of one step. Default: ${DEFAULT-VALUE}.")
    int maxNumBatchedTokens;

    @Option(names = "--max-model-len", defaultValue = "0", description = "Longest sequence, prompt and output. Default: the model's max_position_embeddings, capped by the KV cache.")
    int maxModelLen;

    @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Reuse the KV blocks of shared prompt prefixes. Default: on.")
    boolean prefixCaching;

    @Option(names = "--enable-chunked-prefill", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Split long prompts over several steps within the token budget. Default: on.")
    boolean chunkedPrefill;

    /** Resolves the model (downloading it when it is a Hub id) and builds the engine's config. */
    public EngineConfig toConfig() {
        return toConfig(ModelSource.resolve(model, revision));
    }

    /** The engine's config for a model folder found some other way (the demo falls back to a synthetic model). */
    public EngineConfig toConfig(Path folder) {
        return new EngineConfig(folder.toString(), dtype, device, blockSize, kvCacheMemory, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, prefixCaching, chunkedPrefill);
    }

    public String model() {
        return model;
    }

    public String revision() {
        return revision;
    }

    public String device() {
        return device;
    }
}
