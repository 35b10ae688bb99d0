package io.finitegrad.autodiff;

import java.util.Optional;

/**
 * Where user code created a node: the first stack frame that is not finitegrad library code,
 * found with a bounded {@link StackWalker} (never a full Throwable stack trace).
 *
 * <p>Library code is main code in the {@code io.finitegrad} packages other than
 * {@code io.finitegrad.examples} and {@code io.finitegrad.bench}, which use the library as users
 * do; test classes (compiled to {@code test-classes}) count as user code.
 */
final class Site {
    private static final int MAX_FRAMES = 48;
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final ClassValue<Boolean> LIBRARY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            String n = c.getName();
            if (!n.startsWith("io.finitegrad.") || n.startsWith("io.finitegrad.examples.")
                    || n.startsWith("io.finitegrad.bench.")) return false;
            var source = c.getProtectionDomain().getCodeSource();
            return source == null || source.getLocation() == null
                    || !source.getLocation().getPath().contains("test-classes");
        }
    };

    private Site() {
    }

    static StackWalker.StackFrame capture() {
        Optional<StackWalker.StackFrame> f = WALKER.walk(s -> s.limit(MAX_FRAMES)
                .filter(fr -> !LIBRARY.get(fr.getDeclaringClass()))
                .findFirst());
        return f.orElse(null);
    }

    /**
     * The site shared by every node that library code creates inside a name scope it opens: null
     * when the scope is opened by user code (whose nodes may come from different lines).
     */
    static StackWalker.StackFrame forScope() {
        return WALKER.walk(s -> {
            var frames = s.limit(MAX_FRAMES).iterator();
            while (frames.hasNext()) {
                StackWalker.StackFrame f = frames.next();
                Class<?> c = f.getDeclaringClass();
                if (c == Site.class || c == Names.class) continue;
                if (!LIBRARY.get(c)) return null; // the opener is user code
                while (frames.hasNext()) {
                    StackWalker.StackFrame u = frames.next();
                    if (!LIBRARY.get(u.getDeclaringClass())) return u;
                }
                return null;
            }
            return null;
        });
    }

    static String format(StackWalker.StackFrame f) {
        if (f == null) return "unknown (creation sites were off: FiniteGuard.captureSites(true) records them)";
        String cls = f.getClassName();
        return f.getFileName() + ":" + f.getLineNumber() + " (" + cls.substring(cls.lastIndexOf('.') + 1) + "."
                + f.getMethodName() + ")";
    }
}
