package dev.realtime.ingest;

/** A record cannot be routed at all: too large or not JSON. Dead-letter it (Kafka) or answer 4xx (HTTP). */
public final class RecordException extends Exception {
    /** Why a record was refused. */
    public enum Reason {
        /** Larger than {@link RouteTable#maxRecordBytes()}: HTTP 413, Kafka dead letter. */
        TOO_LARGE("too_large"),
        /** Empty, not JSON, or nested too deeply: HTTP 400, Kafka dead letter. */
        MALFORMED("malformed");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        /** A metric label value. */
        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public RecordException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
