package org.conceptscope.tensor;

/**
 * A 40000 x 30000 single-channel 16-bit slide that fails any read: a warning check that would copy it
 * whole must give up before it reads.
 */
final class UnreadableSlide implements TileSource {

	static final int HEIGHT = 40_000, WIDTH = 30_000;

	public int images() {
		return 1;
	}

	public int height() {
		return HEIGHT;
	}

	public int width() {
		return WIDTH;
	}

	public int channels() {
		return 1;
	}

	public double typeMax() {
		return 65535;
	}

	public void read(int image, int y, int x, int rows, int cols, float[] hwc) {
		throw new AssertionError("the whole slide is not read for a warning");
	}
}
