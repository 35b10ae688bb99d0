package io.finitegrad.autodiff;

import io.finitegrad.core.LibraryCode;
import java.security.CodeSource;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Where user code created a node: the first stack frame that is not finitegrad library code,
 * found with a bounded {@link StackWalker} (never a full Throwable stack trace).
 *
 * <p>A class is library code when its package, or the nearest enclosing package that has one, has a
 * {@code package-info} marked {@link LibraryCode} and the class comes from the same code source as
 * that {@code package-info}. Every other frame is user code: examples, benchmarks, and tests, which
 * share the library's packages but are compiled to another directory.
 */
final class Site {
    private static final int MAX_FRAMES = 48;
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final ClassValue<Boolean> LIBRARY = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> c) {
            return isLibrary(c);
        }
    };

    private Site() {
    }

    /** True if {@code c} is library code (see the class comment); cached per class by the walks. */
    static boolean isLibrary(Class<?> c) {
        ClassLoader loader = c.getClassLoader();
        if (loader == null) return false; // the JDK's own frames are neither library nor marked
        for (String pkg = c.getPackageName(); !pkg.isEmpty(); pkg = enclosing(pkg)) {
            Class<?> info;
            try {
                info = Class.forName(pkg + ".package-info", false, loader);
            } catch (ClassNotFoundException e) {
                continue;
            }
            if (!info.isAnnotationPresent(LibraryCode.class)) continue;
            return Objects.equals(location(info), location(c));
        }
        return false;
    }

    private static String enclosing(String pkg) {
        int dot = pkg.lastIndexOf('.');
        return dot < 0 ? "" : pkg.substring(0, dot);
    }

    /** As a string: URL.equals may resolve host names. */
    private static String location(Class<?> c) {
        CodeSource source = c.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? null : source.getLocation().toString();
    }

    /**
     * The first frame that is user code: not finitegrad's, not the JDK's (a stream or a functional
     * interface calling back is not where the user wrote anything), and not in a package passed
     * over with {@link FiniteGuard#passOverFrames}.
     */
    static StackWalker.StackFrame capture() {
        GuardState.get().countSiteWalk();
        return WALKER.walk(FIRST_USER);
    }

    /**
     * The site shared by every node that library code creates inside a name scope it opens: null
     * when the scope is opened by user code (whose nodes may come from different lines).
     */
    static StackWalker.StackFrame forScope() {
        GuardState.get().countSiteWalk();
        return WALKER.walk(FOR_SCOPE);
    }

    // Static functions over the stream's own iterator: a limit() or filter() stage, or a lambda
    // capturing the pass-over list, costs about 300 bytes a walk on top of the walker's own 670.
    private static final Function<Stream<StackWalker.StackFrame>, StackWalker.StackFrame> FIRST_USER =
            s -> firstUser(s.iterator(), GuardState.get().passOver(), MAX_FRAMES);

    private static final Function<Stream<StackWalker.StackFrame>, StackWalker.StackFrame> FOR_SCOPE = s -> {
        Iterator<StackWalker.StackFrame> frames = s.iterator();
        for (int n = 0; n < MAX_FRAMES && frames.hasNext(); n++) {
            Class<?> c = frames.next().getDeclaringClass();
            if (c == Site.class || c == Names.class) continue;
            if (!LIBRARY.get(c)) return null; // the opener is user code
            return firstUser(frames, GuardState.get().passOver(), MAX_FRAMES - n - 1);
        }
        return null;
    };

    private static StackWalker.StackFrame firstUser(Iterator<StackWalker.StackFrame> frames, String[] passOver, int max) {
        for (int n = 0; n < max && frames.hasNext(); n++) {
            StackWalker.StackFrame f = frames.next();
            if (isUser(f.getDeclaringClass(), passOver)) return f;
        }
        return null;
    }

    private static boolean isUser(Class<?> c, String[] passOver) {
        if (c.getClassLoader() == null || LIBRARY.get(c)) return false;
        for (String p : passOver) if (c.getName().startsWith(p)) return false;
        return true;
    }

    static String format(StackWalker.StackFrame f) {
        if (f == null) return "unknown (creation sites were off: FiniteGuard.captureSites(true) records them)";
        String cls = f.getClassName();
        return f.getFileName() + ":" + f.getLineNumber() + " (" + cls.substring(cls.lastIndexOf('.') + 1) + "."
                + f.getMethodName() + ")";
    }
}
