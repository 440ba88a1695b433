package org.conceptscope.examples;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.tensor.FeatureColumns;
import org.conceptscope.tensor.FloatTensor;

/**
 * Similar examples (Xplique's SimilarExamples with its KNN search): for each case, the {@code k}
 * training examples nearest to it in a {@link LatentSpace}, by Euclidean distance, nearest first
 * (ties in training order).
 */
public final class NearestExamples {

	/** The neighbours of one case: training indices and their distances, nearest first. */
	public record Neighbours(int[] indices, double[] distances) {}

	private final int k;

	public NearestExamples(int k) {
		if (k < 1) throw new IllegalArgumentException("Show at least 1 nearest example, got " + k + ".");
		this.k = k;
	}

	/**
	 * @param cases [n, d] projected cases
	 * @param training [m, d] projected training examples
	 */
	public List<Neighbours> find(FloatTensor cases, FloatTensor training) {
		return find(cases, FeatureColumns.of(training.data(), (int) training.dim(0), (int) training.dim(1)));
	}

	/** As above, the training examples laid out by feature. */
	List<Neighbours> find(FloatTensor cases, FeatureColumns training) {
		if (training.rows() < 1) throw new IllegalArgumentException("No training examples to search; give a folder with at least one image.");
		return neighbours(LatentSpace.squaredDistances(cases, training));
	}

	/** The neighbours of each case from its squared distances to the m >= 1 training examples, d2 [n][m]. */
	List<Neighbours> neighbours(double[][] d2) {
		int m = d2.length == 0 ? 0 : d2[0].length;
		int kk = Math.min(k, m);
		List<Neighbours> out = new ArrayList<>();
		for (double[] row : d2) {
			// the kk smallest in Double.compare's order, ties in training order (a stable sort's first kk), kept sorted by insertion
			int[] idx = new int[kk];
			double[] best = new double[kk];
			int size = 0;
			for (int j = 0; j < m; j++) {
				double v = row[j];
				if (size == kk && Double.compare(v, best[kk - 1]) >= 0) continue;
				int q = size < kk ? size++ : kk - 1;
				for (; q > 0 && Double.compare(v, best[q - 1]) < 0; q--) {
					best[q] = best[q - 1];
					idx[q] = idx[q - 1];
				}
				best[q] = v;
				idx[q] = j;
			}
			double[] dist = new double[kk];
			for (int q = 0; q < kk; q++) dist[q] = Math.sqrt(best[q]);
			out.add(new Neighbours(idx, dist));
		}
		return out;
	}
}
