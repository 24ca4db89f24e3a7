package io.merspark.ingest;

import io.merspark.io.ErrorTable;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.*;

/**
 * Reads a manifest CSV and validates each row. File-level problems (no file, a required column missing,
 * an unknown column) stop the job; row-level problems (unknown split or label, duplicate id, a row with
 * the wrong number of fields) send the row to the error table with a reason.
 */
public final class ManifestIngest {

    private static final String CORRUPT = "_corrupt_record";

    private final SparkSession spark;
    private final List<String> classes;

    public ManifestIngest(SparkSession spark, List<String> classes) {
        this.spark = spark;
        this.classes = List.copyOf(classes);
    }

    /** Validated rows and rejected rows; call {@link Result#summary()} after writing both. */
    public record Result(Dataset<Row> accepted, Dataset<Row> rejected) {
        public IngestSummary summary() {
            long ok = accepted.count();
            long bad = rejected.count();
            Map<String, Long> perSplit = new LinkedHashMap<>();
            for (Row r : accepted.groupBy(ManifestColumns.SPLIT).count().orderBy(ManifestColumns.SPLIT).collectAsList()) {
                perSplit.put(r.getString(0), r.getLong(1));
            }
            return new IngestSummary(ok + bad, ok, bad, perSplit);
        }
    }

    public Result read(Path manifestCsv) {
        Path csv = manifestCsv.toAbsolutePath().normalize();
        List<String> header = header(csv);
        StructType schema = new StructType();
        for (String col : header) {
            schema = schema.add(col, DataTypes.StringType, true);
        }
        schema = schema.add(CORRUPT, DataTypes.StringType, true);

        Dataset<Row> raw = spark.read()
                .option("header", "true")
                .option("multiLine", "true")
                .option("escape", "\"")
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", CORRUPT)
                .option("enforceSchema", "false")
                .schema(schema)
                .csv(csv.toString());
        // Spark requires the corrupt-record column to be materialised before it is filtered on.
        raw = raw.withColumn(CORRUPT, col(CORRUPT));
        for (String m : java.util.stream.Stream.concat(ManifestColumns.MEDIA.stream(), ManifestColumns.OPTIONAL.stream()).toList()) {
            if (!header.contains(m)) {
                raw = raw.withColumn(m, lit(null).cast(DataTypes.StringType));
            }
        }

        String base = csv.getParent().toString();
        Dataset<Row> normalised = raw.select(
                trim(col(ManifestColumns.SAMPLE_ID)).as(ManifestColumns.SAMPLE_ID),
                lower(trim(col(ManifestColumns.SPLIT))).as(ManifestColumns.SPLIT),
                nullIfBlank(lower(trim(col(ManifestColumns.LABEL)))).as(ManifestColumns.LABEL),
                resolvePath(col(ManifestColumns.VIDEO), base).as(ManifestColumns.VIDEO),
                resolvePath(col(ManifestColumns.AUDIO), base).as(ManifestColumns.AUDIO),
                col(ManifestColumns.TEXT).as(ManifestColumns.TEXT),
                nullIfBlank(trim(col(ManifestColumns.GROUP))).as(ManifestColumns.GROUP),
                col(CORRUPT));

        Column labelKnown = col(ManifestColumns.LABEL).isin(classes.toArray());
        Column duplicates = count(lit(1)).over(Window.partitionBy(ManifestColumns.SAMPLE_ID));
        Dataset<Row> checked = normalised
                .withColumn("_dups", duplicates)
                .withColumn("reason",
                        when(col(CORRUPT).isNotNull(), lit("malformed CSV row (wrong number of fields)"))
                        .when(col(ManifestColumns.SAMPLE_ID).isNull().or(col(ManifestColumns.SAMPLE_ID).equalTo("")),
                                lit("missing sample_id"))
                        .when(col("_dups").gt(1), concat(lit("duplicate sample_id ("), col("_dups").cast("string"), lit(" rows)")))
                        .when(col(ManifestColumns.SPLIT).isNull().or(not(col(ManifestColumns.SPLIT).isin(ManifestColumns.SPLITS.toArray()))),
                                concat(lit("unknown split '"), coalesce(col(ManifestColumns.SPLIT), lit("")), lit("'")))
                        .when(col(ManifestColumns.SPLIT).notEqual(ManifestColumns.UNLABELED).and(col(ManifestColumns.LABEL).isNull()),
                                concat(lit("missing label for split "), col(ManifestColumns.SPLIT)))
                        .when(col(ManifestColumns.LABEL).isNotNull().and(not(labelKnown)),
                                concat(lit("unknown label '"), col(ManifestColumns.LABEL), lit("' (classes: "),
                                        lit(String.join(", ", classes)), lit(")")))
                        .when(col(ManifestColumns.VIDEO).isNull().and(col(ManifestColumns.AUDIO).isNull())
                                        .and(nullIfBlank(col(ManifestColumns.TEXT)).isNull()),
                                lit("no media: video, audio and text are all empty")));

        Dataset<Row> accepted = checked.where(col("reason").isNull())
                .select(ManifestColumns.ALL.stream().map(c -> col(c)).toArray(Column[]::new));
        Dataset<Row> rejected = checked.where(col("reason").isNotNull())
                .select(coalesce(col(ManifestColumns.SAMPLE_ID), lit("")).as("sample_id"),
                        lit(ErrorTable.ALL_MODALITIES).as("modality"), col("reason"));
        return new Result(accepted, rejected);
    }

    private List<String> header(Path csv) {
        if (!Files.isRegularFile(csv)) {
            throw new ManifestException("manifest not found: " + csv);
        }
        io.merspark.io.SparkInputFiles.hiddenName(csv).ifPresent(why -> {
            throw new ManifestException("manifest " + csv + ": " + why);
        });
        String line;
        try (BufferedReader r = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            line = r.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read manifest " + csv, e);
        }
        if (line == null || line.isBlank()) {
            throw new ManifestException("manifest is empty: " + csv);
        }
        if (line.startsWith("\uFEFF")) {
            line = line.substring(1);
        }
        List<String> cols = new ArrayList<>();
        for (String c : line.split(",", -1)) {
            cols.add(c.trim().replace("\"", ""));
        }
        List<String> missing = new ArrayList<>();
        for (String req : ManifestColumns.REQUIRED) {
            if (!cols.contains(req)) {
                missing.add(req);
            }
        }
        if (!missing.isEmpty()) {
            throw new ManifestException("manifest " + csv + " lacks required column(s) " + missing + "; header is " + cols);
        }
        List<String> unknown = new ArrayList<>(cols);
        unknown.removeAll(ManifestColumns.ALL);
        if (!unknown.isEmpty()) {
            throw new ManifestException("manifest " + csv + " has unknown column(s) " + unknown
                    + "; expected " + ManifestColumns.ALL);
        }
        if (cols.stream().noneMatch(ManifestColumns.MEDIA::contains)) {
            throw new ManifestException("manifest " + csv + " has none of the media columns " + ManifestColumns.MEDIA);
        }
        if (cols.size() != Arrays.stream(cols.toArray()).distinct().count()) {
            throw new ManifestException("manifest " + csv + " repeats a column: " + cols);
        }
        return cols;
    }

    private static Column nullIfBlank(Column c) {
        return when(trim(c).equalTo(""), lit(null).cast(DataTypes.StringType)).otherwise(c);
    }

    /** Relative media paths are resolved against the manifest's folder; absolute paths and URIs are kept. */
    private static Column resolvePath(Column c, String base) {
        Column p = nullIfBlank(trim(c));
        return when(p.isNull(), lit(null).cast(DataTypes.StringType))
                .when(p.startsWith("/").or(p.contains("://")), p)
                .otherwise(concat(lit(base + "/"), p));
    }
}
