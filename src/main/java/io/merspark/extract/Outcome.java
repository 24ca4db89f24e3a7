package io.merspark.extract;

import io.merspark.features.TokenThinning;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The staging row of one (sample, modality): either a feature (encoder, pooled, tokens) or an error (reason).
 * Staging both in one table lets the job decode every file once and then split features from errors.
 */
final class Outcome {

    static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("modality", DataTypes.StringType, false)
            .add("encoder", DataTypes.StringType, true)
            .add("pooled", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("tokens", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false),
                    true)
            .add("reason", DataTypes.StringType, true)
            .add("face_found", DataTypes.FloatType, true)
            // errors only: the file could not be read at all, so a later --only-new run retries it (io.ErrorKind)
            .add("transient", DataTypes.BooleanType, true)
            // the manifest split of the sample, the features table's partition under modality (null: none given)
            .add("split", DataTypes.StringType, true);

    private static final int SPLIT_INDEX = SCHEMA.fieldIndex("split");

    private Outcome() {
    }

    static Row feature(String sampleId, Modality m, String encoder, Embedding e, int maxTokens) {
        return feature(sampleId, m, encoder, e, maxTokens, null);
    }

    /** @param faceFound share of a video's frames with a face (face = detect), null otherwise */
    static Row feature(String sampleId, Modality m, String encoder, Embedding e, int maxTokens, Float faceFound) {
        return RowFactory.create(sampleId, m.key(), encoder, e.pooled(), TokenThinning.evenly(e.tokens(), maxTokens), null,
                faceFound, null, null);
    }

    static Row error(String sampleId, Modality m, String reason) {
        return error(sampleId, m, reason, false);
    }

    static Row error(String sampleId, Modality m, String reason, boolean transientError) {
        return RowFactory.create(sampleId, m.key(), null, null, null, reason, null, transientError, null);
    }

    /** {@code outcome} with its sample's manifest split filled in. */
    static Row withSplit(Row outcome, String split) {
        if (split == null) {
            return outcome;
        }
        Object[] values = new Object[outcome.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = outcome.get(i);
        }
        values[SPLIT_INDEX] = split;
        return RowFactory.create(values);
    }
}
