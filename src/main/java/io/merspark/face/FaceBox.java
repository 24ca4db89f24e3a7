package io.merspark.face;

/** A detected face in frame pixels, with the detector's score. */
public record FaceBox(float left, float top, float width, float height, float score) {

    public float area() {
        return width * height;
    }

    float right() {
        return left + width;
    }

    float bottom() {
        return top + height;
    }

    /** Intersection over union, as face-api's iou. */
    float iou(FaceBox o) {
        float w = Math.max(0f, Math.min(right(), o.right()) - Math.max(left, o.left));
        float h = Math.max(0f, Math.min(bottom(), o.bottom()) - Math.max(top, o.top));
        float inter = w * h;
        return inter / (area() + o.area() - inter);
    }
}
