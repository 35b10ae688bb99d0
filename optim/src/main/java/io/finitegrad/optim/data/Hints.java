package io.finitegrad.optim.data;

import java.util.function.Function;

/**
 * Advice that names library calls, kept as a template so that each front end names them its own
 * way: a reference is written in braces, {@code "load with {BadCellPolicy.DROP_ROW}"}, which a Java
 * caller reads as {@code BadCellPolicy.DROP_ROW} and nanlab as {@code --bad-cells drop-row}. So a
 * message is written once, here, and never names a Java call to a command-line user.
 */
final class Hints {
    private Hints() {
    }

    /** References named as the Java API names them: the text in braces, as it is. */
    static final Function<String, String> JAVA = ref -> ref;

    /**
     * {@code template} with every {@code {reference}} replaced by {@code spelling.apply(reference)};
     * null if the template is null or {@code spelling} gives null for one of its references (the
     * front end has no such option, so the advice does not apply there).
     */
    static String render(String template, Function<String, String> spelling) {
        if (template == null) return null;
        StringBuilder sb = new StringBuilder(template.length());
        int at = 0;
        while (true) {
            int open = template.indexOf('{', at);
            if (open < 0) break;
            int close = template.indexOf('}', open);
            if (close < 0) break;
            String spelled = spelling.apply(template.substring(open + 1, close));
            if (spelled == null) return null;
            sb.append(template, at, open).append(spelled);
            at = close + 1;
        }
        return sb.append(template, at, template.length()).toString();
    }
}
