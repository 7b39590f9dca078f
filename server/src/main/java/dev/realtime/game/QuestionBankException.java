package dev.realtime.game;

import java.util.List;

/**
 * The question bank cannot be used. Each problem names the file (and, for content problems, the
 * line and column and the path of the wrong field, e.g. {@code questions[3].answer}); the message
 * lists every problem. Thrown at startup: the node does not start.
 */
public final class QuestionBankException extends RuntimeException {
    private final List<String> problems;

    public QuestionBankException(String origin, List<String> problems) {
        super(problems.size() == 1 ? "Invalid question bank: " + problems.get(0)
                : "Invalid question bank " + origin + " (" + problems.size() + " problems):\n  - "
                        + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
