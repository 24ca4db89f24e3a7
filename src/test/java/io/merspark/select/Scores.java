package io.merspark.select;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-built scores tables: one row per (sample id, predicted class, confidence), or from explicit
 * per-member probabilities.
 */
final class Scores {

    static final String[] CLASSES = {"neutral", "angry", "happy", "sad", "worried", "surprise"};

    static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("member_probs", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false),
                    false), false)
            .add("pred", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false)
            .add("margin", DataTypes.FloatType, false)
            .add("entropy", DataTypes.FloatType, false);

    private final List<Row> rows = new ArrayList<>();

    /**
     * A row whose probs put {@code confidence} on {@code pred} and spread the rest evenly; one ensemble member
     * with those probs.
     */
    Scores add(String sampleId, int pred, float confidence) {
        int k = CLASSES.length;
        float[] probs = new float[k];
        float rest = (1f - confidence) / (k - 1);
        for (int c = 0; c < k; c++) {
            probs[c] = c == pred ? confidence : rest;
        }
        // pred may be deliberately out of range; the margin and entropy are not read by selection
        rows.add(RowFactory.create(sampleId, toList(probs), List.of(toList(probs)), pred, confidence,
                confidence - rest, 0f));
        return this;
    }

    /** A row with explicit probs (one member); pred is the first maximal class, confidence its probability. */
    Scores addProbs(String sampleId, float... probs) {
        return addMembers(sampleId, probs);
    }

    /**
     * A row from ensemble members' probs: probs is their mean, pred its first maximal class and confidence
     * that maximum (exact for the dyadic values the tests use).
     */
    Scores addMembers(String sampleId, float[]... members) {
        float[] probs = new float[CLASSES.length];
        List<List<Float>> memberLists = new ArrayList<>();
        for (float[] m : members) {
            for (int c = 0; c < probs.length; c++) {
                probs[c] += m[c] / members.length;
            }
            memberLists.add(toList(m));
        }
        int pred = 0;
        for (int c = 1; c < probs.length; c++) {
            if (probs[c] > probs[pred]) {
                pred = c;
            }
        }
        rows.add(RowFactory.create(sampleId, toList(probs), memberLists, pred, probs[pred], 0f, 0f));
        return this;
    }

    Dataset<Row> toDF(SparkSession spark) {
        return spark.createDataFrame(rows, SCHEMA);
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new ArrayList<>();
        for (float v : values) {
            list.add(v);
        }
        return list;
    }
}
