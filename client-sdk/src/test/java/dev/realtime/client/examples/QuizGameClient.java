package dev.realtime.client.examples;

import dev.realtime.client.ConnectedInfo;
import dev.realtime.client.RealtimeClient;
import dev.realtime.client.RealtimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * A quiz player: queues for a 1v1 rapid quiz, joins the match room, answers every question of its
 * match (each answer after the previous one was accepted), prints the live score and returns the
 * final result.
 *
 * <p>Run (from the repository root): {@code RT_TOKEN=<jwt> mvn -q -pl client-sdk -am -DskipTests
 * test-compile exec:java -Dexample=QuizGameClient -Dexec.args=ws://localhost:8080/ws}. Handlers run
 * on the client's event loop and only hand work to the game's own thread; nothing blocks the event loop.
 */
public final class QuizGameClient {

    /** {@code match:found}: the match, the opponent and the questions (never the answers). */
    public record MatchFound(String matchId, String opponentClientId, String opponentUserId, List<Question> questions) {
    }

    /** One question of a match. */
    public record Question(int id, String question, List<String> options) {
    }

    /** {@code match:submitAnswer} data: the chosen option and how long the player took, in ms. */
    public record Answer(String answer, long timer) {
    }

    /** The reply to an answer: whether it was right and the points it scored. */
    public record Answered(String matchId, int questionIndex, boolean correct, int points, int score) {
    }

    /** One player's progress in a {@code match:stateUpdate}. */
    public record PlayerState(String userId, int score, int activeQuestionIndex, long timer) {
    }

    /** {@code match:stateUpdate}: both players' progress. */
    public record StateUpdate(String matchId, PlayerState playerA, PlayerState playerB, boolean isMatchComplete,
                              int totalQuestions) {
    }

    /** {@code match:completed}: the result. */
    public record MatchCompleted(String matchId, String reason, String winnerUserId, boolean isDraw,
                                 PlayerState playerA, PlayerState playerB) {
    }

    private QuizGameClient() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "ws://localhost:8080/ws";
        try (RealtimeClient client = RealtimeClient.builder()
                .uri(uri)
                .token(Objects.requireNonNull(System.getenv("RT_TOKEN"), "set RT_TOKEN to a JWT"))
                .build()) {
            client.onError(e -> System.err.println("server error: " + e.code() + " " + e.getMessage()));
            ConnectedInfo me = client.connect().get(10, TimeUnit.SECONDS);
            System.out.println("connected as " + me.userId());
            MatchCompleted result = playOneMatch(client, (q, index) -> q.options().get(0), Duration.ofMinutes(10));
            System.out.println(result.isDraw() ? "draw" : "winner: " + result.winnerUserId() + " (" + result.reason() + ")");
        } catch (ExecutionException e) {
            RealtimeException error = RealtimeException.unwrap(e);
            System.err.println("failed: " + (error != null ? error.code() + " " + error.getMessage() : e.getCause()));
        }
    }

    /**
     * Queues for one match and plays it: {@code choose} picks the answer to each question (a real
     * client asks the player). Returns the result once {@code match:completed} arrives.
     */
    public static MatchCompleted playOneMatch(RealtimeClient client, BiFunction<Question, Integer, String> choose,
                                              Duration timeout) throws Exception {
        ExecutorService game = Executors.newSingleThreadExecutor(); // game logic: off the event loop
        CompletableFuture<MatchCompleted> over = new CompletableFuture<>();
        var found = client.on("match:found", MatchFound.class, match -> game.execute(() -> play(client, match, choose)));
        var updates = client.on("match:stateUpdate", StateUpdate.class, s ->
                System.out.printf("%s %d : %d %s%n", s.playerA().userId(), s.playerA().score(), s.playerB().score(),
                        s.playerB().userId()));
        var completed = client.on("match:completed", MatchCompleted.class, over::complete);
        try {
            Map<?, ?> queued = client.emit("matchmaking:join", Map.of("gameType", "1v1_rapid_quiz"), Map.class)
                    .get(10, TimeUnit.SECONDS);
            System.out.println("queued (" + queued.get("waiting") + " waiting), looking for an opponent...");
            return over.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            found.close();
            updates.close();
            completed.close();
            game.shutdownNow();
        }
    }

    /** On the game thread: joins the match room (as the seed's client does) and answers each question in turn. */
    private static void play(RealtimeClient client, MatchFound match, BiFunction<Question, Integer, String> choose) {
        System.out.println("match " + match.matchId() + " against " + match.opponentUserId());
        client.join(match.matchId()); // the server already joined us; the room is where players may chat
        CompletableFuture<?> chain = CompletableFuture.completedFuture(null);
        for (int i = 0; i < match.questions().size(); i++) {
            Question q = match.questions().get(i);
            int index = i;
            chain = chain.thenCompose(previous -> {
                long started = System.currentTimeMillis();
                String choice = choose.apply(q, index);
                return client.emit("match:submitAnswer", new Answer(choice, System.currentTimeMillis() - started),
                        Answered.class).thenAccept(a -> System.out.println(q.question() + " -> " + choice + ": "
                                + (a.correct() ? "right, +" + a.points() : "wrong")));
            });
        }
        chain.whenComplete((last, error) -> {
            if (error != null) {
                RealtimeException e = RealtimeException.unwrap(error);
                System.err.println("answer refused: " + (e != null ? e.code() + " " + e.getMessage() : error));
            }
        });
    }
}
