package org.conceptscope.examples;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;

/**
 * Images seen through a layer of the model: each image becomes its layer activations, flattened
 * (Xplique's latent-space projection), so that distances between images are the model's distances.
 */
public final class LatentSpace {

	private final Classifier classifier;
	private final String layer;

	public LatentSpace(Classifier classifier, String layer) {
		if (classifier.layers().stream().noneMatch(l -> l.name().equals(layer))) {
			throw new IllegalArgumentException("Unknown layer '" + layer + "'. Layers of this model: "
				+ classifier.layers().stream().map(LayerInfo::name).toList() + ".");
		}
		this.classifier = classifier;
		this.layer = layer;
	}

	public String layer() {
		return layer;
	}

	/** [N, d]: the flattened activations of each image. */
	public FloatTensor project(FloatTensor images) {
		FloatTensor a = classifier.activations(images, layer);
		int n = (int) a.dim(0);
		return a.reshape(n, n == 0 ? 0 : a.size() / n);
	}

	/**
	 * Squared Euclidean distances between the rows of a [n, d]: [n][n], each pair computed once and
	 * mirrored ((x - y)^2 and (y - x)^2 are the same number), so it equals
	 * {@code squaredDistances(a, a)} to the bit at half the cost.
	 */
	static double[][] squaredDistances(FloatTensor a) {
		int n = (int) a.dim(0), d = (int) a.dim(1);
		float[] x = a.data();
		double[][] out = new double[n][n];
		java.util.stream.IntStream.range(0, pairedRows(n)).parallel().forEach(h -> pairedRow(x, n, d, out, h));
		return out;
	}

	/** The number of items {@link #pairedRow} splits an n x n matrix of distances into. */
	static int pairedRows(int n) {
		return (n + 1) / 2;
	}

	/**
	 * Item h of the distances between the rows of x [n, d] ({@code out} [n][n]): rows h and n - 1 - h,
	 * row i computing j >= i and mirroring them, so that the items carry even shares of the pairs and
	 * each cell is written by one item.
	 */
	static void pairedRow(float[] x, int n, int d, double[][] out, int h) {
		for (int i : h == n - 1 - h ? new int[] { h } : new int[] { h, n - 1 - h }) {
			double[] row = out[i];
			rowDistances(x, i * d, x, i, n, d, row);
			for (int j = i; j < n; j++) out[j][i] = row[j];
		}
	}

	/** Squared Euclidean distances between the rows of a [n, d] and b [m, d]: [n][m]. */
	static double[][] squaredDistances(FloatTensor a, FloatTensor b) {
		int n = (int) a.dim(0), m = (int) b.dim(0), d = (int) a.dim(1);
		if (b.dim(1) != d) throw new IllegalArgumentException("Points of " + d + " and " + b.dim(1) + " values cannot be compared.");
		float[] x = a.data(), y = b.data();
		double[][] out = new double[n][m];
		java.util.stream.IntStream.range(0, n).parallel().forEach(i -> rowDistances(x, i * d, y, 0, m, d, out[i]));
		return out;
	}

	/**
	 * out[j] for j in [from, to): the squared distance between x's point at xOffset and y's row j, in float
	 * differences summed in double in index order. Four rows at a time, each with its own sum in the same
	 * order as one row alone (the same bits), so that the additions no longer wait for each other and x's
	 * values are read once per four rows.
	 */
	static void rowDistances(float[] x, int xOffset, float[] y, int from, int to, int d, double[] out) {
		int j = from;
		for (; j + 3 < to; j += 4) {
			int o0 = j * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
			double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
			for (int k = 0; k < d; k++) {
				float v = x[xOffset + k];
				double d0 = v - y[o0 + k], d1 = v - y[o1 + k], d2 = v - y[o2 + k], d3 = v - y[o3 + k];
				s0 += d0 * d0;
				s1 += d1 * d1;
				s2 += d2 * d2;
				s3 += d3 * d3;
			}
			out[j] = s0;
			out[j + 1] = s1;
			out[j + 2] = s2;
			out[j + 3] = s3;
		}
		for (; j < to; j++) {
			int o = j * d;
			double s = 0;
			for (int k = 0; k < d; k++) {
				double diff = x[xOffset + k] - y[o + k];
				s += diff * diff;
			}
			out[j] = s;
		}
	}
}
