package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled bank, QUESTIONS_FILE, and what a bad file says. */
class QuestionBankTest {

    @Test
    void theBundledBankHasEnoughVariedQuestions() {
        QuestionBank bank = QuestionBank.load(null, 5);
        assertTrue(bank.size() >= 60, "size " + bank.size());
        assertTrue(bank.topics().size() >= 5, bank.topics().toString());
        Set<Question.Difficulty> levels = new HashSet<>();
        bank.all().forEach(q -> levels.add(q.difficulty()));
        assertEquals(Set.of(Question.Difficulty.values()), levels);
    }

    @Test
    void drawsDistinctQuestionsEasiestFirst() {
        QuestionBank bank = QuestionBank.load(null, 5);
        Random random = new Random(7);
        for (int i = 0; i < 50; i++) {
            List<Question> drawn = bank.draw(5, random);
            assertEquals(5, new HashSet<>(drawn).size());
            for (int j = 1; j < drawn.size(); j++) {
                assertTrue(drawn.get(j - 1).difficulty().compareTo(drawn.get(j).difficulty()) <= 0, drawn.toString());
            }
        }
        assertEquals(bank.size(), bank.draw(bank.size(), random).size());
    }

    @Test
    void aFileReplacesTheBundledBank(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("mine.json");
        Files.writeString(file, """
                // two questions are enough for two per match
                {"questions": [
                  {"id": 10, "topic": "t", "difficulty": "medium", "question": "Q1?", "options": ["a", "b"], "answer": "b"},
                  {"id": 11, "topic": "t", "difficulty": "easy", "question": "Q2?", "options": ["c", "d"], "answer": "c"}
                ]}""");
        QuestionBank bank = QuestionBank.load(file.toString(), 2);
        assertEquals(2, bank.size());
        assertEquals(file.toString(), bank.origin());
        assertEquals(11, bank.draw(2, new Random()).get(0).id(), "easy first");
    }

    @Test
    void badFilesNameTheFileTheLineAndTheProblem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, """
                {"questions": [
                  {"id": 1, "topic": "t", "difficulty": "easy", "question": "Q?", "options": ["a", "b"], "answer": "c"},
                  {"id": 1, "topic": "t", "difficulty": "extreme", "question": "Q?", "options": ["a", "a"], "answer": "a"},
                  {"id": 2, "topic": "t", "difficulty": "easy", "question": "", "optoins": ["a", "b"], "answer": "a"}
                ]}""");
        QuestionBankException e = assertThrows(QuestionBankException.class, () -> QuestionBank.load(file.toString(), 1));
        String all = String.join("\n", e.problems());
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
        assertTrue(all.contains("bad.json line 2, column ") && all.contains("questions[0].answer: 'c' is not one of the options"), all);
        assertTrue(all.contains("questions[1].id: duplicate id 1"), all);
        assertTrue(all.contains("'extreme' is not easy, medium or hard"), all);
        assertTrue(all.contains("questions[1].options[1]: 'a' is listed twice"), all);
        assertTrue(all.contains("unknown key 'optoins' (did you mean 'options'?)"), all);
        assertTrue(all.contains("\"question\" must be a non-empty string"), all);

        Files.writeString(file, "{\"questions\": [ {\"id\": 1,, } ]}");
        String syntax = assertThrows(QuestionBankException.class, () -> QuestionBank.load(file.toString(), 1)).getMessage();
        assertTrue(syntax.contains("bad.json line 1, column") && syntax.contains("invalid JSON"), syntax);

        Files.writeString(file, "{\"questions\": [{\"id\": 1, \"topic\": \"t\", \"difficulty\": \"easy\", \"question\": \"Q\","
                + " \"options\": [\"a\", \"b\"], \"answer\": \"a\"}]}");
        String few = assertThrows(QuestionBankException.class, () -> QuestionBank.load(file.toString(), 5)).getMessage();
        assertTrue(few.contains("holds 1 questions but a match asks 5 (QUIZ_QUESTIONS_PER_MATCH)"), few);

        String missing = assertThrows(QuestionBankException.class,
                () -> QuestionBank.load(dir.resolve("nope.json").toString(), 5)).getMessage();
        assertTrue(missing.contains("nope.json") && missing.contains("cannot read"), missing);
    }

    @Test
    void aBadQuestionsFileStopsTheNodeFromStarting(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "[]");
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(Map.of("PORT", "0", "HOST", "127.0.0.1",
                "JWT_SECRET", "test-secret-0123456789-abcdefghij", "QUESTIONS_FILE", file.toString())));
        QuestionBankException e = assertThrows(QuestionBankException.class, server::start);
        assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    }
}
