package io.merspark.media;

/** A media input that cannot be used, with a short reason fit for an errors table. */
public class MediaException extends Exception {

    public MediaException(String reason) {
        super(reason);
    }

    public MediaException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
