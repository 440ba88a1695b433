package org.conceptscope.examples;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FeatureColumns;
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

	/** Values per image in this space, for these images. */
	public long valuesPerImage(FloatTensor images) {
		return classifier.activationValues(layer, images);
	}

	/** [N, d]: the flattened activations of each image. */
	public FloatTensor project(FloatTensor images) {
		FloatTensor a = classifier.activations(images, layer);
		int n = (int) a.dim(0);
		return a.reshape(n, n == 0 ? 0 : a.size() / n);
	}

	/** Images projected per part of this many, so a large training set reports progress and can be stopped. */
	static final int PART = 64;

	/**
	 * {@link #project(FloatTensor)} part by part of {@value #PART} images, reporting images done under {@code message}.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public FloatTensor project(FloatTensor images, org.conceptscope.util.Progress progress, String message) {
		int n = (int) images.dim(0);
		java.util.List<FloatTensor> parts = new java.util.ArrayList<>();
		for (int from = 0; from < Math.max(n, 1); from += PART) {
			if (!progress.report(from, n, message)) {
				throw new java.util.concurrent.CancellationException("Cancelled after " + from + " of " + n + " " + message + ".");
			}
			int to = Math.min(n, from + PART);
			parts.add(from == 0 && to == n ? project(images) : project(images.range(from, to)));
		}
		progress.report(n, n, message);
		return parts.size() == 1 ? parts.get(0) : FloatTensor.concat(parts);
	}

	/**
	 * Squared Euclidean distances between the rows of a [n, d]: [n][n], each pair computed once and
	 * mirrored ((x - y)^2 and (y - x)^2 are the same number), so it equals
	 * {@code squaredDistances(a, a)} to the bit at about half the cost.
	 */
	static double[][] squaredDistances(FloatTensor a) {
		int n = (int) a.dim(0), d = (int) a.dim(1);
		FeatureColumns rows = FeatureColumns.of(a.data(), n, d);
		double[][] out = new double[n][n];
		java.util.stream.IntStream.range(0, pairedRows(n)).parallel().forEach(h -> pairedRow(rows, out, h));
		return out;
	}

	/** The number of items {@link #pairedRow} splits an n x n matrix of distances into. */
	static int pairedRows(int n) {
		return (FeatureColumns.groups(n) + 1) / 2;
	}

	/**
	 * Item h of the distances among the rows of {@code rows} ({@code out} [n][n]): the groups of
	 * {@value FeatureColumns#GROUP} rows h and G - 1 - h (of G), each row i of a group computing the
	 * rows j from the group's first on and mirroring them, so that the items carry even shares of
	 * the pairs. A cell two items would write is written with the same number by both.
	 */
	static void pairedRow(FeatureColumns rows, double[][] out, int h) {
		int n = rows.rows(), groups = FeatureColumns.groups(n);
		for (int g : h == groups - 1 - h ? new int[] { h } : new int[] { h, groups - 1 - h }) {
			int first = g * FeatureColumns.GROUP, last = Math.min(n, first + FeatureColumns.GROUP);
			rows.squaredDistances(rows.group(first, last), first, java.util.Arrays.copyOfRange(out, first, last));
			for (int i = first; i < last; i++) for (int j = first; j < n; j++) out[j][i] = out[i][j];
		}
	}

	/** Squared Euclidean distances between the rows of a [n, d] and b [m, d]: [n][m]. */
	static double[][] squaredDistances(FloatTensor a, FloatTensor b) {
		int m = (int) b.dim(0), d = (int) a.dim(1);
		if (b.dim(1) != d) throw new IllegalArgumentException("Points of " + d + " and " + b.dim(1) + " values cannot be compared.");
		return squaredDistances(a, FeatureColumns.of(b.data(), m, d));
	}

	/**
	 * Squared Euclidean distances between the rows of a [n, d] and the rows of {@code b}: [n][m],
	 * a's rows in groups of {@value FeatureColumns#GROUP} shared among threads.
	 */
	static double[][] squaredDistances(FloatTensor a, FeatureColumns b) {
		int n = (int) a.dim(0), m = b.rows(), d = (int) a.dim(1);
		if (b.features() != d) throw new IllegalArgumentException("Points of " + d + " and " + b.features() + " values cannot be compared.");
		float[] x = a.data();
		double[][] out = new double[n][m];
		java.util.stream.IntStream.range(0, FeatureColumns.groups(n)).parallel().forEach(g -> {
			int first = g * FeatureColumns.GROUP, last = Math.min(n, first + FeatureColumns.GROUP);
			b.squaredDistances(FeatureColumns.Group.ofRows(x, first, last, d), 0, java.util.Arrays.copyOfRange(out, first, last));
		});
		return out;
	}
}
