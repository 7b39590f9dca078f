package dev.realtime.ingest;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A Redis PSUBSCRIBE pattern, matched the way Redis matches it ({@code stringmatchlen}): {@code *}
 * any run of characters (including {@code :}), {@code ?} one character, {@code [abc]}, {@code [^a]},
 * {@code [a-z]} classes, {@code \x} a literal {@code x}; everything else literal and case-sensitive.
 * In addition it reports what each {@code *} matched ({@code $1}, {@code $2}, ...): every {@code *}
 * but the last takes the shortest run that lets the rest match, so for {@code user:*:*} the channel
 * {@code user:42:notification:new} gives {@code $1=42}, {@code $2=notification:new}.
 * Immutable.
 */
final class RedisGlob {
    static final int MAX_STARS = 4;
    static final int MAX_CHANNEL_CHARS = 4096;

    private enum Kind { LITERAL, ANY_ONE, CLASS, STAR }

    /** One pattern element. For CLASS: {@code ranges} as pairs lo,hi and {@code negate}. */
    private record Elem(Kind kind, char ch, char[] ranges, boolean negate) {
    }

    private final String pattern;
    private final Elem[] elems;
    private final int stars;
    private final int specificity;
    private final String literalPrefix;

    private RedisGlob(String pattern, List<Elem> elems, String literalPrefix) {
        this.pattern = pattern;
        this.elems = elems.toArray(new Elem[0]);
        int s = 0;
        int spec = 0;
        for (Elem e : elems) {
            switch (e.kind()) {
                case STAR:
                    s++;
                    break;
                case LITERAL:
                    spec += 2;
                    break;
                default:
                    spec += 1;
                    break;
            }
        }
        this.stars = s;
        this.specificity = spec;
        this.literalPrefix = literalPrefix;
    }

    /** Parses a pattern; the exception message says what is wrong. */
    static RedisGlob compile(String pattern) {
        List<Elem> elems = new ArrayList<>();
        StringBuilder prefix = new StringBuilder();
        boolean inPrefix = true;
        int i = 0;
        while (i < pattern.length()) {
            char c = pattern.charAt(i);
            if (c == '*') {
                inPrefix = false;
                if (elems.isEmpty() || elems.get(elems.size() - 1).kind() != Kind.STAR) {
                    elems.add(new Elem(Kind.STAR, '\0', null, false));
                }
                i++;
            } else if (c == '?') {
                inPrefix = false;
                elems.add(new Elem(Kind.ANY_ONE, '\0', null, false));
                i++;
            } else if (c == '\\') {
                if (i + 1 >= pattern.length()) {
                    throw new IllegalArgumentException("pattern '" + pattern + "' ends with a lone '\\'");
                }
                char lit = pattern.charAt(i + 1);
                elems.add(new Elem(Kind.LITERAL, lit, null, false));
                if (inPrefix) {
                    prefix.append(lit);
                }
                i += 2;
            } else if (c == '[') {
                inPrefix = false;
                i = parseClass(pattern, i, elems);
            } else {
                elems.add(new Elem(Kind.LITERAL, c, null, false));
                if (inPrefix) {
                    prefix.append(c);
                }
                i++;
            }
        }
        RedisGlob glob = new RedisGlob(pattern, elems, prefix.toString());
        if (glob.stars > MAX_STARS) {
            throw new IllegalArgumentException("pattern '" + pattern + "' has " + glob.stars + " '*', at most "
                    + MAX_STARS + " are allowed");
        }
        return glob;
    }

    private static int parseClass(String pattern, int open, List<Elem> elems) {
        int i = open + 1;
        boolean negate = false;
        if (i < pattern.length() && pattern.charAt(i) == '^') {
            negate = true;
            i++;
        }
        StringBuilder ranges = new StringBuilder();
        boolean any = false;
        while (i < pattern.length() && pattern.charAt(i) != ']') {
            char lo = pattern.charAt(i);
            if (lo == '\\' && i + 1 < pattern.length()) {
                lo = pattern.charAt(++i);
            }
            char hi = lo;
            if (i + 2 < pattern.length() && pattern.charAt(i + 1) == '-' && pattern.charAt(i + 2) != ']') {
                hi = pattern.charAt(i + 2);
                if (hi == '\\' && i + 3 < pattern.length()) {
                    hi = pattern.charAt(i + 3);
                    i++;
                }
                i += 2;
                if (lo > hi) {
                    char t = lo;
                    lo = hi;
                    hi = t;
                }
            }
            ranges.append(lo).append(hi);
            any = true;
            i++;
        }
        if (i >= pattern.length()) {
            throw new IllegalArgumentException("unclosed '[' in pattern '" + pattern + "'");
        }
        if (!any) {
            throw new IllegalArgumentException("empty character class '[]' in pattern '" + pattern + "'");
        }
        elems.add(new Elem(Kind.CLASS, '\0', ranges.toString().toCharArray(), negate));
        return i + 1;
    }

    String pattern() {
        return pattern;
    }

    /** How many {@code *} (consecutive stars count once): the captures {@code $1..$n}. */
    int stars() {
        return stars;
    }

    /** Two points per literal character, one per {@code ?} or class: the more, the more specific. */
    int specificity() {
        return specificity;
    }

    /** The literal characters before the first wildcard or class. */
    String literalPrefix() {
        return literalPrefix;
    }

    /** A Java regex matching exactly the channels this pattern matches (DOTALL). */
    String regex() {
        StringBuilder out = new StringBuilder();
        for (Elem e : elems) {
            switch (e.kind()) {
                case STAR -> out.append(".*");
                case ANY_ONE -> out.append('.');
                case LITERAL -> out.append(java.util.regex.Pattern.quote(String.valueOf(e.ch())));
                default -> {
                    out.append(e.negate() ? "[^" : "[");
                    char[] r = e.ranges();
                    for (int k = 0; k < r.length; k += 2) {
                        out.append(String.format("\\x{%x}-\\x{%x}", (int) r[k], (int) r[k + 1]));
                    }
                    out.append(']');
                }
            }
        }
        return out.toString();
    }

    boolean matches(String channel) {
        return match(channel) != null;
    }

    /** What each {@code *} matched, or {@code null} if the channel does not match. */
    String[] match(String channel) {
        if (channel == null || channel.length() > MAX_CHANNEL_CHARS) {
            return null;
        }
        int[] caps = new int[stars * 2];
        BitSet failed = stars > 1 ? new BitSet((elems.length + 1) * (channel.length() + 1)) : null;
        if (!match(0, channel, 0, caps, 0, failed)) {
            return null;
        }
        String[] out = new String[stars];
        for (int k = 0; k < stars; k++) {
            out[k] = channel.substring(caps[2 * k], caps[2 * k + 1]);
        }
        return out;
    }

    /** Backtracking with a memo of failed (element, position) pairs, so it stays polynomial. */
    private boolean match(int pi, String s, int si, int[] caps, int star, BitSet failed) {
        int key = pi * (s.length() + 1) + si;
        if (failed != null && failed.get(key)) {
            return false;
        }
        while (pi < elems.length) {
            Elem e = elems[pi];
            if (e.kind() == Kind.STAR) {
                if (pi == elems.length - 1) {
                    caps[2 * star] = si;
                    caps[2 * star + 1] = s.length();
                    return true;
                }
                for (int end = si; end <= s.length(); end++) {
                    caps[2 * star] = si;
                    caps[2 * star + 1] = end;
                    if (match(pi + 1, s, end, caps, star + 1, failed)) {
                        return true;
                    }
                }
                if (failed != null) {
                    failed.set(key);
                }
                return false;
            }
            if (si >= s.length() || !one(e, s.charAt(si))) {
                if (failed != null) {
                    failed.set(key);
                }
                return false;
            }
            pi++;
            si++;
        }
        boolean ok = si == s.length();
        if (!ok && failed != null) {
            failed.set(key);
        }
        return ok;
    }

    private static boolean one(Elem e, char c) {
        switch (e.kind()) {
            case LITERAL:
                return e.ch() == c;
            case ANY_ONE:
                return true;
            case CLASS:
                boolean in = false;
                char[] r = e.ranges();
                for (int k = 0; k < r.length; k += 2) {
                    if (c >= r[k] && c <= r[k + 1]) {
                        in = true;
                        break;
                    }
                }
                return in != e.negate();
            default:
                return false;
        }
    }

    @Override
    public String toString() {
        return pattern;
    }
}
