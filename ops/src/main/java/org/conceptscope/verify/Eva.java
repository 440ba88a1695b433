package org.conceptscope.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * EVA, explanations by verified perturbation analysis (Fel et al. 2023). The perturbation set is
 * the L-infinity ball of radius epsilon around the image. For it, bound propagation gives a
 * verified lower bound of the class margin; the verified worst-case drop is margin(x) minus that
 * bound. A grid cell is important when taking it out of the perturbation set (its pixels fixed to
 * the image) most reduces the verified worst-case drop: phi(u) = drop(ball) - drop(ball \ u).
 * Costs one bound propagation per cell, no sampling: the map is a guarantee, not an estimate.
 * <p>
 * Metadata carries the verified margin lower bound over the whole ball per image: when it is
 * positive, no perturbation within epsilon can change the decision.
 */
public final class Eva implements AttributionMethod {

	private final double epsilon;
	private final int grid;

	public Eva(double epsilon, int grid) {
		if (!(epsilon > 0) || !Double.isFinite(epsilon)) throw new IllegalArgumentException("EVA needs a positive finite epsilon.");
		if (grid < 1) throw new IllegalArgumentException("EVA needs a grid of at least 1 cell.");
		this.epsilon = epsilon;
		this.grid = grid;
	}

	@Override
	public String name() {
		return "eva";
	}

	/** The ball around one image [1, H, W, C], with pixels of cell {@code skip} (or none: -1) fixed. */
	Box ball(FloatTensor image, int skip) {
		int h = (int) image.dim(1), w = (int) image.dim(2), c = (int) image.dim(3);
		double[] lo = new double[image.size()], hi = new double[image.size()];
		for (int y = 0; y < h; y++) {
			int gy = Math.min(grid - 1, y * grid / h);
			for (int x = 0; x < w; x++) {
				boolean fixed = gy * grid + Math.min(grid - 1, x * grid / w) == skip;
				for (int ch = 0; ch < c; ch++) {
					int i = (y * w + x) * c + ch;
					double v = image.data()[i];
					lo[i] = fixed ? v : v - epsilon;
					hi[i] = fixed ? v : v + epsilon;
				}
			}
		}
		return new Box(image.shape(), lo, hi);
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		if (!(classifier instanceof TensorFlowClassifier tf)) {
			throw new IllegalArgumentException("EVA reads the model's graph: it needs a TensorFlow SavedModel classifier.");
		}
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		GraphProgram program = GraphProgram.of(tf);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), cells = grid * grid;
		float[] maps = new float[n * h * w];
		List<String> bounds = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			FloatTensor x = images.slice(i);
			double full = MarginBounds.lower(program, ball(x, -1), resolved[i]);
			bounds.add(String.format(Locale.ROOT, "%.6g", full));
			double[] phi = new double[cells];
			for (int u = 0; u < cells; u++) {
				phi[u] = MarginBounds.lower(program, ball(x, u), resolved[i]) - full;
				if (!progress.report((long) i * cells + u + 1, (long) n * cells, name())) {
					throw new java.util.concurrent.CancellationException("EVA cancelled.");
				}
			}
			for (int y = 0; y < h; y++) {
				int gy = Math.min(grid - 1, y * grid / h);
				for (int xx = 0; xx < w; xx++) maps[(i * h + y) * w + xx] = (float) phi[gy * grid + Math.min(grid - 1, xx * grid / w)];
			}
		}
		Map<String, String> meta = AttributionMethod.metadata(classifier, name(), resolved, "epsilon", Double.toString(epsilon),
			"grid", Integer.toString(grid), "bounds", "interval (IBP), margin refined through the dense layer",
			"verified_margin_lower_bound", bounds.toString());
		return new Attribution(new FloatTensor(new long[] { n, h, w }, maps), resolved, meta);
	}
}
