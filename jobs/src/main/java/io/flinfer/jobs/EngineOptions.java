package io.flinfer.jobs;

import io.flinfer.engine.ComputeDevice;
import io.flinfer.engine.Dtype;
import io.flinfer.engine.EngineConfig;
import io.flinfer.engine.LoraConfig;
import io.flinfer.engine.Quantization;
import io.flinfer.engine.hub.ModelSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The engine's options, with vLLM's names, shared by every command that runs the engine. */
public final class EngineOptions {
    @Option(names = "--model", required = true, paramLabel = "FOLDER|ORG/NAME[=SERVED_NAME]",
            description = "Model: a local Hugging Face checkpoint folder, or a Hub id downloaded once into the Hugging Face cache;"
                    + " =SERVED_NAME names it for requests. Repeatable (run, batch, demo, deploy render): each model gets operators of its own,"
                    + " and requests reach the one their \"model\" names (the first when they name none).")
    List<String> models = new ArrayList<>();

    @Option(names = "--revision", paramLabel = "REV", description = "Hub revision (branch, tag or commit) of --model. Default: main.")
    String revision;

    @Option(names = "--dtype", defaultValue = EngineConfig.DEFAULT_DTYPE, converter = DtypeConverter.class,
            description = "Compute dtype: auto (the checkpoint's bfloat16 where the device computes it: a GPU, or a CPU with "
                    + "avx512_bf16 or AMX; float16 on a GPU otherwise; float32 elsewhere), float32, bfloat16 or float16. "
                    + "Default: ${DEFAULT-VALUE}.")
    Dtype dtype;

    @Option(names = "--kv-cache-dtype", defaultValue = EngineConfig.DEFAULT_KV_CACHE_DTYPE, converter = DtypeConverter.class,
            description = "KV cache dtype: auto (the compute dtype), float32, bfloat16 or float16. Default: ${DEFAULT-VALUE}.")
    Dtype kvCacheDtype;

    @Option(names = "--quantization", defaultValue = EngineConfig.DEFAULT_QUANTIZATION, converter = QuantizationConverter.class,
            description = "Weight quantization: none, or int8 (per output channel, quantized at load; on a CPU each "
                    + "product's input is rounded to 8 bits too). "
                    + "Default: ${DEFAULT-VALUE}.")
    Quantization quantization;

    @Option(names = "--device", defaultValue = EngineConfig.DEFAULT_DEVICE, converter = DeviceConverter.class,
            description = "cpu or cuda:N. Default: ${DEFAULT-VALUE}.")
    ComputeDevice device;

    @Option(names = "--block-size", defaultValue = "" + EngineConfig.DEFAULT_BLOCK_SIZE,
            description = "Tokens per KV-cache block. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--kv-cache-memory", defaultValue = EngineConfig.DEFAULT_KV_CACHE_MEMORY_SIZE, converter = ByteSize.class,
            paramLabel = "SIZE", description = "Memory for the KV cache, e.g. 256MiB or 2GiB. Default: ${DEFAULT-VALUE}.")
    long kvCacheMemory;

    @Option(names = "--max-num-seqs", defaultValue = "" + EngineConfig.DEFAULT_MAX_NUM_SEQS,
            description = "Most sequences in one step. Default: ${DEFAULT-VALUE}.")
    int maxNumSeqs;

    @Option(names = "--max-num-batched-tokens", defaultValue = "" + EngineConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS,
            description = "Token budget of one step. Default: ${DEFAULT-VALUE}.")
    int maxNumBatchedTokens;

    @Option(names = "--max-model-len", defaultValue = "0", description = "Longest sequence, prompt and output. Default: the model's max_position_embeddings, capped by the KV cache.")
    int maxModelLen;

    @Option(names = "--enable-prefix-caching", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Reuse the KV blocks of shared prompt prefixes. Default: on.")
    boolean prefixCaching;

    @Option(names = "--enable-chunked-prefill", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Split long prompts over several steps within the token budget. Default: on.")
    boolean chunkedPrefill;

    @Option(names = "--lora-modules", paramLabel = "NAME=PATH", split = " ",
            description = "LoRA adapters served over the model (repeatable): a PEFT folder (adapter_config.json,"
                    + " adapter_model.safetensors) under a name requests give in \"model\".")
    Map<String, Path> loraModules = new LinkedHashMap<>();

    @Option(names = "--max-loras", defaultValue = "" + LoraConfig.DEFAULT_MAX_LORAS,
            description = "LoRA adapters in one step; requests of further adapters wait for a slot. Default: ${DEFAULT-VALUE}.")
    int maxLoras;

    @Option(names = "--max-lora-rank", defaultValue = "" + LoraConfig.DEFAULT_MAX_LORA_RANK,
            description = "Largest LoRA rank; an adapter above it fails its requests. Default: ${DEFAULT-VALUE}.")
    int maxLoraRank;

    @Option(names = "--max-cpu-loras", defaultValue = "0",
            description = "Loaded LoRA adapters kept in memory, least recently used evicted beyond it. Default: --max-loras.")
    int maxCpuLoras;

    /** Resolves the (first) model (downloading it when it is a Hub id) and builds the engine's config. */
    public EngineConfig toConfig() {
        return toConfig(ModelSource.resolve(model(), revision));
    }

    /**
     * The model of a command that serves one (generate, the benchmarks): a repeated --model is refused,
     * never silently reduced to its first.
     *
     * @param command the command, as its user typed it ({@code flinfer generate})
     */
    public EngineConfig toSingleModelConfig(String command) {
        if (models.size() > 1) {
            throw new IllegalArgumentException(command + " runs one model, but --model was given " + models.size() + " times ("
                    + String.join(", ", models) + "); several models are for flinfer run, batch, demo and deploy render");
        }
        return toConfig();
    }

    /**
     * The models after the first, each with the engine settings of the first and no LoRA adapters
     * (adapters serve over the first model), and the name requests give, if {@code =NAME} set one.
     */
    public List<NamedModel> moreModels() {
        List<NamedModel> more = new ArrayList<>();
        for (String argument : models.subList(Math.min(1, models.size()), models.size())) {
            String path = modelPath(argument);
            more.add(new NamedModel(path, nameOf(argument),
                    toConfig(ModelSource.resolve(path, revision)).withLora(LoraConfig.NONE)));
        }
        return more;
    }

    /** A model given with --model: the argument's path or Hub id, its served name (null: none given), its config. */
    public record NamedModel(String argument, String servedName, EngineConfig config) {}

    /** The name the first --model gave with =NAME, or null. */
    public String servedName() {
        return models.isEmpty() ? null : nameOf(models.get(0));
    }

    /** The model of a {@code --model} argument: its folder or Hub id, without {@code =SERVED_NAME}. */
    public static String modelPath(String argument) {
        int eq = argument.lastIndexOf('=');
        return eq < 0 ? argument : argument.substring(0, eq);
    }

    private static String nameOf(String argument) {
        int eq = argument.lastIndexOf('=');
        return eq < 0 ? null : argument.substring(eq + 1);
    }

    /** The engine's config for a model folder found some other way (the demo falls back to a synthetic model). */
    public EngineConfig toConfig(Path folder) {
        Map<String, String> adapters = new LinkedHashMap<>();
        loraModules.forEach((name, path) -> adapters.put(name, path.toAbsolutePath().toString()));
        return new EngineConfig(folder.toString(), dtype, device, blockSize, kvCacheMemory, maxNumSeqs, maxNumBatchedTokens,
                maxModelLen, prefixCaching, chunkedPrefill, new LoraConfig(adapters, maxLoras, maxLoraRank, maxCpuLoras),
                kvCacheDtype, quantization);
    }

    /** The first --model's folder or Hub id, as given (without =NAME); null when none was given. */
    public String model() {
        return models.isEmpty() ? null : modelPath(models.get(0));
    }

    public String revision() {
        return revision;
    }

    public ComputeDevice device() {
        return device;
    }

    /** Reads {@code --dtype} with {@link Dtype#parse}'s names and messages. */
    public static final class DtypeConverter implements ITypeConverter<Dtype> {
        @Override
        public Dtype convert(String value) {
            return parsed(Dtype::parse, value);
        }
    }

    /** Reads {@code --quantization} with {@link Quantization#parse}'s names and messages. */
    public static final class QuantizationConverter implements ITypeConverter<Quantization> {
        @Override
        public Quantization convert(String value) {
            return parsed(Quantization::parse, value);
        }
    }

    /** Reads {@code --device} (cpu, cuda:N) with {@link ComputeDevice#parse}'s messages. */
    public static final class DeviceConverter implements ITypeConverter<ComputeDevice> {
        @Override
        public ComputeDevice convert(String value) {
            return parsed(ComputeDevice::parse, value);
        }
    }

    /** picocli prints a {@link TypeConversionException}'s message as it is, after the option's name. */
    private static <T> T parsed(Function<String, T> parse, String value) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
