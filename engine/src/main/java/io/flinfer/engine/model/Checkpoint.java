package io.flinfer.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The tensors of a checkpoint folder: one {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}, looked up by their Hugging Face names.
 */
public final class Checkpoint {
    private final Path dir;
    private final Map<String, SafetensorsFile> fileByTensor = new HashMap<>();

    public Checkpoint(Path dir) {
        this.dir = dir;
        Map<String, SafetensorsFile> files = new HashMap<>();
        for (Path shard : shards(dir)) {
            SafetensorsFile file = new SafetensorsFile(shard);
            files.put(shard.getFileName().toString(), file);
            file.names().forEach(name -> fileByTensor.put(name, file));
        }
    }

    /** The names of every tensor in the checkpoint. */
    public java.util.Set<String> names() {
        return java.util.Collections.unmodifiableSet(fileByTensor.keySet());
    }

    public boolean has(String name) {
        return fileByTensor.containsKey(name);
    }

    /** The dtype the tensor {@code name} is stored in. */
    public DataType storedType(String name) {
        return file(name).storedType(name);
    }

    /**
     * Reads a tensor and converts it to {@code dtype}; bfloat16 comes as its {@link Bfloat16} carrier,
     * the only form DJL holds it in.
     */
    public NDArray read(String name, NDManager manager, DataType dtype) {
        SafetensorsFile file = file(name);
        if (dtype == DataType.BFLOAT16) {
            return file.readBfloat16(name, manager);
        }
        NDArray stored = file.read(name, manager);
        if (stored.getDataType() == dtype) {
            return stored;
        }
        try (stored) {
            return stored.toType(dtype, true);
        }
    }

    private SafetensorsFile file(String name) {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new IllegalArgumentException("checkpoint in " + dir + " lacks the tensor " + name);
        }
        return file;
    }

    private static List<Path> shards(Path dir) {
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            return indexedShards(dir, index);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
            if (found.isEmpty()) {
                throw new IllegalArgumentException(
                        "no *.safetensors weights in model folder " + dir
                                + " (only safetensors checkpoints are supported, not .bin or .gguf)");
            }
            return found;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list model folder " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> indexedShards(Path dir, Path index) {
        try {
            JsonNode weightMap = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            TreeSet<String> names = new TreeSet<>();
            for (Iterator<JsonNode> it = weightMap.elements(); it.hasNext(); ) {
                names.add(it.next().asText());
            }
            List<Path> shards = names.stream().map(dir::resolve).toList();
            for (Path shard : shards) {
                if (!Files.isRegularFile(shard)) {
                    throw new IllegalArgumentException(index + " names the shard " + shard.getFileName()
                            + ", which is missing from the folder");
                }
            }
            return shards;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + index + ": " + e.getMessage(), e);
        }
    }
}
