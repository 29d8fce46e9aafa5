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

    private ServedModel(Set<String> names) {
        this.names = List.copyOf(names);
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
        return names.contains(model);
    }

    public List<String> names() {
        return names;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServedModel other && names.equals(other.names);
    }

    @Override
    public int hashCode() {
        return names.hashCode();
    }

    @Override
    public String toString() {
        return String.join(", ", names);
    }
}
