package dev.realtime.ingest;

import java.util.List;

/**
 * A route file is invalid. Each problem names the file, the line and column, the path of the wrong
 * field ({@code routes[3].targets[0].room}) and what is wrong; the message lists every problem.
 */
public final class RouteTableException extends RuntimeException {
    private final List<String> problems;

    public RouteTableException(String origin, List<String> problems) {
        super(message(origin, problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(String origin, List<String> problems) {
        if (problems.size() == 1) {
            return "Invalid route table: " + problems.get(0);
        }
        return "Invalid route table " + origin + " (" + problems.size() + " problems):\n  - "
                + String.join("\n  - ", problems);
    }

    /** One line per problem, each starting with {@code <file> line <n>, column <c>: <path>: }. */
    public List<String> problems() {
        return problems;
    }
}
