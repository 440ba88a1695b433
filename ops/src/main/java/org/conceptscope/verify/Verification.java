package org.conceptscope.verify;

import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Verified margin bounds over an L-infinity ball, optionally restricted to a region: the entry
 * point for code that wants the guarantee itself rather than an EVA map. {@link #margin} bounds
 * the exact (real-number) function of the float32 weights; {@link #float32Margin} and
 * {@link #marginBounds} widen that by {@link RoundingError#marginSlack}, so they bound the margin
 * TensorFlow computes in float32: a lower bound above 0 there proves that no input of the ball
 * changes TensorFlow's prediction.
 */
public final class Verification {

	private Verification() {}

	/**
	 * The L-infinity ball of radius epsilon around one image [1, H, W, C]; pixels where
	 * {@code region} (row-major, H x W) is false stay fixed. A null region perturbs every pixel.
	 */
	public static Box ball(FloatTensor image, double epsilon, boolean[] region) {
		if (image.rank() != 4 || image.dim(0) != 1) throw new IllegalArgumentException("Give one image [1, H, W, C], got " + image + ".");
		if (!(epsilon >= 0) || !Double.isFinite(epsilon)) throw new IllegalArgumentException("epsilon must be finite and >= 0, got " + epsilon + ".");
		int hw = (int) (image.dim(1) * image.dim(2)), c = (int) image.dim(3);
		if (region != null && region.length != hw) {
			throw new IllegalArgumentException("The region has " + region.length + " pixels, the image " + hw + ".");
		}
		double[] lo = new double[image.size()], hi = new double[image.size()];
		for (int i = 0; i < lo.length; i++) {
			double e = region == null || region[i / c] ? epsilon : 0, v = image.data()[i];
			lo[i] = v - e;
			hi[i] = v + e;
		}
		return new Box(image.shape(), lo, hi);
	}

	/** Bounds of TensorFlow's float32 margin over the whole ball around one image (rounded outward, {@link #float32Margin}). */
	public static MarginBounds.Bounds marginBounds(TensorFlowClassifier classifier, FloatTensor image, int target, double epsilon,
		BoundMethod method) {
		GraphProgram p = GraphProgram.of(classifier);
		Box ball = ball(image, epsilon, null);
		return float32Margin(p, nodeBounds(p, ball, method, Progress.NONE), target, method);
	}

	/** Bounds of every node over a box: intervals, or CROWN intersected with intervals. */
	public static Map<String, Box> nodeBounds(GraphProgram p, Box box, BoundMethod method, Progress progress) {
		return method == BoundMethod.CROWN ? LinearBounds.intermediate(p, box, progress) : IntervalPropagation.propagate(p, box);
	}

	/** Bounds of the margin TensorFlow computes in float32: {@link #margin} widened by the rounding error it can make there. */
	public static MarginBounds.Bounds float32Margin(GraphProgram p, Map<String, Box> v, int target, BoundMethod method) {
		return margin(p, v, target, method).widen(RoundingError.marginSlack(p, v, target));
	}

	/** The tightest bounds of the exact margin from node bounds: interval (dense-refined) and, with CROWN, the linear bound. */
	public static MarginBounds.Bounds margin(GraphProgram p, Map<String, Box> v, int target, BoundMethod method) {
		MarginBounds.Bounds b = MarginBounds.interval(p, v, target);
		return method == BoundMethod.CROWN ? b.intersect(LinearBounds.margin(p, v, target)) : b;
	}
}
