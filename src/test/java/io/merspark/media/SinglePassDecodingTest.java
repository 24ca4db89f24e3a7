package io.merspark.media;

import io.merspark.testing.SparkTestSession;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one-open sampler that converts only the picked frames to RGB gives exactly the frames of the former path:
 * a separate open for the frame count, then every frame decoded and converted, the picked ones kept.
 */
class SinglePassDecodingTest {

    private static final List<String> CLIPS = List.of("mini_0035", "mini_0092", "mini_0009", "mini_0420");

    @Test
    void pickedFramesAreBitIdenticalToConvertingEveryFrame() throws Exception {
        for (String id : CLIPS) {
            Path clip = SparkTestSession.dataDir().resolve("clips/" + id + ".mp4");
            List<float[]> reference = convertEveryFrame(clip, 8, 112);
            List<float[]> sampled = new VideoFrameSampler().sample(clip, 8, 112);
            List<float[]> threaded = new VideoFrameSampler(2).sample(clip, 8, 112);
            assertEquals(8, reference.size(), id);
            assertEquals(reference.size(), sampled.size(), id);
            for (int f = 0; f < reference.size(); f++) {
                assertArrayEquals(reference.get(f), sampled.get(f), 0f, id + " frame " + f);
                assertArrayEquals(reference.get(f), threaded.get(f), 0f, id + " frame " + f + ", 2 threads");
            }
        }
    }

    private static List<float[]> convertEveryFrame(Path clip, int frames, int size) throws Exception {
        int declared;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            g.setAudioStream(-1);
            g.start();
            declared = g.getLengthInVideoFrames();
        }
        boolean[] wanted = VideoFrameSampler.uniformPicks(declared, frames);
        List<float[]> out = new ArrayList<>();
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            g.setAudioStream(-1);
            g.start();
            Frame frame;
            int index = 0;
            while ((frame = g.grabImage()) != null) {
                if (index < wanted.length && wanted[index]) {
                    out.add(VideoFrameSampler.toChw(frame, size));
                }
                index++;
            }
        }
        return out;
    }
}
