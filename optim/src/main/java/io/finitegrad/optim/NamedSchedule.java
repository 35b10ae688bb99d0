package io.finitegrad.optim;

/**
 * A schedule that prints as the call that made it, so that a message about a bad learning rate
 * names the schedule that gave it.
 */
record NamedSchedule(String description, LrSchedule schedule) implements LrSchedule {
    @Override
    public double lr(int t) {
        return schedule.lr(t);
    }

    @Override
    public String toString() {
        return description;
    }

    /** See {@link LrSchedule#describe(LrSchedule)}. */
    static String describe(LrSchedule s) {
        if (s == null) return "null";
        Class<?> c = s.getClass();
        String name = c.getName();
        int lambda = name.indexOf("$$Lambda");
        if (lambda >= 0) return "a lambda in " + name.substring(0, lambda);
        String text = s.toString();
        return text.startsWith(name + "@") ? "an LrSchedule of class " + name : text;
    }
}
