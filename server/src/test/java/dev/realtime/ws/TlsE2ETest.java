package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.TestNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/** TLS_CERT/TLS_KEY serve https and wss (test certificate for 127.0.0.1 in test resources). */
class TlsE2ETest {

    @Test
    void httpsAndWss() throws Exception {
        Path cert = Path.of(getClass().getResource("/tls/cert.pem").toURI());
        Path key = Path.of(getClass().getResource("/tls/key.pem").toURI());
        try (TestNode node = TestNode.start(Map.of("TLS_CERT", cert.toString(), "TLS_KEY", key.toString()))) {
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + node.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());

            CompletableFuture<String> first = new CompletableFuture<>();
            WebSocket ws = client.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestNode.token("tls-user"))
                    .buildAsync(URI.create("wss://127.0.0.1:" + node.port() + "/ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            first.complete(data.toString());
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            String connected = first.get(10, TimeUnit.SECONDS);
            assertEquals(true, connected.contains("\"userId\":\"tls-user\""), connected);
            ws.abort();
        }
    }

    private static SSLContext trusting(Path certPem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = java.nio.file.Files.newInputStream(certPem)) {
            ks.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
