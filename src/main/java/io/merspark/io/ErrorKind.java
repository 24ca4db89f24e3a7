package io.merspark.io;

import org.apache.spark.sql.Column;

import java.util.List;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * Whether an extraction error may go away by itself. Transient: the media file could not be read at all (not found,
 * unreadable, empty: an upload or a mount not there yet); {@code extract --only-new} retries these rows. Permanent:
 * everything else (corrupt or truncated media, no such track, an unknown codec, a blank transcript, an encoder
 * failure), kept with its reason until the manifest row changes.
 * <p>
 * Extract error rows carry the flag in their {@code transient} column. Rows written before the column existed have
 * it null and are classified by their reason, whose prefixes {@code MediaFiles} has always used for these cases.
 */
public final class ErrorKind {

    public static final String COLUMN = "transient";

    /** Reason prefixes of the unreadable-file errors (see media.MediaFiles.requireReadable). */
    static final List<String> TRANSIENT_REASONS = List.of("file not found: ", "not a readable file: ", "empty file: ");

    private ErrorKind() {
    }

    public static boolean isTransientReason(String reason) {
        return reason != null && TRANSIENT_REASONS.stream().anyMatch(reason::startsWith);
    }

    /** The flag of an extract error row: its {@code transient} column, or its reason for rows without one. */
    public static Column isTransient() {
        Column byReason = lit(false);
        for (String prefix : TRANSIENT_REASONS) {
            byReason = byReason.or(col("reason").startsWith(prefix));
        }
        return coalesce(col(COLUMN), byReason);
    }
}
