package io.merspark.media;

/**
 * A media file that could not be read at all (not there yet, unreadable, empty): a transient problem of the file
 * system or an upload still in progress, not of the media. {@code extract --only-new} retries these rows.
 */
public class MediaUnavailableException extends MediaException {

    public MediaUnavailableException(String reason) {
        super(reason);
    }

    public MediaUnavailableException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
