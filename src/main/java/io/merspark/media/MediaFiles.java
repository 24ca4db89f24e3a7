package io.merspark.media;

import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;

import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a media file with FFmpeg and turns its failures into specific {@link MediaException}s. */
final class MediaFiles {

    static {
        // FFmpeg prints a screen of warnings for every broken file; the reason goes to the errors table instead.
        avutil.av_log_set_level(avutil.AV_LOG_FATAL);
    }

    /**
     * A stream whose decoding ends before this share of what its header declares (video frames, audio seconds) is
     * truncated (a partial upload or copy): its features would describe a fragment, so it is an error. The bundled
     * clips decode at least 0.969 of their declared frames and all their declared audio.
     */
    static final double MIN_DECODED_SHARE = 0.9;

    private MediaFiles() {
    }

    static void requireReadable(Path media) throws MediaException {
        if (media == null) {
            throw new MediaException("no media path");
        }
        if (!Files.exists(media)) {
            throw new MediaUnavailableException("file not found: " + media);
        }
        if (!Files.isRegularFile(media) || !Files.isReadable(media)) {
            throw new MediaUnavailableException("not a readable file: " + media);
        }
        try {
            if (Files.size(media) == 0) {
                throw new MediaUnavailableException("empty file: " + media);
            }
        } catch (java.io.IOException e) {
            throw new MediaUnavailableException("not a readable file: " + media, e);
        }
    }

    /** Starts the grabber; a file FFmpeg cannot probe is "not a media file". The caller closes it. */
    static void start(FFmpegFrameGrabber grabber, Path media) throws MediaException {
        try {
            grabber.start();
        } catch (FrameGrabber.Exception e) {
            throw new MediaException("not a media file: " + media.getFileName(), e);
        }
    }

    static void closeQuietly(FFmpegFrameGrabber grabber) {
        try {
            grabber.close();
        } catch (FrameGrabber.Exception | RuntimeException ignored) {
            // closing must never hide the decoding outcome
        }
    }
}
