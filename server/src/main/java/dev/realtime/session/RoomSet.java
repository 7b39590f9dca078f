package dev.realtime.session;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.NoSuchElementException;

/**
 * A connection's rooms, in the order they were joined: an array searched linearly while there are
 * few (an idle connection has two: {@code user:{id}} and {@code global}), a {@link LinkedHashSet}
 * from {@value #SMALL} on. A {@code LinkedHashSet} of two costs about 230 bytes, this about 56, and
 * every connection has one (issue 12: heap per idle connection).
 *
 * <p>Threading: owned by the connection's event loop, like its {@link Session}.
 */
final class RoomSet extends AbstractSet<String> {
    static final int SMALL = 8;
    private String[] small = new String[4];
    private int size;
    /** Non-null once the set outgrew {@link #SMALL}; then the only storage. */
    private LinkedHashSet<String> large;

    @Override
    public boolean contains(Object o) {
        if (large != null) {
            return large.contains(o);
        }
        return indexOf(o) >= 0;
    }

    private int indexOf(Object o) {
        for (int i = 0; i < size; i++) {
            if (small[i].equals(o)) {
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
                large.add(small[i]);
            }
            small = null;
            size = 0;
            return large.add(room);
        }
        if (size == small.length) {
            small = java.util.Arrays.copyOf(small, SMALL);
        }
        small[size++] = room;
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
        System.arraycopy(small, i + 1, small, i, size - i - 1);
        small[--size] = null;
    }

    @Override
    public int size() {
        return large != null ? large.size() : size;
    }

    @Override
    public void clear() {
        large = null;
        small = new String[4];
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
                return small[next++];
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
