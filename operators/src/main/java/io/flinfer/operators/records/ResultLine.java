package io.flinfer.operators.records;

import java.io.Serializable;
import java.util.Objects;

/**
 * One output line of the OpenAI Batch format, with the custom_id that keys it on Kafka. A class,
 * not a record: Flink's Kryo fallback cannot write the final fields of records.
 */
public final class ResultLine implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String customId;
    private final String json;

    public ResultLine(String customId, String json) {
        this.customId = customId;
        this.json = json;
    }

    public String customId() { return customId; }
    public String json() { return json; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultLine r && customId.equals(r.customId) && json.equals(r.json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customId, json);
    }

    @Override
    public String toString() {
        return json;
    }
}
