package io.merspark.testing;

import org.apache.hadoop.fs.RawLocalFileSystem;

import java.net.URI;

/**
 * The local disk under the {@code mertest:} scheme: code that treats any scheme but {@code file:} as a remote
 * filesystem (copying to local disk first) can be tested without one. Registered through META-INF/services.
 */
public class OtherSchemeFileSystem extends RawLocalFileSystem {

    public static final String SCHEME = "mertest";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
