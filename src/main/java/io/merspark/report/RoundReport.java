package io.merspark.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.pipeline.JobContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

/**
 * {@code reports/}: an HTML page over the completed rounds with PNG plots (confusion matrix of the final
 * predictions, per-round WAF, confidence of accepted vs rejected pseudo-labels, estimated vs true prior)
 * and the last round's predictions as CSV for notebooks. Only small aggregates reach the driver.
 */
public final class RoundReport {

    private static final int BINS = 20;

    private RoundReport() {
    }

    public static Path write(JobContext ctx) {
        List<String> classes = ctx.settings().classes();
        List<Integer> rounds = new ArrayList<>();
        List<JsonNode> metrics = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (int r = 1; ctx.storage().exists(ctx.layout().success(r)); r++) {
            rounds.add(r);
            try {
                metrics.add(json.readTree(ctx.storage().readText(ctx.layout().metrics(r))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (rounds.isEmpty()) {
            throw new IllegalStateException("no completed round under " + ctx.layout().root() + " to report on");
        }
        int last = rounds.get(rounds.size() - 1);
        JsonNode m = metrics.get(metrics.size() - 1);
        try {
            Path dir = Files.createTempDirectory("mer-report-");
            Charts.confusion(dir.resolve("confusion.png"), "Round " + last + " confusion (final, after prior voting)",
                    classes, matrix(m.path("corrected").path("confusion").path("matrix")));
            Charts.wafPerRound(dir.resolve("waf.png"), rounds,
                    metrics.stream().map(x -> x.path("waf").asDouble()).toList(),
                    metrics.stream().map(x -> x.path("corrected").path("waf").asDouble()).toList());
            Charts.histogram(dir.resolve("confidence.png"), "Round " + last + " pseudo-label confidence",
                    binLabels(), confidenceHistogram(ctx, last));
            Map<String, double[]> priors = new LinkedHashMap<>();
            JsonNode prior = m.path("prior");
            for (String key : List.of("train", "target", "estimated_em", "estimated_bbse")) {
                if (prior.path(key).isObject()) {
                    priors.put(key, byClass(prior.path(key), classes));
                }
            }
            priors.put("test (true)", trueTestPrior(m, classes));
            Charts.priors(dir.resolve("priors.png"), classes, priors);
            Files.writeString(dir.resolve("index.html"), html(rounds, metrics, classes), StandardCharsets.UTF_8);
            writePredictionsCsv(ctx, last, dir.resolve("predictions.csv"));
            ctx.storage().commitLocalDir(ctx.layout().reports(), out -> copyAll(dir, out));
            org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
            return Path.of(ctx.layout().reports());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Scores of the pool split into accepted (in pseudo/) and rejected, bucketed by confidence on the executors. */
    private static Map<String, List<Long>> confidenceHistogram(JobContext ctx, int round) {
        Dataset<Row> scores = ctx.spark().read().parquet(ctx.layout().scores(round)).select("sample_id", "confidence");
        Dataset<Row> accepted = ctx.spark().read().parquet(ctx.layout().pseudo(round)).select("sample_id")
                .withColumn("accepted", lit(true));
        Dataset<Row> binned = scores.join(accepted, scores.col("sample_id").equalTo(accepted.col("sample_id")), "left")
                .select(least(floor(col("confidence").multiply(BINS)), lit(BINS - 1)).cast("int").as("bin"),
                        col("accepted").isNotNull().as("accepted"))
                .groupBy("bin", "accepted").agg(count(lit(1)).as("n"));
        List<Long> acc = new ArrayList<>(java.util.Collections.nCopies(BINS, 0L));
        List<Long> rej = new ArrayList<>(java.util.Collections.nCopies(BINS, 0L));
        for (Row r : binned.collectAsList()) {
            (r.getBoolean(1) ? acc : rej).set(r.getInt(0), r.getLong(2));
        }
        Map<String, List<Long>> out = new LinkedHashMap<>();
        out.put("rejected", rej);
        out.put("accepted", acc);
        return out;
    }

    private static List<String> binLabels() {
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            labels.add(String.format(java.util.Locale.ROOT, "%.2f", (double) b / BINS));
        }
        return labels;
    }

    private static void writePredictionsCsv(JobContext ctx, int round, Path csv) throws IOException {
        Dataset<Row> p = ctx.spark().read().parquet(ctx.layout().predictions(round))
                .select("sample_id", "label", "pred", "uncorrected_pred", "confidence").orderBy("sample_id");
        StringBuilder b = new StringBuilder("sample_id,label,pred,uncorrected_pred,confidence\n");
        // Streamed partition by partition: the driver never holds the whole table.
        java.util.Iterator<Row> it = p.toLocalIterator();
        while (it.hasNext()) {
            Row r = it.next();
            b.append(r.getString(0)).append(',').append(r.getString(1)).append(',').append(r.getString(2)).append(',')
                    .append(r.getString(3)).append(',').append(r.getFloat(4)).append('\n');
        }
        Files.writeString(csv, b.toString(), StandardCharsets.UTF_8);
    }

    private static double[] trueTestPrior(JsonNode m, List<String> classes) {
        long[][] confusion = matrix(m.path("confusion").path("matrix"));
        double[] p = new double[classes.size()];
        double n = 0;
        for (int t = 0; t < p.length; t++) {
            for (long c : confusion[t]) {
                p[t] += c;
            }
            n += p[t];
        }
        for (int t = 0; t < p.length; t++) {
            p[t] = n == 0 ? 0 : p[t] / n;
        }
        return p;
    }

    private static long[][] matrix(JsonNode rows) {
        long[][] out = new long[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            JsonNode row = rows.get(i);
            out[i] = new long[row.size()];
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = row.get(j).asLong();
            }
        }
        return out;
    }

    private static double[] byClass(JsonNode obj, List<String> classes) {
        return classes.stream().mapToDouble(c -> obj.path(c).asDouble()).toArray();
    }

    private static String html(List<Integer> rounds, List<JsonNode> metrics, List<String> classes) {
        StringBuilder b = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>mer-spark report</title>"
                + "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                + "padding:4px 8px;text-align:right}img{max-width:48%;margin:4px}</style></head><body>");
        b.append("<h1>Self-training report</h1><table><tr><th>round</th><th>n_train</th><th>pseudo used</th>"
                + "<th>accepted</th><th>pseudo acc</th><th>test WAF</th><th>test acc</th><th>WAF after voting</th>"
                + "<th>acc after voting</th><th>selection health</th></tr>");
        for (int i = 0; i < rounds.size(); i++) {
            JsonNode m = metrics.get(i);
            b.append("<tr><td>").append(rounds.get(i)).append("</td>")
                    .append(cell(m.path("n_train"))).append(cell(m.path("n_pseudo_used"))).append(cell(m.path("n_pseudo")))
                    .append(cell(m.path("pseudo_accuracy"))).append(cell(m.path("waf"))).append(cell(m.path("accuracy")))
                    .append(cell(m.path("corrected").path("waf"))).append(cell(m.path("corrected").path("accuracy")))
                    .append(healthCell(m.path("selection").path("health")))
                    .append("</tr>");
        }
        b.append("</table><h2>Per-class F1 (last round, final predictions)</h2><table><tr>");
        classes.forEach(c -> b.append("<th>").append(c).append("</th>"));
        b.append("</tr><tr>");
        JsonNode f1 = metrics.get(metrics.size() - 1).path("corrected").path("per_class_f1");
        classes.forEach(c -> b.append(cell(f1.path(c))));
        b.append("</tr></table><h2>Plots</h2>");
        for (String png : List.of("confusion.png", "waf.png", "confidence.png", "priors.png")) {
            b.append("<img src=\"").append(png).append("\" alt=\"").append(png).append("\">");
        }
        b.append("<p>Predictions of the last round: <a href=\"predictions.csv\">predictions.csv</a></p></body></html>\n");
        return b.toString();
    }

    /** The guard's status, and for a collapse the classes and how many labels the quota dropped. */
    private static String healthCell(JsonNode h) {
        if (h.isMissingNode()) {
            return "<td>-</td>";
        }
        StringBuilder text = new StringBuilder(h.path("status").asText());
        if (h.path("collapsed_classes").size() > 0) {
            List<String> parts = new java.util.ArrayList<>();
            h.path("collapsed_classes").forEach(c -> parts.add(c.asText() + String.format(java.util.Locale.ROOT,
                    " %.2f (prior %.2f)", h.path("shares_before").path(c.asText()).asDouble(),
                    h.path("prior").path(c.asText()).asDouble())));
            long dropped = 0;
            for (JsonNode d : h.path("dropped")) {
                dropped += d.asLong();
            }
            text.append(": ").append(String.join(", ", parts)).append("; dropped ").append(dropped);
        }
        return "<td>" + text.toString().replace("<", "&lt;") + "</td>";
    }

    private static String cell(JsonNode v) {
        String text = v.isMissingNode() || v.isNull() ? "-" : v.isFloatingPointNumber()
                ? String.format(java.util.Locale.ROOT, "%.4f", v.asDouble()) : v.asText();
        return "<td>" + text + "</td>";
    }

    private static void copyAll(Path from, Path to) {
        try (var files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
