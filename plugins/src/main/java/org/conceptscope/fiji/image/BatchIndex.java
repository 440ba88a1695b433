package org.conceptscope.fiji.image;

/**
 * How the batch axis of a tensor maps back to an ImageJ image: every (slice, frame) pair is one
 * batch entry, slices fastest, which is ImageJ's own stack order (c, z, t) without channels.
 * Slices and frames are 1-based as in ImageJ; batch indices are 0-based.
 */
public record BatchIndex(int slices, int frames) {

	public BatchIndex {
		if (slices < 1 || frames < 1) {
			throw new IllegalArgumentException("An image needs at least one slice and one frame, got " + slices
				+ " slices and " + frames + " frames.");
		}
	}

	public int size() {
		return slices * frames;
	}

	/** ImageJ slice (z, 1-based) of batch entry b. */
	public int slice(int b) {
		check(b);
		return b % slices + 1;
	}

	/** ImageJ frame (t, 1-based) of batch entry b. */
	public int frame(int b) {
		check(b);
		return b / slices + 1;
	}

	/** Batch entry of a 1-based slice and frame. */
	public int batch(int slice, int frame) {
		if (slice < 1 || slice > slices || frame < 1 || frame > frames) {
			throw new IndexOutOfBoundsException("Slice " + slice + ", frame " + frame + " is outside " + slices
				+ " slices x " + frames + " frames.");
		}
		return (frame - 1) * slices + (slice - 1);
	}

	private void check(int b) {
		if (b < 0 || b >= size()) throw new IndexOutOfBoundsException("Batch entry " + b + " is outside 0.." + (size() - 1) + ".");
	}
}
