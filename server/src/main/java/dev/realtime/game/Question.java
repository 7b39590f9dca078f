package dev.realtime.game;

import java.util.List;

/**
 * One quiz question of the bank. {@link #answer} is one of {@link #options} and never leaves the
 * server: clients see {@link #id}, {@link #question} and {@link #options} only. Immutable.
 */
public record Question(int id, String topic, Difficulty difficulty, String question, List<String> options,
                       String answer) {

    /** How hard a question is; a match asks its questions easiest first. */
    public enum Difficulty { EASY, MEDIUM, HARD }

    public Question {
        options = List.copyOf(options);
    }
}
