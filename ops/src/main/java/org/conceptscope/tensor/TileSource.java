package org.conceptscope.tensor;

import java.util.Arrays;

/**
 * Raw pixels of a stack of images, read a window at a time, so that an image larger than a model's
 * input is never copied whole: the tiler asks for one tile after another. Windows reaching past the
 * image give the nearest edge pixel there (padding by repetition; nothing is invented). Values are
 * raw (before the model's normalisation), as the image stores them.
 */
public interface TileSource {

	/** Images (slices, frames, positions) in the stack. */
	int images();

	int height();

	int width();

	/** Model channels per pixel (3 for RGB). */
	int channels();

	/** The range of the pixel type for normalisations that use it (255, 65535), or NaN for float pixels. */
	double typeMax();

	/**
	 * Rows [y, y+h) and columns [x, x+w) of image {@code image}, channel fastest (HWC), into
	 * {@code hwc} from index 0; positions outside the image are clamped to its edge.
	 */
	void read(int image, int y, int x, int h, int w, float[] hwc);

	/** A source over a raw NHWC tensor (held in memory). */
	static TileSource of(FloatTensor nhwc, double typeMax) {
		if (nhwc.rank() != 4) throw new IllegalArgumentException("A tile source needs [N, H, W, C] images, got " + nhwc + ".");
		int n = (int) nhwc.dim(0), height = (int) nhwc.dim(1), width = (int) nhwc.dim(2), c = (int) nhwc.dim(3);
		float[] d = nhwc.data();
		return new TileSource() {
			@Override
			public int images() {
				return n;
			}

			@Override
			public int height() {
				return height;
			}

			@Override
			public int width() {
				return width;
			}

			@Override
			public int channels() {
				return c;
			}

			@Override
			public double typeMax() {
				return typeMax;
			}

			@Override
			public void read(int image, int y, int x, int h, int w, float[] hwc) {
				int base = image * height * width * c;
				for (int i = 0; i < h; i++) {
					int yy = Math.min(height - 1, Math.max(0, y + i));
					for (int j = 0; j < w; j++) {
						int xx = Math.min(width - 1, Math.max(0, x + j));
						System.arraycopy(d, base + (yy * width + xx) * c, hwc, (i * w + j) * c, c);
					}
				}
			}

			@Override
			public String toString() {
				return "TileSource" + Arrays.toString(nhwc.shape());
			}
		};
	}
}
