package org.conceptscope.tensor;

/**
 * Which dimension of an imglib2 image is X, Y, channel and batch (slice/frame); -1 where the
 * image has no such axis. imglib2 images carry no axis labels without imagej-common, so the
 * caller says it.
 */
public record ImageAxes(int x, int y, int channel, int batch) {

	/** A single grayscale plane. */
	public static final ImageAxes XY = new ImageAxes(0, 1, -1, -1);
	/** One multi-channel image. */
	public static final ImageAxes XYC = new ImageAxes(0, 1, 2, -1);
	/** A grayscale stack: each plane is one image of the batch. */
	public static final ImageAxes XYB = new ImageAxes(0, 1, -1, 2);
	/** A multi-channel stack, channels before slices (ImageJ's order). */
	public static final ImageAxes XYCB = new ImageAxes(0, 1, 2, 3);

	public ImageAxes {
		if (x < 0 || y < 0 || x == y) throw new IllegalArgumentException("X and Y must be two different dimensions.");
		if (channel >= 0 && (channel == x || channel == y)) throw new IllegalArgumentException("The channel axis must differ from X and Y.");
		if (batch >= 0 && (batch == x || batch == y || batch == channel)) throw new IllegalArgumentException("The batch axis must differ from X, Y and channel.");
	}

	public int rank() {
		return 2 + (channel >= 0 ? 1 : 0) + (batch >= 0 ? 1 : 0);
	}
}
