package io.flinfer.operators.records;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The names a pipeline serves its model under, as vLLM's {@code --served-model-name}: a request that
 * names another model is answered with a 404 {@code model_not_found}, and a request that names none
 * gets {@link #name()} in its result.
 */
public final class ServedModel implements Serializable {
    private static final long serialVersionUID = 1L;

    private final List<String> names;
    /** The LoRA adapters served over the model, by name: a request naming one runs with it. */
    private final List<String> adapters;

    private ServedModel(Set<String> names, List<String> adapters) {
        this.names = List.copyOf(names);
        this.adapters = List.copyOf(adapters);
    }

    private ServedModel(Set<String> names) {
        this(names, List.of());
    }

    /**
     * These names, and also {@code adapterNames}: a request naming an adapter runs on this model with it.
     *
     * @throws IllegalArgumentException when an adapter has one of the model's names
     */
    public ServedModel withAdapters(java.util.Collection<String> adapterNames) {
        for (String adapter : adapterNames) {
            if (names.contains(adapter)) {
                throw new IllegalArgumentException("the LoRA adapter name " + adapter
                        + " is also the model's name; give the adapter another name in --lora-modules");
            }
        }
        return new ServedModel(new LinkedHashSet<>(names), List.copyOf(adapterNames));
    }

    /** The adapter a request for {@code model} runs with, or null for the base model. */
    public String adapterOf(String model) {
        return adapters.contains(model) ? model : null;
    }

    /**
     * vLLM's default: the {@code --model} argument as given (a folder or a Hub id), and also its last
     * path element, so that a request may say {@code stories260K} for {@code ../models/stories260K}.
     */
    public static ServedModel ofModelArgument(String model) {
        Set<String> names = new LinkedHashSet<>();
        names.add(model);
        Path last = Path.of(model).getFileName();
        if (last != null) {
            names.add(last.toString());
        }
        return new ServedModel(names);
    }

    /** Exactly one name ({@code --served-model-name}). */
    public static ServedModel named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a served model name must not be blank");
        }
        return new ServedModel(Set.of(name));
    }

    /** The name results carry when the request gave none. */
    public String name() {
        return names.get(0);
    }

    public boolean serves(String model) {
        return names.contains(model) || adapters.contains(model);
    }

    public List<String> names() {
        return names;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServedModel other && names.equals(other.names) && adapters.equals(other.adapters);
    }

    @Override
    public int hashCode() {
        return names.hashCode() * 31 + adapters.hashCode();
    }

    @Override
    public String toString() {
        return String.join(", ", names) + (adapters.isEmpty() ? "" : " (LoRA: " + String.join(", ", adapters) + ")");
    }
}
