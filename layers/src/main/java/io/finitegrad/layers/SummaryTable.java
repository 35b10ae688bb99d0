package io.finitegrad.layers;

import java.util.List;

/** Renders {@link LayerInfo} rows as the fixed-width table Keras' {@code model.summary()} prints. */
final class SummaryTable {
    private static final String[] HEADER = {"Layer (type)", "Input", "Output", "Parameters", "Param #"};

    private SummaryTable() {
    }

    static String render(String title, List<LayerInfo> rows, long total) {
        String[][] cells = new String[rows.size()][];
        int[] width = new int[HEADER.length];
        for (int c = 0; c < HEADER.length; c++) width[c] = HEADER[c].length();
        for (int r = 0; r < rows.size(); r++) {
            LayerInfo i = rows.get(r);
            cells[r] = new String[] {i.name() + " (" + i.type() + ")", i.input(), i.output(),
                    i.parameterShapes().isEmpty() ? "-" : i.parameterShapes(), String.format("%,d", i.parameterCount())};
            for (int c = 0; c < HEADER.length; c++) width[c] = Math.max(width[c], cells[r][c].length());
        }
        int lineWidth = 3 * (HEADER.length - 1);
        for (int w : width) lineWidth += w;
        StringBuilder sb = new StringBuilder(title).append('\n');
        String heavy = "=".repeat(lineWidth) + "\n";
        sb.append(heavy);
        line(sb, HEADER, width);
        sb.append(heavy);
        for (String[] row : cells) line(sb, row, width);
        sb.append(heavy);
        sb.append(String.format("Total params: %,d%n", total));
        sb.append(String.format("Trainable params: %,d%n", total));
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width) {
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) sb.append("   ");
            // the count column is right-aligned, as numbers are
            String f = c == cells.length - 1 ? "%" + width[c] + "s" : "%-" + width[c] + "s";
            sb.append(String.format(f, cells[c]));
        }
        sb.append('\n');
    }
}
