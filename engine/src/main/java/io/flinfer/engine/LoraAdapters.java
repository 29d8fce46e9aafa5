package io.flinfer.engine;

import ai.djl.ndarray.types.DataType;
import io.flinfer.engine.model.LlamaModel;
import io.flinfer.engine.model.LoraAdapter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's adapters: loaded lazily on a request's first use, kept while requests hold them and,
 * up to {@code --max-cpu-loras}, after (least recently used evicted first), and placed into the
 * model program's {@code --max-loras} slots for the steps that use them. Runs on the tensor thread.
 */
final class LoraAdapters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoraAdapters.class);

    private final LoraConfig config;
    private final LlamaModel model;
    /** Loaded adapters in access order, the least recently used first. */
    private final LinkedHashMap<String, LoraAdapter> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<String, Integer> holders = new HashMap<>();
    /** The adapter in each program slot, or null. */
    private final LoraAdapter[] slots;
    private final long[] slotUsed;
    private long steps;

    LoraAdapters(LoraConfig config, LlamaModel model) {
        this.config = config;
        this.model = model;
        this.slots = new LoraAdapter[config.maxLoras()];
        this.slotUsed = new long[config.maxLoras()];
        if (!config.isEmpty()) {
            model.setUpLora(config.maxLoras());
        }
    }

    /**
     * Holds adapter {@code name} for a request, loading it if needed.
     *
     * @throws IllegalArgumentException when no adapter has that name, or its folder cannot be loaded (with why)
     */
    void acquire(String name) {
        String path = config.modules().get(name);
        if (path == null) {
            throw new IllegalArgumentException("no LoRA adapter named " + name + " (known: "
                    + String.join(", ", config.modules().keySet()) + ")");
        }
        if (!loaded.containsKey(name)) {
            long begin = System.nanoTime();
            LoraAdapter adapter = LoraAdapter.load(name, Path.of(path), model.config(), config.maxLoraRank(),
                    model.dtype(), model.manager());
            loaded.put(name, adapter);
            LOG.info("loaded LoRA adapter {} (rank {}) from {} in {} ms", name, adapter.rank(), path,
                    (System.nanoTime() - begin) / 1_000_000);
        }
        loaded.get(name); // marks it recently used
        holders.merge(name, 1, Integer::sum);
        evict();
    }

    /** A request that held adapter {@code name} ended. */
    void release(String name) {
        holders.computeIfPresent(name, (n, count) -> count == 1 ? null : count - 1);
        evict();
    }

    /**
     * The program slot of each adapter in a step, putting into slots those not there yet (into a slot
     * no adapter of this step holds, the least recently used first).
     *
     * @param names at most {@code --max-loras} held adapters
     */
    Map<String, Integer> place(Set<String> names) {
        steps++;
        Map<String, Integer> placed = new HashMap<>();
        boolean[] taken = new boolean[slots.length];
        for (String name : names) {
            int slot = slotOf(loaded.get(name));
            if (slot >= 0) {
                placed.put(name, slot);
                taken[slot] = true;
            }
        }
        for (String name : names) {
            if (!placed.containsKey(name)) {
                int slot = leastRecentlyUsedFree(taken);
                LoraAdapter adapter = loaded.get(name);
                model.setLora(slot, adapter);
                slots[slot] = adapter;
                placed.put(name, slot);
                taken[slot] = true;
            }
        }
        placed.values().forEach(slot -> slotUsed[slot] = steps);
        return placed;
    }

    private int slotOf(LoraAdapter adapter) {
        for (int s = 0; s < slots.length; s++) {
            if (slots[s] == adapter) {
                return s;
            }
        }
        return -1;
    }

    private int leastRecentlyUsedFree(boolean[] taken) {
        int best = -1;
        for (int s = 0; s < slots.length; s++) {
            if (!taken[s] && (best < 0 || slotUsed[s] < slotUsed[best])) {
                best = s;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("a step has more adapters than --max-loras " + slots.length);
        }
        return best;
    }

    /** Closes the least recently used adapters no request holds while more than --max-cpu-loras are loaded. */
    private void evict() {
        for (Iterator<Map.Entry<String, LoraAdapter>> it = loaded.entrySet().iterator();
                it.hasNext() && loaded.size() > config.maxCpuLoras(); ) {
            Map.Entry<String, LoraAdapter> entry = it.next();
            if (!holders.containsKey(entry.getKey())) {
                it.remove();
                int slot = slotOf(entry.getValue());
                if (slot >= 0) {
                    slots[slot] = null; // the program keeps the tensors until the slot is filled again
                }
                entry.getValue().close();
                LOG.info("evicted LoRA adapter {} (--max-cpu-loras {})", entry.getKey(), config.maxCpuLoras());
            }
        }
    }

    @Override
    public void close() {
        loaded.values().forEach(LoraAdapter::close);
        loaded.clear();
        Arrays.fill(slots, null);
    }
}
