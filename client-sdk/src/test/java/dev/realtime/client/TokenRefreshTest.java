package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * On {@code auth:expiring} the client asks the supplier for a fresh token and sends {@code auth}.
 * The server warns before every token's expiry, so with a warning window longer than the token's
 * life every accepted refresh causes the next warning: a third supplier call proves the second token
 * was accepted (a refused refresh would leave the session's warning flag set and stop the cycle).
 */
class TokenRefreshTest {

    @Test
    void refreshesTheTokenWhenTheServerWarnsOfExpiry() throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start(0,
                Map.of("AUTH_EXPIRY_WARNING_MS", "7200000", "AUTH_TIMEOUT_MS", "400"), emits -> { })) {
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch thirdCall = new CountDownLatch(3);
            List<RealtimeException> errors = new CopyOnWriteArrayList<>();
            List<JsonNode> warnings = new CopyOnWriteArrayList<>();
            try (RealtimeClient client = gateway.client("alice")
                    .tokenSupplier(() -> {
                        calls.incrementAndGet();
                        thirdCall.countDown();
                        return GatewayFixture.token("alice");
                    })
                    .build()) {
                client.onError(errors::add);
                client.on("auth:expiring", JsonNode.class, warnings::add);
                await(client.connect());
                assertTrue(thirdCall.await(10, TimeUnit.SECONDS), "supplier calls: " + calls.get());
                await(client.ping()); // the warning that caused the third call has been dispatched by now
                assertTrue(warnings.size() >= 2, "the application sees the warnings too");
                assertTrue(warnings.get(0).get("expiresInMs").asLong() > 0);
                assertEquals(List.of(), errors);
                assertEquals(ConnectionState.CONNECTED, client.state());
            }
        }
    }
}
