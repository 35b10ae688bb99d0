package io.finitegrad.autodiff;

import java.util.Arrays;

/**
 * Name scopes, as in TensorFlow: nodes created inside {@code try (var s = Names.scope("dense2"))}
 * are named {@code dense2/<op>} (leaves {@code dense2/<name>}), and nested scopes join with
 * {@code /}. Because the guard checks a node when it is created, before {@link Var#label} can run,
 * scopes are how nodes inside a model get readable names in reports. Scopes are per thread.
 *
 * <p>A scope opened by finitegrad's own code (a layer, a loss) also records the creation site once,
 * the user's line that called into the library, and the nodes the library makes inside share it
 * instead of each walking the stack; a scope library code opens inside such a scope shares the
 * same site without a walk of its own (a recurrent layer's per-step scopes, an LSTM's gates), and a
 * library container opens a {@link #siteScope()} so that the layers it calls share one walk. Library
 * code must therefore not call back into user code while one of its scopes is open (containers
 * such as {@code Sequential} open none around a layer of yours).
 *
 * <p>Names are unique within one entry of a scope: the second {@code sum} made inside one
 * {@code Names.scope("blk")} entry is {@code blk/sum_1}, the first keeping the bare name; a new entry
 * of the scope starts again, so a layer's nodes get the same names on every forward call. Library
 * code states its remedy for failures inside its scope with a {@link Hint}.
 */
public final class Names {
    private Names() {
    }

    /**
     * Opens a scope; close it (try-with-resources) to return to the enclosing one.
     *
     * @throws IllegalArgumentException if the name is null, empty or contains '/'
     */
    public static Scope scope(String name) {
        return open(name, null);
    }

    /**
     * Opens a scope whose entry points get {@code hint}'s remedy (see {@link Hint}); scopes opened
     * inside it without a hint keep it.
     *
     * @throws IllegalArgumentException if the name is null, empty or contains '/', or the hint is null
     */
    public static Scope scope(String name, Hint hint) {
        if (hint == null) throw new IllegalArgumentException("Names.scope('" + name + "'): hint is null");
        return open(name, hint);
    }

    /**
     * Opens a scope that changes no name and no numbering, only the creation site: opened by library
     * code, it walks the stack once for the user's calling line, and the name scopes library code
     * opens inside it share that site instead of walking again ({@code Sequential} opens one around
     * its layers when they are all built-in). Opened by user code it records no site (nodes made
     * inside may come from different lines of yours). Close it like a name scope.
     */
    public static Scope siteScope() {
        GuardState st = GuardState.get();
        if (!st.on() || !st.captureSites()) return Scope.NOTHING;
        String prefix = st.scopePrefix();
        StackWalker.StackFrame previousSite = st.scopeSite();
        Scope s = new Scope(st, prefix, previousSite, prefix, st.hints(), st.openScope());
        st.nameScope(prefix, previousSite != null ? previousSite : Site.forScope(), st.hints(), st.openScope());
        return s;
    }

    private static Scope open(String name, Hint hint) {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("Names.scope: name must be non-empty and contain no '/', got '" + name + "'");
        }
        GuardState st = GuardState.get();
        String previous = st.scopePrefix();
        StackWalker.StackFrame previousSite = st.scopeSite();
        String prefix = previous.isEmpty() ? name : previous + "/" + name;
        // inside a scope library code opened with a site, only library code runs (the class
        // comment), so the opener is library code and the walk would find the same user frame
        StackWalker.StackFrame site = !st.on() || !st.captureSites() ? null
                : previousSite != null ? previousSite
                : Site.forScope();
        Scope s = new Scope(st, previous, previousSite, prefix, st.hints(), st.openScope());
        st.nameScope(prefix, site, hint != null ? new Hint.Chain(hint, st.hints()) : st.hints(), s);
        return s;
    }

    /** The current prefix, e.g. {@code "model/dense2"}, or {@code ""} outside any scope. */
    public static String current() {
        return GuardState.get().scopePrefix();
    }

    /** {@code name} qualified by the current scope. */
    public static String qualify(String name) {
        String p = current();
        return p.isEmpty() ? name : p + "/" + name;
    }

    /** An open name scope. Closing it out of order throws {@link IllegalStateException}. */
    public static final class Scope implements AutoCloseable {
        /** A site scope with nothing to restore (the guard or site capture is off); already closed. */
        private static final Scope NOTHING = new Scope(null, "", null, "", null, null);

        private final GuardState state;
        private final String previous;
        private final StackWalker.StackFrame previousSite;
        private final String mine;
        private final Hint.Chain previousHints;
        private final Scope enclosing;
        /** Op names used in this entry and how often; taken by the first node, handed on at close. */
        private Tally tally;
        private boolean closed;

        private Scope(GuardState state, String previous, StackWalker.StackFrame previousSite, String mine,
                      Hint.Chain previousHints, Scope enclosing) {
            this.state = state;
            this.previous = previous;
            this.previousSite = previousSite;
            this.mine = mine;
            this.previousHints = previousHints;
            this.enclosing = enclosing;
            this.closed = state == null;
        }

        /**
         * How many nodes of op {@code opName} this entry made before: 0 for the first (the bare
         * name), 1 for the second ({@code _1}), ...
         */
        int nextIndex(String opName) {
            if (tally == null) tally = state.takeSpareTally();
            return tally.next(opName);
        }

        @Override
        public void close() {
            if (closed) return;
            if (!state.scopePrefix().equals(mine)) {
                throw new IllegalStateException("Names scope '" + mine + "' closed while '" + state.scopePrefix() + "' is open");
            }
            state.nameScope(previous, previousSite, previousHints, enclosing);
            closed = true;
            // a closed entry is never the open one again, so the next entry may count in its tally
            if (tally != null) state.spareTally(tally.cleared());
            tally = null;
        }
    }

    /**
     * The op names one scope entry used and how often each: a linear search, as an entry holds a
     * few op names. Reused by later entries on the same thread, so a forward pass does not allocate one per scope.
     */
    static final class Tally {
        private String[] used = new String[4];
        private int[] uses = new int[4];
        private int count;

        int next(String opName) {
            for (int i = 0; i < count; i++) {
                String u = used[i];
                if (u == opName || u.equals(opName)) return uses[i]++;
            }
            if (count == used.length) {
                used = Arrays.copyOf(used, count * 2);
                uses = Arrays.copyOf(uses, count * 2);
            }
            used[count] = opName;
            uses[count++] = 1;
            return 0;
        }

        /** This tally emptied (holding no op names), for the next entry. */
        Tally cleared() {
            Arrays.fill(used, 0, count, null);
            count = 0;
            return this;
        }
    }
}
