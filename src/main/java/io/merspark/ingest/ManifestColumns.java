package io.merspark.ingest;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/** The manifest's columns; media paths in the CSV are relative to the manifest's folder. */
public final class ManifestColumns {

    public static final String SAMPLE_ID = "sample_id";
    public static final String SPLIT = "split";
    public static final String LABEL = "label";
    public static final String VIDEO = "video";
    public static final String AUDIO = "audio";
    public static final String TEXT = "text";
    /** Optional speaker / actor / show id: training folds keep a group together (speaker-independent validation). */
    public static final String GROUP = "group";

    public static final List<String> REQUIRED = List.of(SAMPLE_ID, SPLIT, LABEL);
    public static final List<String> MEDIA = List.of(VIDEO, AUDIO, TEXT);
    /** Optional columns that are not media: absent ones are null in {@code manifest/}. */
    public static final List<String> OPTIONAL = List.of(GROUP);
    public static final List<String> ALL = List.of(SAMPLE_ID, SPLIT, LABEL, VIDEO, AUDIO, TEXT, GROUP);

    public static final String TRAIN = "train";
    public static final String TEST = "test";
    public static final String UNLABELED = "unlabeled";
    public static final Set<String> SPLITS = Set.of(TRAIN, TEST, UNLABELED);

    private ManifestColumns() {
    }

    /** Whether a {@code manifest/} table has the group column (tables written before groups existed do not). */
    public static boolean hasGroup(Dataset<Row> manifest) {
        return Arrays.asList(manifest.columns()).contains(GROUP);
    }

    /** The manifest's group column, or a null string for every row of a table written before groups existed. */
    public static Column groupOrNull(Dataset<Row> manifest) {
        return hasGroup(manifest) ? col(GROUP) : lit(null).cast("string");
    }
}
