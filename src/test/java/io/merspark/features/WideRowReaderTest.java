package io.merspark.features;

import io.merspark.testing.SparkTestSession;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The internal-row reader gives the scorer and the statistics pass what the Row path gives (PooledFeatures /
 * TokenFeatures): the same floats, null for a missing modality and for a null or empty token column, the group or
 * null — here through a real query (a join and an aggregation), whose internal rows are Spark's own.
 */
@ExtendWith(SparkTestSession.class)
class WideRowReaderTest {

    private static final List<String> MODALITIES = List.of("video", "audio");

    @Test
    void readsWhatTheRowPathReads(SparkSession spark) {
        Dataset<Row> features = spark.sql("SELECT * FROM VALUES "
                + "('s1','video',array(1.5F,-2F),array(array(0.25F,1F),array(3F,-4F))),"
                + "('s1','audio',array(7F),array(array(8F),array(9F),array(10F))),"
                + "('s2','video',array(5F,6F),array()),"             // tokens empty: as if none
                + "('s3','audio',array(-1F),CAST(NULL AS ARRAY<ARRAY<FLOAT>>))" // no video at all
                + " AS f(sample_id, modality, pooled, tokens)");
        Dataset<Row> ids = spark.sql("SELECT * FROM VALUES ('s1','A'),('s2',CAST(NULL AS STRING)),('s3','C')"
                + " AS g(sample_id, _group)");
        Dataset<Row> wide = ids.join(TokenFeatures.wide(features, MODALITIES), "sample_id");

        WideRowReader reader = WideRowReader.of(wide.schema(), MODALITIES, true, "_group");
        List<Object[]> internal = WideRowReader.internalRows(wide)
                .map(r -> new Object[] {reader.sampleId(r), reader.group(r), reader.pooled(r), reader.tokens(r)})
                .collect().stream().sorted(Comparator.comparing(o -> (String) o[0])).toList();
        List<Row> rows = wide.collectAsList().stream()
                .sorted(Comparator.comparing(r -> r.<String>getAs("sample_id"))).toList();

        assertEquals(3, internal.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Object[] o = internal.get(i);
            assertEquals(r.<String>getAs("sample_id"), o[0]);
            assertEquals(r.<String>getAs("_group"), o[1]);
            assertArrayEquals(PooledFeatures.vectors(r, MODALITIES), (float[][]) o[2]);
            assertArrayEquals(TokenFeatures.tokenColumns(r, MODALITIES), (float[][][]) o[3]);
        }
        // the values themselves, not only agreement between the two paths
        assertArrayEquals(new float[][] {{1.5F, -2F}, {7F}}, (float[][]) internal.get(0)[2]);
        assertArrayEquals(new float[][][] {{{0.25F, 1F}, {3F, -4F}}, {{8F}, {9F}, {10F}}}, (float[][][]) internal.get(0)[3]);
        assertNull(internal.get(1)[1]);
        assertArrayEquals(new float[][][] {null, null}, (float[][][]) internal.get(1)[3]);
        assertArrayEquals(new float[][] {null, {-1F}}, (float[][]) internal.get(2)[2]);
        assertEquals("C", internal.get(2)[1]);
    }

    @Test
    void aMissingColumnFailsOnTheDriver(SparkSession spark) {
        Dataset<Row> wide = TokenFeatures.wide(spark.sql("SELECT 's1' AS sample_id, 'video' AS modality, array(1F) AS pooled,"
                + " CAST(NULL AS ARRAY<ARRAY<FLOAT>>) AS tokens"), List.of("video"));
        assertThrows(IllegalArgumentException.class, () -> WideRowReader.of(wide.schema(), MODALITIES, true, null));
        assertThrows(IllegalArgumentException.class,
                () -> WideRowReader.of(wide.schema(), List.of("video"), false, "_group"));
        WideRowReader noTokens = WideRowReader.of(wide.schema(), List.of("video"), false, null);
        InternalRow first = WideRowReader.internalRows(wide).first();
        assertNull(noTokens.group(first));
        assertThrows(IllegalStateException.class, () -> noTokens.tokens(first));
    }
}
