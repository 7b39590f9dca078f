package dev.realtime.protocol;

/** Thrown by codecs when a frame cannot be decoded at all (as opposed to one bad batch element). */
public final class ProtocolException extends RuntimeException {
    private final ErrorCode code;

    public ProtocolException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
