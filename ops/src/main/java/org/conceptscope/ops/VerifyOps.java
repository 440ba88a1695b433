package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;

import org.conceptscope.model.Classifier;
import org.conceptscope.verify.BoundMethod;
import org.conceptscope.verify.MarginBounds;
import org.conceptscope.verify.Verification;

/**
 * Verified bounds as the SciJava Op {@code explain.verify.margin_bounds}, declared in Javadoc like
 * {@link AttributionOps} (EVA, which builds on them, is {@code explain.attribution.eva}).
 */
public final class VerifyOps {

	private VerifyOps() {}

	/**
	 * Verified lower and upper bounds of the class margin (target logit minus the largest other logit) over every image within
	 * an L-infinity ball around one image: no perturbation in the ball can push the margin outside them.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param image one image: X, Y[, channel] (channels when the model takes several); only read
	 * @param target the class (index from 0); null or negative: the predicted class (nullable)
	 * @param epsilon radius of the ball, in normalised input units; default 0.01 (nullable)
	 * @param bounds interval (fast) or crown (tighter); default interval (nullable)
	 * @return the lower and upper bound of the margin
	 * @implNote op names='explain.verify.margin_bounds'
	 */
	public static <T extends RealType<T>> MarginBounds.Bounds marginBounds(Classifier model, RandomAccessibleInterval<T> image, Integer target,
		Double epsilon, String bounds) {
		OpImages.Batch batch = OpImages.read(model, image);
		if (batch.stack()) throw new IllegalArgumentException("Margin bounds are for one image; pass one slice.");
		int t = OpImages.resolvedTargets(model, batch, target)[0];
		return Verification.marginBounds(OpImages.tensorFlow(model, "Verified margin bounds"), batch.tensor(), t, orDefault(epsilon, 0.01),
			BoundMethod.parse(orDefault(bounds, "interval")));
	}
}
