package dev.realtime.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One quiz player: queues for {@code 1v1_rapid_quiz}, answers each question of its match as soon as
 * the previous answer shows in a {@code match:stateUpdate} (after {@code --think-ms}), and queues again
 * when the match completes, until the run stops. Times {@code match:found} from the later of the two
 * players' joins, and each {@code match:stateUpdate} that shows its own answer from that answer's send.
 *
 * <p>Threading: confined to the channel's event loop (like {@link LoadConnection}); the run's shared
 * counters are thread-safe.
 */
final class QuizPlayer extends LoadConnection {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String GAME = "1v1_rapid_quiz";
    private static final byte[] JOIN = ("{\"gameType\":\"" + GAME + "\"}").getBytes(StandardCharsets.UTF_8);

    private final QuizScenario.Run run;
    private final String userId;
    private final ProtocolAdapter protocol;
    private final Stats counters;
    private long nextId = 1;
    private long joinId = -1;
    private JsonNode questions;
    private int answered;
    private long submittedAt;
    private boolean inMatch;

    QuizPlayer(int index, int node, ProtocolAdapter adapter, Stats stats, QuizScenario.Run run) {
        super(index, node, List.of(), -1, adapter, stats, () -> Long.MAX_VALUE);
        this.run = run;
        this.userId = "load-" + index; // the Fleet signs tokens for load-<i>
        this.protocol = adapter;
        this.counters = stats;
    }

    /** Starts playing (from any thread). */
    void start() {
        channel().eventLoop().execute(this::join);
    }

    private void join() {
        if (run.stopping || !channel().isActive()) {
            return;
        }
        run.joinSentAt.set(index, System.nanoTime());
        joinId = nextId++;
        sendCounted(protocol.emit(channel().alloc(), "matchmaking:join", JOIN, joinId));
    }

    private void sendCounted(io.netty.handler.codec.http.websocketx.WebSocketFrame frame) {
        counters.sent.increment();
        channel().writeAndFlush(frame, channel().voidPromise());
    }

    @Override
    public void reply(long id, boolean ok, String errorCode) {
        if (ok) {
            return;
        }
        counters.error("reply_" + errorCode);
        if (id == joinId && !inMatch) {
            channel().eventLoop().schedule(this::join, 100, TimeUnit.MILLISECONDS); // e.g. unavailable: try again
        }
    }

    @Override
    public boolean wantsEventNames() {
        return true;
    }

    @Override
    public void event(String name, ByteBuf data) {
        counters.delivered.increment();
        long now = System.nanoTime();
        switch (name) {
            case "match:found" -> found(parse(data), now);
            case "match:stateUpdate" -> stateUpdate(parse(data), now);
            case "match:completed" -> completed(now);
            default -> {
                // other events (none expected) are not ours
            }
        }
    }

    private void found(JsonNode m, long now) {
        if (m == null || inMatch) {
            return;
        }
        inMatch = true;
        run.playing.incrementAndGet();
        String opponent = m.path("opponentUserId").asText();
        if (opponent.startsWith("load-")) {
            long second = Math.max(run.joinSentAt.get(index),
                    run.joinSentAt.get(Integer.parseInt(opponent.substring("load-".length()))));
            if (second - run.measureFrom >= 0) {
                run.found.recordValue(Math.max(0, (now - second) / 1000));
            }
        }
        questions = m.path("questions");
        answered = 0;
        answerSoon();
    }

    private void stateUpdate(JsonNode s, long now) {
        if (s == null || !inMatch || submittedAt == 0) {
            return;
        }
        JsonNode me = userId.equals(s.path("playerA").path("userId").asText()) ? s.path("playerA") : s.path("playerB");
        if (me.path("activeQuestionIndex").asInt() != answered + 1) {
            return; // the opponent's progress
        }
        if (submittedAt - run.measureFrom >= 0) {
            counters.measuredDelivered.increment();
            counters.recordLatencyNanos(now - submittedAt);
        }
        submittedAt = 0;
        answered++;
        if (answered < questions.size()) {
            answerSoon();
        }
    }

    private void completed(long now) {
        if (!inMatch) {
            return;
        }
        inMatch = false;
        run.playing.decrementAndGet();
        if (now - run.measureFrom >= 0 && run.end - now >= 0) {
            run.completions.increment();
        }
        run.allCompletions.increment();
        if (run.thinkMillis > 0) {
            channel().eventLoop().schedule(this::join, run.thinkMillis, TimeUnit.MILLISECONDS);
        } else {
            join();
        }
    }

    private void answerSoon() {
        if (run.thinkMillis > 0) {
            channel().eventLoop().schedule(this::answer, run.thinkMillis, TimeUnit.MILLISECONDS);
        } else {
            answer();
        }
    }

    private void answer() {
        if (!inMatch || !channel().isActive()) {
            return;
        }
        JsonNode options = questions.path(answered).path("options");
        String choice = options.size() == 0 ? "" : options.get(ThreadLocalRandom.current().nextInt(options.size())).asText();
        int timer = 500 + ThreadLocalRandom.current().nextInt(5000);
        byte[] body = ("{\"answer\":" + quote(choice) + ",\"timer\":" + timer + "}").getBytes(StandardCharsets.UTF_8);
        submittedAt = System.nanoTime();
        run.answers.increment();
        sendCounted(protocol.emit(channel().alloc(), "match:submitAnswer", body, nextId++));
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parse(ByteBuf data) {
        try {
            return JSON.readTree((java.io.InputStream) new ByteBufInputStream(data.duplicate()));
        } catch (IOException e) {
            counters.error("unparsable_event");
            return null;
        }
    }
}
