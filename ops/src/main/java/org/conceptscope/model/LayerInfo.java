package org.conceptscope.model;

import java.util.Arrays;

/**
 * A layer a user can pick: a graph tensor that depends on the input and feeds the logits.
 * {@code name} is what the user types (the operation name, with ":index" for secondary
 * outputs); shape is static, -1 for the batch.
 */
public record LayerInfo(String name, String opType, long[] shape) {

	public LayerInfo {
		shape = shape.clone();
	}

	@Override
	public long[] shape() {
		return shape.clone();
	}

	/** True for [N, H, W, C] feature maps, the layers spatial methods (Grad-CAM, CRAFT) use. */
	public boolean isSpatial() {
		return shape.length == 4;
	}

	/** True for token sequences [N, t, c] (a Vision Transformer's blocks). */
	public boolean isTokens() {
		return shape.length == 3;
	}

	/**
	 * For a token layer whose tokens are the patches of a square grid (t = s * s), or a class
	 * token followed by them (t = 1 + s * s): {s, tokens to skip}; else null.
	 */
	public int[] tokenGrid() {
		if (!isTokens() || shape[1] < 1) return null;
		return squareGrid((int) shape[1]);
	}

	static int[] squareGrid(int t) {
		for (int skip = 0; skip <= 1; skip++) {
			int s = (int) Math.round(Math.sqrt(t - skip));
			if (s > 0 && s * s == t - skip) return new int[] { s, skip };
		}
		return null;
	}

	/** Layers a map method can place on the image: feature maps, and token layers on a square patch grid. */
	public boolean isGrid() {
		return isSpatial() || tokenGrid() != null;
	}

	/**
	 * Activations (or gradients) of this layer as [N, h, w, c]: feature maps as they are, patch
	 * tokens laid out on their square grid row by row (a class token dropped).
	 */
	public org.conceptscope.tensor.FloatTensor asGrid(org.conceptscope.tensor.FloatTensor a) {
		if (a.rank() == 4) return a;
		int[] g = a.rank() == 3 ? squareGrid((int) a.dim(1)) : null;
		if (g == null) {
			throw new IllegalArgumentException("Layer '" + name + "' is " + Arrays.toString(shape) + ": neither a feature map [N, h, w, c]"
				+ " nor tokens on a square grid [N, s*s (+1), c].");
		}
		int n = (int) a.dim(0), t = (int) a.dim(1), c = (int) a.dim(2), s = g[0];
		float[] out = new float[n * s * s * c];
		for (int i = 0; i < n; i++) System.arraycopy(a.data(), (i * t + g[1]) * c, out, i * s * s * c, s * s * c);
		return new org.conceptscope.tensor.FloatTensor(new long[] { n, s, s, c }, out);
	}

	@Override
	public String toString() {
		return name + " " + opType + " " + Arrays.toString(shape);
	}
}
