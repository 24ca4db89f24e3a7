package io.merspark.pipeline;

import io.merspark.config.Settings;
import org.apache.spark.sql.SparkSession;

/**
 * Builds the job's session. Under spark-submit the master and resources come from the submit line;
 * launched directly (the embedded default) the master comes from {@code mer.spark.master}.
 */
public final class SparkSessions {

    private SparkSessions() {
    }

    public static SparkSession create(Settings settings) {
        SparkSession.Builder b = SparkSession.builder()
                .appName(settings.spark().appName())
                .config("spark.sql.shuffle.partitions", settings.spark().shufflePartitions());
        if (System.getProperty("spark.master") == null) {
            b = b.master(settings.spark().master())
                    .config("spark.ui.showConsoleProgress", "false");
            if (settings.spark().master().startsWith("local")) {
                b = b.config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false");
            }
        }
        return b.getOrCreate();
    }
}
