package io.finitegrad.autodiff;

import java.util.List;

/**
 * One node of the graph a {@link NanReport} describes, captured when the report was handed out: its
 * id, name, op, shape, the range of its value then, its role in the incident and the ids of its
 * inputs (listed only for the nodes on the path and the hiding nodes; their inputs are leaves of
 * the snapshot).
 */
public record ReportNode(long id, String name, String op, String shape, String range, Role role,
                         List<Long> inputs) {
    /** What a node did with the reported NaN/Inf. */
    public enum Role {
        /** Where the NaN/Inf entered. */
        ENTRY,
        /** Carried it on, as a value or a gradient. */
        CARRIER,
        /** Read it and produced a finite value. */
        HIDER,
        /** Non-finite on purpose, under {@link FiniteGuard#allowNonFinite}. */
        ALLOWED,
        /** Finite and unrelated to this incident. */
        OTHER
    }

    public ReportNode {
        inputs = List.copyOf(inputs);
    }
}
