package io.merspark.pipeline;

import io.merspark.io.Layout;

import java.util.List;
import java.util.Map;

/** Plain-text summaries the jobs print: the per-round table and where the outputs are. */
public final class DemoReport {

    private DemoReport() {
    }

    public static String table(List<Map<String, Object>> rounds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-6s %8s %10s %10s %10s %9s %9s %10s %10s%n",
                "round", "n_train", "pseudo_in", "accepted", "pseudo_acc", "test_waf", "test_acc", "voted_waf", "voted_acc"));
        for (Map<String, Object> m : rounds) {
            Object corrected = m.get("corrected");
            Map<?, ?> c = corrected instanceof Map<?, ?> map ? map : Map.of();
            b.append(String.format("%-6s %8s %10s %10s %10s %9s %9s %10s %10s%n",
                    m.get("round"), m.get("n_train"), m.get("n_pseudo_used"), m.get("n_pseudo"),
                    fmt(m.get("pseudo_accuracy")), fmt(m.get("waf")), fmt(m.get("accuracy")),
                    fmt(c.get("waf")), fmt(c.get("accuracy"))));
        }
        return b.toString();
    }

    public static String outputs(Layout layout, int rounds) {
        StringBuilder b = new StringBuilder("outputs:\n");
        b.append("  ").append(layout.manifest()).append("/   validated manifest\n");
        b.append("  ").append(layout.features())
                .append("/   modality=video|audio|text / split=train|test|unlabeled feature tables\n");
        b.append("  ").append(layout.errors()).append("/   stage=ingest|extract rejected rows with reasons\n");
        for (int r = 1; r <= rounds; r++) {
            b.append("  ").append(layout.round(r)).append("/   model, scores, pseudo, predictions, metrics.json\n");
        }
        b.append("  ").append(layout.reports()).append("/index.html   report with plots; predictions.csv\n");
        return b.toString();
    }

    private static String fmt(Object v) {
        return v instanceof Number n ? String.format("%.4f", n.doubleValue()) : "-";
    }
}
