package io.merspark.io;

/** The output root cannot take the job's output (not writable, not creatable, too little free space). */
public final class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }
}
