package org.conceptscope.tensor;

/** Resizes maps [N, h, w] to [N, H, W]; pixel centres are aligned (half-pixel convention). */
public final class Resampling {

	private Resampling() {}

	/** Bilinear interpolation, clamped at the borders: smooth maps from coarse layers or grids. */
	public static FloatTensor bilinear(FloatTensor maps, int height, int width) {
		checkMaps(maps, height, width);
		int n = (int) maps.dim(0), h = (int) maps.dim(1), w = (int) maps.dim(2);
		float[] out = new float[n * height * width];
		for (int i = 0; i < n; i++) {
			float[] one = java.util.Arrays.copyOfRange(maps.data(), i * h * w, (i + 1) * h * w);
			System.arraycopy(resizeImage(one, h, w, 1, height, width), 0, out, i * height * width, height * width);
		}
		return new FloatTensor(new long[] { n, height, width }, out);
	}

	/** Nearest neighbour: each cell of a grid becomes a constant block. */
	public static FloatTensor nearest(FloatTensor maps, int height, int width) {
		checkMaps(maps, height, width);
		int n = (int) maps.dim(0), h = (int) maps.dim(1), w = (int) maps.dim(2);
		float[] in = maps.data(), out = new float[n * height * width];
		for (int i = 0; i < n; i++) {
			for (int y = 0; y < height; y++) {
				int sy = Math.min(h - 1, (int) ((long) y * h / height));
				for (int x = 0; x < width; x++) {
					int sx = Math.min(w - 1, (int) ((long) x * w / width));
					out[(i * height + y) * width + x] = in[(i * h + sy) * w + sx];
				}
			}
		}
		return new FloatTensor(new long[] { n, height, width }, out);
	}

	/** Bilinear resize of one interleaved HWC image (every channel alike): crops to model input size. */
	public static float[] resizeImage(float[] hwc, int h, int w, int c, int height, int width) {
		if (h == height && w == width) return hwc.clone();
		float[] out = new float[height * width * c];
		float sy = h / (float) height, sx = w / (float) width;
		for (int y = 0; y < height; y++) {
			float fy = Math.max(0, Math.min(h - 1, (y + 0.5f) * sy - 0.5f));
			int y0 = (int) fy, y1 = Math.min(y0 + 1, h - 1);
			float ty = fy - y0;
			for (int x = 0; x < width; x++) {
				float fx = Math.max(0, Math.min(w - 1, (x + 0.5f) * sx - 0.5f));
				int x0 = (int) fx, x1 = Math.min(x0 + 1, w - 1);
				float tx = fx - x0;
				for (int ch = 0; ch < c; ch++) {
					float top = hwc[(y0 * w + x0) * c + ch] * (1 - tx) + hwc[(y0 * w + x1) * c + ch] * tx;
					float bottom = hwc[(y1 * w + x0) * c + ch] * (1 - tx) + hwc[(y1 * w + x1) * c + ch] * tx;
					out[(y * width + x) * c + ch] = top * (1 - ty) + bottom * ty;
				}
			}
		}
		return out;
	}

	private static void checkMaps(FloatTensor maps, int height, int width) {
		if (maps.rank() != 3) throw new IllegalArgumentException("Maps to resize must be [N, h, w], got " + maps + ".");
		if (height < 1 || width < 1) throw new IllegalArgumentException("Target size must be positive, got " + width + "x" + height + ".");
	}
}
