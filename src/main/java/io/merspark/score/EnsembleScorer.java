package io.merspark.score;

import io.merspark.features.GroupNormalization;
import io.merspark.features.GroupStandardiser;
import io.merspark.features.PooledFeatures;
import io.merspark.features.TokenFeatures;
import io.merspark.features.WideRowReader;
import io.merspark.train.FusionSample;
import io.merspark.train.FusionEnsemble;
import io.merspark.train.TemperatureScaling;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Applies a saved ensemble to a wide feature table on the executors, in batches per partition,
 * and derives the confidence statistics the selection transforms use. Probabilities are temperature-calibrated.
 */
public final class EnsembleScorer implements PoolScorer, Serializable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnsembleScorer.class);

    public static final StructType SCHEMA = new StructType()
            .add("sample_id", DataTypes.StringType, false)
            .add("probs", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("member_probs", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false)
            .add("pred", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false)
            .add("margin", DataTypes.FloatType, false)
            .add("entropy", DataTypes.FloatType, false);

    private final String modelDir;
    private final String device;
    private final List<String> modalities;
    private final int batchSize;
    private final boolean withTokens;
    private final GroupStandardiser standardiser;

    public EnsembleScorer(String modelDir, String device, List<String> modalities, int batchSize) {
        this(modelDir, device, modalities, batchSize, false);
    }

    /** @param withTokens the ensemble reads token sequences (AGT): rows carry {@link TokenFeatures} columns */
    public EnsembleScorer(String modelDir, String device, List<String> modalities, int batchSize, boolean withTokens) {
        this(modelDir, device, modalities, batchSize, withTokens, null);
    }

    /**
     * @param standardiser per-group statistics the ensemble was trained with, applied to each row's decoded arrays
     *                     by the group in its {@link GroupNormalization#ROW_GROUP} column (null: rows as read)
     */
    public EnsembleScorer(String modelDir, String device, List<String> modalities, int batchSize, boolean withTokens,
                          GroupStandardiser standardiser) {
        if (standardiser != null && !standardiser.modalities().equals(modalities)) {
            throw new IllegalArgumentException("statistics of " + standardiser.modalities() + " for a model of "
                    + modalities);
        }
        this.modelDir = modelDir;
        this.device = device;
        this.modalities = List.copyOf(modalities);
        this.batchSize = batchSize;
        this.withTokens = withTokens;
        this.standardiser = standardiser;
    }

    /**
     * {@code wide} has {@code sample_id} and one pooled-vector column per modality, plus one token column per
     * modality ({@link TokenFeatures#wide}) when the scorer reads tokens. Its rows are taken as Spark's internal rows
     * ({@link WideRowReader}), so with adaptive execution the input's shuffle stages run when this is called, not
     * when the scores are first used.
     */
    @Override
    public Dataset<Row> score(Dataset<Row> wide) {
        String dir = EnsembleCache.location(modelDir, wide.sparkSession().sparkContext().hadoopConfiguration());
        String dev = device;
        List<String> mods = modalities;
        int batch = batchSize;
        boolean tokens = withTokens;
        // the statistics go to each executor once, not with every task
        Broadcast<GroupStandardiser> stats = standardiser == null ? null
                : JavaSparkContext.fromSparkContext(wide.sparkSession().sparkContext()).broadcast(standardiser);
        WideRowReader reader = WideRowReader.of(wide.schema(), mods, tokens,
                standardiser == null ? null : GroupNormalization.ROW_GROUP);
        FlatMapFunction<Iterator<InternalRow>, Row> fn = rows -> {
            EnsembleCache.Lease lease = EnsembleCache.acquire(dir, dev);
            // let go at the end of the rows, or when the task ends early (killed, failed, a limit)
            org.apache.spark.TaskContext task = org.apache.spark.TaskContext.get();
            if (task != null) {
                task.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) t -> lease.close());
            }
            return new BatchIterator(rows, reader, lease, batch, tokens, stats == null ? null : stats.value());
        };
        // internal rows in: the feature arrays are copied out as floats, never boxed (WideRowReader)
        return wide.sparkSession().createDataFrame(WideRowReader.internalRows(wide).mapPartitions(fn), SCHEMA);
    }

    /** Scores one batch at a time so a partition of any size needs only one batch in memory. */
    private static final class BatchIterator implements Iterator<Row> {
        private final Iterator<InternalRow> rows;
        private final WideRowReader reader;
        private final EnsembleCache.Lease lease;
        private final FusionEnsemble ensemble;
        private final int batchSize;
        private final boolean withTokens;
        private final GroupStandardiser standardiser;
        private Iterator<Row> current = java.util.Collections.emptyIterator();
        private final long start = System.nanoTime();
        private long scored;
        private boolean logged;

        BatchIterator(Iterator<InternalRow> rows, WideRowReader reader, EnsembleCache.Lease lease, int batchSize,
                      boolean withTokens, GroupStandardiser standardiser) {
            this.rows = rows;
            this.reader = reader;
            this.lease = lease;
            this.ensemble = lease.ensemble();
            this.batchSize = batchSize;
            this.withTokens = withTokens;
            this.standardiser = standardiser;
        }

        @Override
        public boolean hasNext() {
            if (!current.hasNext() && rows.hasNext()) {
                current = nextBatch();
            }
            boolean more = current.hasNext();
            if (!more) {
                lease.close();
            }
            if (!more && !logged && scored > 0) {
                logged = true;
                double seconds = (System.nanoTime() - start) / 1e9;
                LOG.info(String.format(java.util.Locale.ROOT, "scored %d rows of this partition in %.1f s (%.1f rows/s)",
                        scored, seconds, scored / Math.max(seconds, 1e-9)));
            }
            return more;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return current.next();
        }

        private Iterator<Row> nextBatch() {
            List<String> ids = new ArrayList<>(batchSize);
            List<FusionSample> samples = new ArrayList<>(batchSize);
            while (rows.hasNext() && ids.size() < batchSize) {
                InternalRow r = rows.next();
                String id = reader.sampleId(r);
                ids.add(id);
                float[][] pooled = reader.pooled(r);
                float[][][] tokens = withTokens ? reader.tokens(r) : null;
                if (standardiser != null) {
                    // on the arrays decoded here anyway: the standardisation costs its arithmetic only
                    standardiser.standardise(reader.group(r), pooled, tokens);
                }
                samples.add(new FusionSample(id, pooled, FusionSample.UNKNOWN, 1f,
                        withTokens ? TokenFeatures.sequences(tokens, pooled) : null));
            }
            // One pass of the members; the ensemble's probabilities are the softmax of their mean logits, both
            // calibrated by the ensemble's temperature, so every threshold downstream reads calibrated confidence.
            float[][][] logits = ensemble.memberSampleLogits(samples);
            double t = ensemble.temperature();
            float[][] probs = TemperatureScaling.apply(FusionEnsemble.meanLogits(logits), t);
            float[][][] members = new float[logits.length][][];
            for (int k = 0; k < logits.length; k++) {
                members[k] = TemperatureScaling.apply(logits[k], t);
            }
            scored += ids.size();
            List<Row> out = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                List<scala.collection.immutable.Seq<Float>> perMember = new ArrayList<>(members.length);
                for (float[][] member : members) {
                    perMember.add(PooledFeatures.seq(member[i]));
                }
                ScoreStats s = ScoreStats.of(probs[i]);
                out.add(RowFactory.create(ids.get(i), PooledFeatures.seq(probs[i]), seq(perMember), s.pred(), s.confidence(), s.margin(), s.entropy()));
            }
            return out.iterator();
        }
    }

    private static <T> scala.collection.immutable.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list).toList();
    }
}
