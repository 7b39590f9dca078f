package dev.realtime.session;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;

/**
 * A connection's rooms, in the order they were joined: the first two in fields, the next few in an
 * array, all searched linearly while there are few (an idle connection has two: {@code user:{id}}
 * and {@code global}), a {@link LinkedHashSet} from {@value #SMALL} on. A {@code LinkedHashSet} of
 * two costs about 230 bytes, this 32, and every connection has one (issue 12: heap per idle
 * connection).
 *
 * <p>Threading: owned by the connection's event loop, like its {@link Session}.
 */
final class RoomSet extends AbstractSet<String> {
    static final int SMALL = 8;
    private String first;
    private String second;
    /** Elements 2 and up while small; null until needed. */
    private String[] rest;
    private int size;
    /** Non-null once the set outgrew {@link #SMALL}; then the only storage. */
    private LinkedHashSet<String> large;

    private String get(int i) {
        return i == 0 ? first : i == 1 ? second : rest[i - 2];
    }

    private void set(int i, String v) {
        if (i == 0) {
            first = v;
        } else if (i == 1) {
            second = v;
        } else {
            rest[i - 2] = v;
        }
    }

    @Override
    public boolean contains(Object o) {
        if (large != null) {
            return large.contains(o);
        }
        return indexOf(o) >= 0;
    }

    private int indexOf(Object o) {
        for (int i = 0; i < size; i++) {
            if (get(i).equals(o)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean add(String room) {
        if (large != null) {
            return large.add(room);
        }
        if (indexOf(room) >= 0) {
            return false;
        }
        if (size == SMALL) {
            large = new LinkedHashSet<>(SMALL * 4);
            for (int i = 0; i < size; i++) {
                large.add(get(i));
            }
            first = null;
            second = null;
            rest = null;
            size = 0;
            return large.add(room);
        }
        if (size >= 2 && rest == null) {
            rest = new String[SMALL - 2];
        }
        set(size++, room);
        return true;
    }

    @Override
    public boolean remove(Object o) {
        if (large != null) {
            return large.remove(o);
        }
        int i = indexOf(o);
        if (i < 0) {
            return false;
        }
        removeAt(i);
        return true;
    }

    private void removeAt(int i) {
        for (int k = i; k < size - 1; k++) {
            set(k, get(k + 1));
        }
        set(--size, null);
    }

    @Override
    public int size() {
        return large != null ? large.size() : size;
    }

    @Override
    public void clear() {
        large = null;
        first = null;
        second = null;
        rest = null;
        size = 0;
    }

    @Override
    public Iterator<String> iterator() {
        if (large != null) {
            return large.iterator();
        }
        return new Iterator<>() {
            private int next;
            private boolean removable;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public String next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                removable = true;
                return get(next++);
            }

            @Override
            public void remove() {
                if (!removable) {
                    throw new IllegalStateException();
                }
                removable = false;
                removeAt(--next);
            }
        };
    }
}
