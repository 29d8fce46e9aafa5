package io.flinfer.operators.records;

import java.io.Serializable;

/** One input record's bytes and where they came from, so a dead letter can point back at them. */
public final class RawRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String topic;
    private final int partition;
    private final long offset;
    private final byte[] value;

    public RawRecord(String topic, int partition, long offset, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.value = value == null ? new byte[0] : value;
    }

    public String topic() { return topic; }
    public int partition() { return partition; }
    public long offset() { return offset; }
    public byte[] value() { return value; }
}
