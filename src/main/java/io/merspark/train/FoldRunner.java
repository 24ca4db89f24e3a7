package io.merspark.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a k-fold ensemble's members are trained: one after another in this JVM ({@link #local()}), or as Spark
 * tasks on the executors ({@link ExecutorFolds}). Every fold reseeds the engine from the spec's seed and its
 * index, so where it runs does not change what it learns.
 */
public interface FoldRunner {

    /** Trains every job over {@code source}; the results in the jobs' order. */
    List<FoldResult> run(TrainSpec spec, SampleSource source, List<FoldJob> jobs);

    /** Folds one after another on this JVM's engine, on the spec's device. */
    static FoldRunner local() {
        return (spec, source, jobs) -> {
            FoldTrainer trainer = new FoldTrainer(spec, FusionDevices.resolve(spec.device()));
            List<FoldResult> out = new ArrayList<>(jobs.size());
            for (FoldJob job : jobs) {
                out.add(FiniteFoldRetry.train(job.fold(), () -> trainer.train(job, source)));
            }
            return out;
        };
    }
}
