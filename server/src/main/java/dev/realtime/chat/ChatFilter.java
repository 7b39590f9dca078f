package dev.realtime.chat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The optional word filter of the live chat ({@code CHAT_BLOCKED_WORDS_FILE}): a UTF-8 file with one
 * word or phrase per line ({@code #} starts a comment line, blank lines are skipped). A message is
 * refused when it contains a listed word or phrase as whole words, ignoring case ("class" is not
 * refused for "ass") and how much whitespace separates a phrase's words. Immutable and thread-safe.
 */
public final class ChatFilter {
    /** Lets everything through. */
    public static final ChatFilter NONE = new ChatFilter(Set.of(), null);

    private final Set<String> words;
    private final Pattern phrases;

    private ChatFilter(Set<String> words, Pattern phrases) {
        this.words = words;
        this.phrases = phrases;
    }

    /** Reads {@code file}; a missing or unreadable file throws with its name. */
    public static ChatFilter load(Path file) {
        try {
            return of(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("CHAT_BLOCKED_WORDS_FILE " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** A filter from lines as in the file. */
    public static ChatFilter of(List<String> lines) {
        Set<String> words = new HashSet<>();
        List<String> phrases = new ArrayList<>();
        for (String line : lines) {
            String w = line.strip();
            if (w.isEmpty() || w.startsWith("#")) {
                continue;
            }
            w = w.toLowerCase(Locale.ROOT);
            if (w.codePoints().allMatch(ChatFilter::wordChar)) {
                words.add(w);
            } else { // a phrase: its words in order, separated by any whitespace
                phrases.add(String.join("\\s+", java.util.Arrays.stream(w.split("\\s+")).map(Pattern::quote).toList()));
            }
        }
        Pattern p = phrases.isEmpty() ? null : Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + String.join("|", phrases)
                + ")(?![\\p{L}\\p{N}_])", Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        return new ChatFilter(Set.copyOf(words), p);
    }

    private static boolean wordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }

    /** Whether {@code message} contains a blocked word or phrase. O(length) for words. */
    public boolean blocks(String message) {
        if (!words.isEmpty()) {
            int i = 0;
            int n = message.length();
            while (i < n) {
                while (i < n && !wordChar(message.codePointAt(i))) {
                    i += Character.charCount(message.codePointAt(i));
                }
                int start = i;
                while (i < n && wordChar(message.codePointAt(i))) {
                    i += Character.charCount(message.codePointAt(i));
                }
                if (i > start && words.contains(message.substring(start, i).toLowerCase(Locale.ROOT))) {
                    return true;
                }
            }
        }
        return phrases != null && phrases.matcher(message).find();
    }

    /** Entries loaded (for the startup log). */
    public int size() {
        return words.size() + (phrases == null ? 0 : 1);
    }
}
