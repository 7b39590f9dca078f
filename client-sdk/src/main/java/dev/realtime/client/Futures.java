package dev.realtime.client;

import java.util.concurrent.CompletableFuture;

/** Small future helpers. Stateless. */
final class Futures {
    private Futures() {
    }

    /** The error for anything attempted after {@code close()}. */
    static RealtimeException closedError() {
        return new RealtimeException(RealtimeException.CLOSED, "the client was closed");
    }

    /** Completes {@code to} like {@code from}, without wrapping the exception. */
    static <T> void relay(CompletableFuture<T> from, CompletableFuture<T> to) {
        from.whenComplete((v, e) -> {
            if (e != null) {
                to.completeExceptionally(e);
            } else {
                to.complete(v);
            }
        });
    }
}
