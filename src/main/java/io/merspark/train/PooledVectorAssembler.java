package io.merspark.train;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import static org.apache.spark.sql.functions.array_repeat;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

/**
 * Concatenates the pooled {@code array<float>} column of each modality into one ML vector. A missing modality
 * (null) becomes zeros of its width, so every row has the same layout; {@code VectorAssembler} takes no arrays.
 */
public final class PooledVectorAssembler extends Transformer implements DefaultParamsWritable {

    private final String uid;
    private final StringArrayParam inputCols;
    private final IntArrayParam dims;
    private final Param<String> outputCol;

    public PooledVectorAssembler() {
        this(Identifiable$.MODULE$.randomUID("pooledVectorAssembler"));
    }

    public PooledVectorAssembler(String uid) {
        this.uid = uid;
        inputCols = new StringArrayParam(this, "inputCols", "pooled array<float> column per modality, in order");
        dims = new IntArrayParam(this, "dims", "width of each input column");
        outputCol = new Param<>(this, "outputCol", "the assembled vector column");
        setDefault(outputCol, "features");
    }

    @Override
    public String uid() {
        return uid;
    }

    // Spark finds a stage's params through public no-argument accessors like these
    public StringArrayParam inputCols() {
        return inputCols;
    }

    public IntArrayParam dims() {
        return dims;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public String[] getInputCols() {
        return $(inputCols);
    }

    public PooledVectorAssembler setInputCols(String... value) {
        set(inputCols, value);
        return this;
    }

    public int[] getDims() {
        return $(dims);
    }

    public PooledVectorAssembler setDims(int... value) {
        set(dims, value);
        return this;
    }

    public String getOutputCol() {
        return $(outputCol);
    }

    public PooledVectorAssembler setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String[] in = getInputCols();
        int[] widths = getDims();
        Column[] parts = new Column[in.length];
        for (int i = 0; i < in.length; i++) {
            parts[i] = coalesce(col(in[i]), array_repeat(lit(0f), widths[i]));
        }
        return dataset.withColumn(getOutputCol(), org.apache.spark.ml.functions.array_to_vector(concat(parts)));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(inputCols) || !isDefined(dims) || getInputCols().length != getDims().length) {
            throw new IllegalArgumentException(uid + ": inputCols and dims must be set, one width per column");
        }
        for (String c : getInputCols()) {
            if (!java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException(uid + ": input column '" + c + "' is missing");
            }
        }
        return schema.add(getOutputCol(), SQLDataTypes.VectorType(), false);
    }

    @Override
    public PooledVectorAssembler copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<PooledVectorAssembler> read() {
        return new DefaultParamsReader<>();
    }

    public static PooledVectorAssembler load(String path) {
        return read().load(path);
    }
}
