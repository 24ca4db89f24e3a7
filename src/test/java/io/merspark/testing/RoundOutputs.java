package io.merspark.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.merspark.io.Layout;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Compares what two runs wrote under two roots: Parquet contents row by row after sorting (floats bit for bit), the
 * round's metrics.json as JSON values, and the ensemble members' digests (equal digests = the same weights, bit
 * for bit).
 */
public final class RoundOutputs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RoundOutputs() {
    }

    public static void assertSameFeatures(SparkSession spark, String rootA, String rootB) {
        Layout a = new Layout(rootA);
        Layout b = new Layout(rootB);
        assertSameTable(spark, a.features(), b.features(), "modality", "sample_id");
        assertSameTable(spark, a.errors("extract"), b.errors("extract"), "modality", "sample_id");
    }

    public static void assertSameRound(SparkSession spark, String rootA, String rootB, int round) {
        Layout a = new Layout(rootA);
        Layout b = new Layout(rootB);
        assertSameTable(spark, a.scores(round), b.scores(round), "sample_id");
        assertSameTable(spark, a.pseudo(round), b.pseudo(round), "sample_id");
        assertSameTable(spark, a.predictions(round), b.predictions(round), "sample_id");
        assertEquals(json(a.metrics(round)), json(b.metrics(round)), "metrics.json of round " + round);
        assertEquals(memberDigests(a.model(round)), memberDigests(b.model(round)), "ensemble weights of round " + round);
    }

    public static void assertSameTable(SparkSession spark, String a, String b, String... orderBy) {
        List<Row> left = spark.read().parquet(a).orderBy(orderBy[0], java.util.Arrays.copyOfRange(orderBy, 1, orderBy.length)).collectAsList();
        List<Row> right = spark.read().parquet(b).orderBy(orderBy[0], java.util.Arrays.copyOfRange(orderBy, 1, orderBy.length)).collectAsList();
        assertEquals(left.size(), right.size(), a + " vs " + b + ": row count");
        for (int i = 0; i < left.size(); i++) {
            Row l = left.get(i);
            Row r = right.get(i);
            int row = i;
            assertEquals(bits(l), bits(r), () -> a + " vs " + b + ": row " + row + "\n" + l + "\n" + r);
        }
    }

    /**
     * A value with every float and double replaced by its raw bits: Row equality compares boxed numbers by value,
     * so 0.0 equals -0.0 there, and a NaN never equals itself.
     */
    static Object bits(Object v) {
        if (v instanceof Float f) {
            return "f:" + Integer.toHexString(Float.floatToRawIntBits(f));
        }
        if (v instanceof Double d) {
            return "d:" + Long.toHexString(Double.doubleToRawLongBits(d));
        }
        if (v instanceof Row r) {
            List<Object> out = new java.util.ArrayList<>(r.length());
            for (int i = 0; i < r.length(); i++) {
                out.add(bits(r.get(i)));
            }
            return out;
        }
        if (v instanceof scala.collection.Iterable<?> it) {
            List<Object> out = new java.util.ArrayList<>();
            for (scala.collection.Iterator<?> i = it.iterator(); i.hasNext(); ) {
                out.add(bits(i.next()));
            }
            return out;
        }
        if (v instanceof byte[] raw) {
            return java.util.HexFormat.of().formatHex(raw);
        }
        return v;
    }

    public static List<String> memberDigests(String modelDir) {
        return json(modelDir + "/ensemble.json").get("members").findValuesAsText("sha256");
    }

    private static JsonNode json(String file) {
        try {
            return JSON.readTree(Path.of(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
