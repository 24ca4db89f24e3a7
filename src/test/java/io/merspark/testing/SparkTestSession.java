package io.merspark.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * One local[2] SparkSession for the whole test JVM (the first one costs ~5 s).
 * Use with {@code @ExtendWith(SparkTestSession.class)} and take a {@link SparkSession} parameter,
 * or call {@link #get()}.
 */
public final class SparkTestSession implements BeforeAllCallback, ParameterResolver {

    private static SparkSession session;

    public static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("mer-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.sql.session.timeZone", "UTC")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }

    /** The bundled corpus ({@code data/mer-mini}); Surefire passes its absolute path. */
    public static Path dataDir() {
        return Paths.get(System.getProperty("merspark.test.data", "data/mer-mini")).toAbsolutePath();
    }

    /** The repository root (models/, conf/ live there). */
    public static Path projectDir() {
        return dataDir().getParent().getParent();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        get();
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return get();
    }
}
