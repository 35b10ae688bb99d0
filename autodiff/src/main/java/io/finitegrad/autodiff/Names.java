package io.finitegrad.autodiff;

/**
 * Name scopes, as in TensorFlow: nodes created inside {@code try (var s = Names.scope("dense2"))}
 * are named {@code dense2/<op>} (leaves {@code dense2/<name>}), and nested scopes join with
 * {@code /}. Because the guard checks a node when it is created, before {@link Var#label} can run,
 * scopes are how nodes inside a model get readable names in reports. Scopes are per thread.
 *
 * <p>A scope opened by finitegrad's own code (a layer, a loss) also records the creation site once,
 * the user's line that called into the library, and the nodes the library makes inside share it
 * instead of each walking the stack. Library code must therefore not call back into user code
 * while one of its scopes is open (containers such as {@code Sequential} open none).
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
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("Names.scope: name must be non-empty and contain no '/', got '" + name + "'");
        }
        GuardState st = GuardState.get();
        String previous = st.scopePrefix;
        StackWalker.StackFrame previousSite = st.scopeSite;
        st.scopePrefix = previous.isEmpty() ? name : previous + "/" + name;
        st.scopeSite = st.on() && st.captureSites ? Site.forScope() : null;
        return new Scope(st, previous, previousSite, st.scopePrefix);
    }

    /** The current prefix, e.g. {@code "model/dense2"}, or {@code ""} outside any scope. */
    public static String current() {
        return GuardState.get().scopePrefix;
    }

    /** {@code name} qualified by the current scope. */
    public static String qualify(String name) {
        String p = current();
        return p.isEmpty() ? name : p + "/" + name;
    }

    /** An open name scope. Closing it out of order throws {@link IllegalStateException}. */
    public static final class Scope implements AutoCloseable {
        private final GuardState state;
        private final String previous;
        private final StackWalker.StackFrame previousSite;
        private final String mine;
        private boolean closed;

        private Scope(GuardState state, String previous, StackWalker.StackFrame previousSite, String mine) {
            this.state = state;
            this.previous = previous;
            this.previousSite = previousSite;
            this.mine = mine;
        }

        @Override
        public void close() {
            if (closed) return;
            if (!state.scopePrefix.equals(mine)) {
                throw new IllegalStateException("Names scope '" + mine + "' closed while '" + state.scopePrefix + "' is open");
            }
            state.scopePrefix = previous;
            state.scopeSite = previousSite;
            closed = true;
        }
    }
}
