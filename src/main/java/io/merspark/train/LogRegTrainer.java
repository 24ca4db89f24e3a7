package io.merspark.train;

import io.merspark.evaluate.ClassificationMetrics;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.apache.spark.sql.functions.col;

/**
 * The strong simple baseline: Spark MLlib multinomial logistic regression on the standardised, concatenated pooled
 * features. The penalty (regParam × elasticNetParam) is picked by the mean out-of-fold WAF over the same gold
 * (group-)stratified folds the fusion ensembles use; pseudo-labelled rows train every fold and never validate.
 * The chosen penalty's out-of-fold gold predictions give {@code cv_waf}, the confusion BBSE uses and the
 * calibration temperature; the saved model is refitted on every training row.
 */
public final class LogRegTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(LogRegTrainer.class);

    static final String LABEL = "label_index";
    static final String FOLD = "fold";
    private static final int ROWS_PER_PARTITION = 50_000;

    /**
     * @param modalities pooled columns read, in order; {@code dims} their widths
     * @param folds      k of the gold folds
     */
    public record Spec(List<String> modalities, int[] dims, List<String> classes, int folds, long seed,
                       List<Double> regParams, List<Double> elasticNetParams, int maxIter) {
    }

    /** One grid point and its mean out-of-fold gold WAF. */
    public record Candidate(double regParam, double elasticNetParam, double cvWaf) {
    }

    /**
     * @param cvWaf        mean over folds of the chosen penalty's out-of-fold gold WAF
     * @param oofConfusion its out-of-fold confusion on gold rows ({@code [truth][pred]}), every gold row once
     */
    public record Result(LogRegModel model, double cvWaf, long[][] oofConfusion, TemperatureScaling.Fit calibration,
                         List<Candidate> grid, int goldRows) {

        public Map<String, Object> gridJson() {
            List<Object> out = new ArrayList<>();
            for (Candidate c : grid) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("reg_param", c.regParam());
                m.put("elastic_net_param", c.elasticNetParam());
                m.put("cv_waf", c.cvWaf());
                out.add(m);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reg_param", model.manifest().regParam());
            m.put("elastic_net_param", model.manifest().elasticNetParam());
            m.put("grid", out);
            return m;
        }
    }

    /**
     * @param rows training rows: {@code sample_id}, {@code label} (class name), {@code weight}, one pooled column per
     *             modality; any order
     * @param plan per row in sample_id order, gold or not and its group ({@code TrainingSet.foldPlan(rows, null)})
     */
    public Result train(Dataset<Row> rows, Spec spec, FoldPlan plan) {
        SparkSession spark = rows.sparkSession();
        List<Row> side = rows.select("sample_id", "label").orderBy("sample_id").collectAsList();
        if (side.size() != plan.gold().length) {
            throw new IllegalArgumentException("fold plan has " + plan.gold().length + " rows, training rows " + side.size());
        }
        int k = spec.classes().size();
        int[] labels = side.stream().mapToInt(r -> spec.classes().indexOf(r.getString(1))).toArray();
        if (plan.goldCount() < spec.folds()) {
            throw new IllegalArgumentException("need at least folds (" + spec.folds() + ") gold rows, got " + plan.goldCount());
        }
        int[] foldOf = FusionTrainer.folds(labels, plan, k, spec.folds(), spec.seed());
        List<Row> assignment = new ArrayList<>(side.size());
        for (int i = 0; i < side.size(); i++) {
            assignment.add(RowFactory.create(side.get(i).getString(0), (double) labels[i], foldOf[i]));
        }
        StructType schema = new StructType().add("sample_id", DataTypes.StringType, false)
                .add(LABEL, DataTypes.DoubleType, false).add(FOLD, DataTypes.IntegerType, false);
        // the class count as label metadata: a fold missing the last class still gets k outputs
        org.apache.spark.sql.types.Metadata classes = NominalAttribute.defaultAttr().withName(LABEL)
                .withNumValues(k).toMetadata();
        List<org.apache.spark.sql.Column> keep = new ArrayList<>(List.of(col("sample_id"),
                col(LABEL).as(LABEL, classes), col("weight").cast("double").as("weight"), col(FOLD)));
        spec.modalities().forEach(m -> keep.add(col(m)));
        // Every L-BFGS iteration is a Spark job over the rows: on a training set this small, one partition per
        // job is what keeps the grid × folds fits from being dominated by task scheduling.
        int partitions = Math.max(1, side.size() / ROWS_PER_PARTITION);
        Dataset<Row> data = rows.drop("label").join(spark.createDataFrame(assignment, schema), "sample_id")
                .select(keep.toArray(org.apache.spark.sql.Column[]::new)).repartition(partitions).cache();
        try {
            List<Candidate> grid = new ArrayList<>();
            Candidate best = null;
            float[][] bestLogits = null;
            int[] bestTruth = null;
            long[][] bestConfusion = null;
            for (double reg : spec.regParams()) {
                for (double en : spec.elasticNetParams()) {
                    OutOfFold oof = crossValidate(data, spec, reg, en);
                    Candidate c = new Candidate(reg, en, oof.meanWaf());
                    grid.add(c);
                    LOG.info("logreg regParam {} elasticNet {}: mean out-of-fold gold WAF {}", reg, en,
                            String.format(Locale.ROOT, "%.4f", c.cvWaf()));
                    if (best == null || c.cvWaf() > best.cvWaf()) {
                        best = c;
                        bestLogits = oof.logits();
                        bestTruth = oof.truth();
                        bestConfusion = oof.confusion();
                    }
                }
            }
            TemperatureScaling.Fit calibration = TemperatureScaling.fit(bestLogits, bestTruth);
            PipelineModel model = pipeline(spec, best.regParam(), best.elasticNetParam()).fit(data);
            LogRegModel.Manifest manifest = new LogRegModel.Manifest(LogRegModel.FORMAT, spec.classes(),
                    spec.modalities(), spec.dims(), best.regParam(), best.elasticNetParam(), calibration.temperature());
            LOG.info("logreg trained on {} rows ({} gold): regParam {} elasticNet {}, cv WAF {}, temperature {}",
                    side.size(), plan.goldCount(), best.regParam(), best.elasticNetParam(),
                    String.format(Locale.ROOT, "%.4f", best.cvWaf()),
                    String.format(Locale.ROOT, "%.4f", calibration.temperature()));
            return new Result(new LogRegModel(model, manifest), best.cvWaf(), bestConfusion, calibration,
                    List.copyOf(grid), plan.goldCount());
        } finally {
            data.unpersist();
        }
    }

    private record OutOfFold(double meanWaf, float[][] logits, int[] truth, long[][] confusion) {
    }

    /** Fits on every row outside fold f (pseudo-labels included) and predicts fold f's gold rows, for each f. */
    private OutOfFold crossValidate(Dataset<Row> data, Spec spec, double reg, double en) {
        int k = spec.classes().size();
        List<float[]> logits = new ArrayList<>();
        List<Integer> truth = new ArrayList<>();
        long[][] confusion = new long[k][k];
        double wafSum = 0;
        int foldsScored = 0;
        Pipeline pipeline = pipeline(spec, reg, en);
        for (int f = 0; f < spec.folds(); f++) {
            Dataset<Row> validation = data.where(col(FOLD).equalTo(f));
            PipelineModel model = pipeline.fit(data.where(col(FOLD).notEqual(f)));
            List<Row> predicted = model.transform(validation)
                    .select(col("sample_id"), col(LABEL), org.apache.spark.ml.functions.vector_to_array(
                            col("rawPrediction"), "float32").as("logits"))
                    .orderBy("sample_id").collectAsList();
            if (predicted.isEmpty()) {
                continue;
            }
            int[] t = new int[predicted.size()];
            int[] p = new int[predicted.size()];
            for (int i = 0; i < t.length; i++) {
                Row r = predicted.get(i);
                float[] z = io.merspark.features.PooledFeatures.vectors(r, List.of("logits"))[0];
                t[i] = (int) r.getDouble(1);
                p[i] = FoldTrainer.argmax(z);
                logits.add(z);
                truth.add(t[i]);
                confusion[t[i]][p[i]]++;
            }
            wafSum += ClassificationMetrics.fromLabels(t, p, k).waf();
            foldsScored++;
        }
        return new OutOfFold(wafSum / foldsScored, logits.toArray(float[][]::new),
                truth.stream().mapToInt(Integer::intValue).toArray(), confusion);
    }

    private static Pipeline pipeline(Spec spec, double reg, double en) {
        PooledVectorAssembler assembler = new PooledVectorAssembler()
                .setInputCols(spec.modalities().toArray(String[]::new)).setDims(spec.dims()).setOutputCol("features_raw");
        StandardScaler scaler = new StandardScaler().setInputCol("features_raw").setOutputCol("features")
                .setWithMean(true).setWithStd(true);
        LogisticRegression lr = new LogisticRegression().setFamily("multinomial").setLabelCol(LABEL)
                .setFeaturesCol("features").setWeightCol("weight").setRegParam(reg).setElasticNetParam(en)
                .setMaxIter(spec.maxIter()).setTol(1e-4).setStandardization(false);
        return new Pipeline().setStages(new PipelineStage[] {assembler, scaler, lr});
    }
}
