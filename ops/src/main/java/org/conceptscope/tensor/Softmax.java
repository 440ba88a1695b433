package org.conceptscope.tensor;

/**
 * The softmax over one axis of a tensor, the one numeric softmax of the project: per group, the
 * largest value (in float) is subtracted before exponentiating, the exponentials are summed in
 * double.
 */
public final class Softmax {

	private Softmax() {}

	/** The softmax of {@code z} over {@code axis}; z is left as it is. */
	public static FloatTensor overAxis(FloatTensor z, int axis) {
		long[] shape = z.shape();
		int k = (int) shape[axis], outer = 1, inner = 1;
		for (int a = 0; a < axis; a++) outer *= (int) shape[a];
		for (int a = axis + 1; a < shape.length; a++) inner *= (int) shape[a];
		float[] out = new float[z.size()];
		apply(z.data(), out, outer, k, inner);
		return new FloatTensor(shape, out);
	}

	/** The softmax over the last axis of channel-last values of {@code channels} per pixel, in place. */
	public static void overChannelsInPlace(float[] v, int channels) {
		apply(v, v, v.length / channels, channels, 1);
	}

	/** out = softmax of in over the middle axis of [outer, k, inner]; in and out may be the same array. */
	private static void apply(float[] in, float[] out, int outer, int k, int inner) {
		for (int o = 0; o < outer; o++) {
			for (int i = 0; i < inner; i++) {
				int base = o * k * inner + i;
				float max = Float.NEGATIVE_INFINITY;
				for (int j = 0; j < k; j++) max = Math.max(max, in[base + j * inner]);
				double sum = 0;
				for (int j = 0; j < k; j++) sum += Math.exp(in[base + j * inner] - max);
				// each value is read just before it is written, so in place is safe
				for (int j = 0; j < k; j++) out[base + j * inner] = (float) (Math.exp(in[base + j * inner] - max) / sum);
			}
		}
	}
}
