package io.merspark.train;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/** Synthetic samples as the scorer's wide input: sample_id and one float array column per modality. */
final class WideFrames {

    private WideFrames() {
    }

    static Dataset<Row> of(SparkSession spark, List<FusionSample> rows) {
        StructType schema = new StructType().add("sample_id", DataTypes.StringType);
        for (String m : SyntheticFusionData.MODALITIES) {
            schema = schema.add(m, DataTypes.createArrayType(DataTypes.FloatType));
        }
        List<Row> out = new ArrayList<>();
        for (FusionSample s : rows) {
            Object[] values = new Object[4];
            values[0] = s.sampleId();
            for (int m = 0; m < 3; m++) {
                List<Float> v = new ArrayList<>();
                for (float x : s.features()[m]) {
                    v.add(x);
                }
                values[m + 1] = v;
            }
            out.add(RowFactory.create(values));
        }
        return spark.createDataFrame(out, schema);
    }
}
