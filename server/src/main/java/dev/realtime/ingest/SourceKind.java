package dev.realtime.ingest;

/** Where a record came from; each kind has its own namespace of source names in the route table. */
public enum SourceKind {
    /** A Kafka topic (exact name). */
    KAFKA("kafka"),
    /** A Redis pub/sub channel, matched against the table's channel patterns (PSUBSCRIBE globs). */
    REDIS("redis"),
    /** A name used by {@code POST /api/events/{source}}. */
    HTTP("http");

    private final String key;

    SourceKind(String key) {
        this.key = key;
    }

    /** The key naming this kind in a route object ({@code "kafka"}, {@code "redis"}, {@code "http"}). */
    public String key() {
        return key;
    }
}
