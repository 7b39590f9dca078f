package dev.realtime.game;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.ingest.LocatedJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * The quiz questions: the bundled bank ({@code game/questions.json}, 72 questions over six topics and
 * three difficulties) or the file {@code QUESTIONS_FILE} names, read and validated once at startup.
 * A bad file stops the start with every problem listed, each with the file, line and column and the
 * path of the wrong field (as the route table does). Immutable and thread-safe.
 *
 * <p>File format: {@code {"version":1, "questions":[{"id":1, "topic":"math", "difficulty":"easy",
 * "question":"...", "options":["..",".."], "answer":".."}, ...]}}; {@code //} comments allowed.
 */
public final class QuestionBank {
    static final String BUNDLED_RESOURCE = "/game/questions.json";
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;
    static final int MAX_TEXT = 500;
    static final int MAX_OPTION = 200;
    private static final Set<String> TOP_KEYS = Set.of("version", "description", "questions");
    private static final Set<String> QUESTION_KEYS = Set.of("id", "topic", "difficulty", "question", "options", "answer");

    private final String origin;
    private final List<Question> questions;

    private QuestionBank(String origin, List<Question> questions) {
        this.origin = origin;
        this.questions = List.copyOf(questions);
    }

    /** {@code file} when set (not blank), else the bundled bank; it must hold at least {@code perMatch} questions. */
    public static QuestionBank load(String file, int perMatch) {
        if (file == null || file.isBlank()) {
            return parse(bundledText(), "questions.json (bundled)", perMatch);
        }
        Path path = Path.of(file);
        String origin = path.toString();
        try {
            if (Files.size(path) > MAX_FILE_BYTES) {
                throw new QuestionBankException(origin, List.of(origin + ": larger than " + MAX_FILE_BYTES + " bytes"));
            }
            return parse(Files.readString(path, StandardCharsets.UTF_8), origin, perMatch);
        } catch (IOException e) {
            throw new QuestionBankException(origin, List.of(origin + " (QUESTIONS_FILE): cannot read the file: " + e));
        }
    }

    static String bundledText() {
        try (InputStream in = QuestionBank.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled resource " + BUNDLED_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses and validates a bank; throws {@link QuestionBankException} listing every problem. */
    public static QuestionBank parse(String text, String origin, int perMatch) {
        LocatedJson doc = LocatedJson.parse(text, origin, QuestionBankException::new);
        List<String> problems = new ArrayList<>();
        List<Question> out = new ArrayList<>();
        JsonNode root = doc.root;
        if (!root.isObject()) {
            throw new QuestionBankException(origin, List.of(doc.at("") + "the file must hold a JSON object like "
                    + "{\"version\":1,\"questions\":[...]}"));
        }
        unknownKeys(doc, root, "", TOP_KEYS, problems);
        JsonNode version = root.get("version");
        if (version != null && !(version.isIntegralNumber() && version.asInt() == 1)) {
            problems.add(doc.at("version") + "unsupported version " + version + " (this server reads version 1)");
        }
        JsonNode list = root.get("questions");
        if (list == null || !list.isArray()) {
            problems.add(doc.at(list == null ? "" : "questions") + "\"questions\" must be an array of question objects");
        } else {
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                Question q = question(doc, list.get(i), "questions[" + i + "]", ids, problems);
                if (q != null) {
                    out.add(q);
                }
            }
            if (problems.isEmpty() && out.size() < perMatch) {
                problems.add(doc.at("questions") + "holds " + out.size() + " questions but a match asks "
                        + perMatch + " (QUIZ_QUESTIONS_PER_MATCH)");
            }
        }
        if (!problems.isEmpty()) {
            throw new QuestionBankException(origin, problems);
        }
        return new QuestionBank(origin, out);
    }

    private static Question question(LocatedJson doc, JsonNode node, String path, Set<Integer> ids, List<String> problems) {
        if (!node.isObject()) {
            problems.add(doc.at(path) + "a question must be an object like {\"id\":1,\"topic\":\"math\",\"difficulty\":"
                    + "\"easy\",\"question\":\"..\",\"options\":[..],\"answer\":\"..\"}");
            return null;
        }
        int before = problems.size();
        unknownKeys(doc, node, path, QUESTION_KEYS, problems);
        JsonNode idNode = node.get("id");
        int id = 0;
        if (idNode == null || !idNode.canConvertToInt() || !idNode.isIntegralNumber() || idNode.asInt() < 1) {
            problems.add(doc.at(idNode == null ? path : path + ".id") + "\"id\" must be a whole number >= 1");
        } else if (!ids.add(idNode.asInt())) {
            problems.add(doc.at(path + ".id") + "duplicate id " + idNode.asInt());
        } else {
            id = idNode.asInt();
        }
        String topic = text(doc, node, path, "topic", 50, problems);
        Question.Difficulty difficulty = null;
        JsonNode d = node.get("difficulty");
        if (d == null || !d.isTextual()) {
            problems.add(doc.at(d == null ? path : path + ".difficulty") + "\"difficulty\" must be easy, medium or hard");
        } else {
            try {
                difficulty = Question.Difficulty.valueOf(d.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(doc.at(path + ".difficulty") + "'" + d.asText() + "' is not easy, medium or hard");
            }
        }
        String text = text(doc, node, path, "question", MAX_TEXT, problems);
        List<String> options = new ArrayList<>();
        JsonNode opts = node.get("options");
        if (opts == null || !opts.isArray() || opts.size() < 2 || opts.size() > 6) {
            problems.add(doc.at(opts == null ? path : path + ".options") + "\"options\" must be an array of 2 to 6 answers");
        } else {
            for (int i = 0; i < opts.size(); i++) {
                JsonNode o = opts.get(i);
                String at = path + ".options[" + i + "]";
                if (!o.isTextual() || o.asText().isBlank() || o.asText().length() > MAX_OPTION) {
                    problems.add(doc.at(at) + "each option must be a non-empty string of at most " + MAX_OPTION + " characters");
                } else if (options.contains(o.asText())) {
                    problems.add(doc.at(at) + "'" + o.asText() + "' is listed twice");
                } else {
                    options.add(o.asText());
                }
            }
        }
        String answer = text(doc, node, path, "answer", MAX_OPTION, problems);
        if (answer != null && opts != null && opts.isArray() && !options.contains(answer)) {
            problems.add(doc.at(path + ".answer") + "'" + answer + "' is not one of the options " + options);
        }
        if (problems.size() > before) {
            return null;
        }
        return new Question(id, topic, difficulty, text, options, answer);
    }

    private static String text(LocatedJson doc, JsonNode node, String path, String key, int max, List<String> problems) {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual() || v.asText().isBlank() || v.asText().length() > max) {
            problems.add(doc.at(v == null ? path : path + "." + key) + "\"" + key + "\" must be a non-empty string of at most "
                    + max + " characters");
            return null;
        }
        return v.asText();
    }

    private static void unknownKeys(LocatedJson doc, JsonNode obj, String path, Set<String> known, List<String> problems) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                String near = LocatedJson.nearest(k, known);
                problems.add(doc.at(path.isEmpty() ? k : path + "." + k) + "unknown key '" + k + "'"
                        + (near != null ? " (did you mean '" + near + "'?)" : " (known: " + new TreeSet<>(known) + ")"));
            }
        }
    }

    /** Where the bank came from (a file name, or the bundled resource). */
    public String origin() {
        return origin;
    }

    public int size() {
        return questions.size();
    }

    public List<Question> all() {
        return questions;
    }

    /** The distinct topics, sorted. */
    public Set<String> topics() {
        Set<String> topics = new TreeSet<>();
        questions.forEach(q -> topics.add(q.topic()));
        return topics;
    }

    /**
     * {@code n} distinct questions drawn uniformly at random, asked easiest first (ties in drawing order).
     * {@code n} must not exceed {@link #size()}.
     */
    public List<Question> draw(int n, RandomGenerator random) {
        if (n > questions.size()) {
            throw new IllegalArgumentException("asked " + n + " questions of a bank of " + questions.size());
        }
        // Partial Fisher-Yates over indices: O(n) picks without touching the shared list.
        int[] idx = new int[questions.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        List<Question> picked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            picked.add(questions.get(idx[i]));
        }
        picked.sort(Comparator.comparing(Question::difficulty));
        return picked;
    }
}
