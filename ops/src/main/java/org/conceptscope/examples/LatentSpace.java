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
		// row i computes j >= i; pairs are spread evenly by taking rows from both ends
		java.util.stream.IntStream.range(0, (n + 1) / 2).parallel().forEach(h -> {
			for (int i : h == n - 1 - h ? new int[] { h } : new int[] { h, n - 1 - h }) {
				for (int j = i; j < n; j++) {
					double s = 0;
					for (int k = 0; k < d; k++) {
						double diff = x[i * d + k] - x[j * d + k];
						s += diff * diff;
					}
					out[i][j] = s;
					out[j][i] = s;
				}
			}
		});
		return out;
	}

	/** Squared Euclidean distances between the rows of a [n, d] and b [m, d]: [n][m]. */
	static double[][] squaredDistances(FloatTensor a, FloatTensor b) {
		int n = (int) a.dim(0), m = (int) b.dim(0), d = (int) a.dim(1);
		if (b.dim(1) != d) throw new IllegalArgumentException("Points of " + d + " and " + b.dim(1) + " values cannot be compared.");
		float[] x = a.data(), y = b.data();
		double[][] out = new double[n][m];
		java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
			for (int j = 0; j < m; j++) {
				double s = 0;
				for (int k = 0; k < d; k++) {
					double diff = x[i * d + k] - y[j * d + k];
					s += diff * diff;
				}
				out[i][j] = s;
			}
		});
		return out;
	}
}
