package dev.realtime.client;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Where tokens come from: a fixed token (possibly none, for anonymous connections), or a supplier
 * that is asked again for every connection attempt and for every refresh. Immutable; the supplier
 * runs on {@code executor}, never on the client's event loop, so it may block (e.g. call an auth
 * service).
 */
final class TokenSource {
    private final String fixed;
    private final Supplier<String> supplier;
    private final Executor executor;

    private TokenSource(String fixed, Supplier<String> supplier, Executor executor) {
        this.fixed = fixed;
        this.supplier = supplier;
        this.executor = executor;
    }

    static TokenSource fixed(String token) {
        return new TokenSource(token, null, null);
    }

    static TokenSource supplied(Supplier<String> supplier, Executor executor) {
        return new TokenSource(null, supplier, executor);
    }

    /** Whether a new token can be obtained (a supplier is configured). */
    boolean refreshable() {
        return supplier != null;
    }

    /**
     * The token for the next attempt: completes with the fixed token (null = none), or with the
     * supplier's answer, or fails with {@code token_failed}. Never completes with a blank supplied token.
     */
    CompletableFuture<String> next() {
        if (supplier == null) {
            return CompletableFuture.completedFuture(fixed);
        }
        CompletableFuture<String> out = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    String token = supplier.get();
                    if (token == null || token.isBlank()) {
                        out.completeExceptionally(new RealtimeException(RealtimeException.TOKEN_FAILED,
                                "the token supplier returned no token"));
                    } else {
                        out.complete(token);
                    }
                } catch (RuntimeException e) {
                    out.completeExceptionally(new RealtimeException(RealtimeException.TOKEN_FAILED,
                            "the token supplier failed: " + e.getClass().getName(), null, e));
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(new RealtimeException(RealtimeException.TOKEN_FAILED,
                    "the token executor refused the task: " + e.getClass().getName(), null, e));
        }
        return out;
    }
}
