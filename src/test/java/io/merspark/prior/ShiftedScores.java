package io.merspark.prior;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import java.util.Arrays;
import java.util.List;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_max;
import static org.apache.spark.sql.functions.array_position;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * Synthetic scores tables under a chosen class prior, generated in Spark from hash-based uniforms (the same
 * seed gives the same rows). Each sample has a true class drawn from the prior and two independent noisy
 * observations of it ({@link #LIKELIHOOD}); its {@code probs} are the exact Bayes posteriors under
 * {@link #TRAIN_PRIOR}, i.e. a classifier calibrated on the training data.
 */
final class ShiftedScores {

    static final List<String> CLASSES = List.of("neutral", "angry", "happy", "sad", "worried", "surprise");
    static final double[] TRAIN_PRIOR = {0.30, 0.10, 0.20, 0.15, 0.15, 0.10};
    /** A clear shift: neutral and happy rare, angry and sad common. */
    static final double[] SHIFTED_PRIOR = {0.10, 0.30, 0.10, 0.25, 0.10, 0.15};
    static final double[] MILD_PRIOR = {0.25, 0.13, 0.20, 0.17, 0.15, 0.10};

    /** p(observation = x | class = y): the right class with 0.65, each other with 0.07. */
    static final double RIGHT = 0.65;
    static final double WRONG = 0.07;
    static final double[][] LIKELIHOOD = likelihood(RIGHT, WRONG);

    private static final long UNIFORM_RESOLUTION = 1L << 31;

    private ShiftedScores() {
    }

    static Dataset<Row> generate(SparkSession spark, long n, double[] prior, long seed) {
        int k = CLASSES.size();
        Column[] joint = new Column[k];
        Column total = lit(0.0);
        for (int c = 0; c < k; c++) {
            Column row = doubles(LIKELIHOOD[c]);
            joint[c] = lit(TRAIN_PRIOR[c]).multiply(row.getItem(col("x1"))).multiply(row.getItem(col("x2")));
            total = total.plus(joint[c]);
        }
        Column[] posterior = new Column[k];
        for (int c = 0; c < k; c++) {
            posterior[c] = joint[c].divide(total).cast(DataTypes.FloatType);
        }
        Column names = array(CLASSES.stream().map(name -> lit(name)).toArray(Column[]::new));
        Dataset<Row> scored = spark.range(n)
                .withColumn("truth", drawClass(prior, uniform(seed, 0)))
                .withColumn("x1", observe(col("truth"), uniform(seed, 1)))
                .withColumn("x2", observe(col("truth"), uniform(seed, 2)))
                .select(
                        concat(lit("s"), col("id").cast(DataTypes.StringType)).as("sample_id"),
                        array(posterior).as("probs"),
                        names.getItem(col("truth")).as("label"));
        return scored.select(col("sample_id"), col("probs"),
                array_position(col("probs"), array_max(col("probs"))).minus(1).cast(DataTypes.IntegerType).as("pred"),
                array_max(col("probs")).as("confidence"),
                col("label"));
    }

    /** Inverse-CDF draw of a class from a prior. */
    private static Column drawClass(double[] prior, Column u) {
        Column drawn = lit(prior.length - 1);
        double cdf = 1.0;
        for (int c = prior.length - 2; c >= 0; c--) {
            cdf -= prior[c + 1];
            drawn = when(u.lt(cdf), lit(c)).otherwise(drawn);
        }
        return drawn;
    }

    /**
     * A draw from {@link #LIKELIHOOD}: the true class with probability {@link #RIGHT}, otherwise each of the
     * other classes with {@link #WRONG}.
     */
    private static Column observe(Column truth, Column u) {
        int k = CLASSES.size();
        Column offset = least(floor(u.minus(RIGHT).divide(WRONG)), lit(k - 2)).cast(DataTypes.IntegerType).plus(1);
        return when(u.lt(RIGHT), truth).otherwise(pmod(truth.plus(offset), lit(k)));
    }

    /** A uniform in [0, 1) from the row id, the seed and a salt per draw. */
    private static Column uniform(long seed, int salt) {
        return pmod(xxhash64(col("id"), lit(seed), lit(salt)), lit(UNIFORM_RESOLUTION))
                .cast(DataTypes.DoubleType).divide(UNIFORM_RESOLUTION);
    }

    private static Column doubles(double[] values) {
        return array(Arrays.stream(values).mapToObj(v -> lit(v)).toArray(Column[]::new));
    }

    private static double[][] likelihood(double right, double wrong) {
        int k = CLASSES.size();
        double[][] l = new double[k][k];
        for (int y = 0; y < k; y++) {
            for (int x = 0; x < k; x++) {
                l[y][x] = y == x ? right : wrong;
            }
        }
        return l;
    }
}
