package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Future helpers with timeouts, so no test can hang. */
final class TestSupport {
    private TestSupport() {
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    /** Waits for {@code f} to fail and returns its {@link RealtimeException}. */
    static RealtimeException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        RealtimeException r = RealtimeException.unwrap(e);
        assertNotNull(r, "expected a RealtimeException, got " + e.getCause());
        return r;
    }
}
