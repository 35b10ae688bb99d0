package io.finitegrad.autodiff.proptest;

import io.finitegrad.autodiff.limits.BreakingPoints;
import io.finitegrad.core.Precision;
import io.finitegrad.core.Tensor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Takes QuickTheories' shrunk 1x1 tensor the rest of the way to a boundary. Its shrinking stops at
 * whatever simpler value it happened to try last (1024.0 rather than 709.78...), so the value is
 * bisected over the doubles between it and the nearest value nearer 0 at which the property held
 * during the run, down to two neighbouring doubles: the value reported fails, its neighbour towards
 * 0 does not fail the same way. Anchoring on values the property held at (examples drawn and
 * shrink candidates) keeps the search between two values your generator produced, so a refined
 * input stays inside the range you drew from; a value with no such anchor (a failure that persists
 * down to 0) stays as shrunk. Larger tensors are left as QuickTheories shrank them: moving one
 * element with the others fixed tends to stop at the edge of another element's tolerance, a worse
 * counterexample than the simple one shrinking found. Inside an emulation scope the bisection walks
 * the values of the emulated format instead of the doubles (the graph sees no others), so the
 * value reported is the format's first failing value (11.09375 where exp overflows float16).
 */
final class Refinement {
    /** Inputs of more elements are reported as QuickTheories shrank them. */
    static final int MAX_ELEMENTS = 1;
    /** Passing inputs remembered as anchors; beyond this many the earliest ones are kept. */
    private static final int REMEMBERED = 10_000;
    /** Anchors tried, nearest first, before leaving the value as it is. */
    private static final int TRIES = 8;

    private final List<Tensor> passed = new ArrayList<>();

    /** Remembers an input at which the property held. */
    void held(Object input) {
        if (input instanceof Tensor t && t.size() <= MAX_ELEMENTS && passed.size() < REMEMBERED) passed.add(t);
    }

    /** The refined failing tensor (the same one if there is nothing to refine); {@code fails} re-checks a candidate. */
    Tensor refine(Tensor failing, Predicate<Tensor> fails) {
        if (failing.size() > MAX_ELEMENTS) return failing;
        Precision p = Precision.current();
        double v = p.round(failing.item());
        if (!Double.isFinite(v)) return failing;
        long b = BreakingPoints.ordinal(v, p);
        for (long a : anchors(v, p)) {
            if (fails.test(Tensor.scalar(BreakingPoints.fromOrdinal(a, p)))) continue;
            while (a != b && a + 1 != b && b + 1 != a) {
                long mid = (a >> 1) + (b >> 1) + (a & b & 1); // floor((a + b) / 2) without overflow
                if (fails.test(Tensor.scalar(BreakingPoints.fromOrdinal(mid, p)))) b = mid;
                else a = mid;
            }
            return Tensor.scalar(BreakingPoints.fromOrdinal(b, p));
        }
        return failing;
    }

    /**
     * Ordinals in {@code p} of the passing values between 0 and {@code v} (0 included, {@code v}
     * not), nearest to {@code v} first.
     */
    private List<Long> anchors(double v, Precision p) {
        long at = BreakingPoints.ordinal(v, p);
        Set<Long> values = new HashSet<>();
        for (Tensor t : passed) {
            double x = p.round(t.item());
            if (Double.isFinite(x) && Math.abs(x) < Math.abs(v) && (x == 0 || (x > 0) == (v > 0))) {
                values.add(BreakingPoints.ordinal(x, p));
            }
        }
        return values.stream().sorted(Comparator.comparingLong(o -> distance(o, at))).limit(TRIES).toList();
    }

    /** |a - b| as an unsigned count of doubles; ordinals span the whole long range, so the difference may wrap. */
    private static long distance(long a, long b) {
        long d = a > b ? a - b : b - a;
        return d < 0 ? Long.MAX_VALUE : d;
    }
}
