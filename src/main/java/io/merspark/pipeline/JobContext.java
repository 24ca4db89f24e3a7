package io.merspark.pipeline;

import io.merspark.config.Settings;
import io.merspark.io.Layout;
import io.merspark.io.Storage;
import org.apache.spark.sql.SparkSession;

/** What every stage needs: the session, the validated settings, and where the tables live. */
public record JobContext(SparkSession spark, Settings settings, Layout layout, Storage storage) {

    public static JobContext of(SparkSession spark, Settings settings) {
        return new JobContext(spark, settings, new Layout(settings.root()), new Storage(spark));
    }
}
