package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.model.Classifier;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Maco;

/**
 * Feature visualisation as the SciJava Op {@code explain.visualization.maco}, declared in Javadoc
 * like {@link AttributionOps}; defaults are those of the Feature Visualization command.
 */
public final class VisualizationOps {

	private VisualizationOps() {}

	/**
	 * MACO (Fel et al. 2023): an image that maximises a class logit, optimised in Fourier space with its phase free and its
	 * magnitude fixed to the mean magnitude spectrum of reference images, over random crops.
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param references images whose magnitude spectrum the visualisation keeps: X, Y[, channel][, slice]; only read
	 * @param target the class to visualise (index from 0)
	 * @param steps optimisation steps; default 200 (nullable)
	 * @param learning_rate step size; default 0.05 (nullable)
	 * @param crop smallest random crop, as a fraction of the side; default 0.8 (nullable)
	 * @param seed seed of the initial phase and of the crops; default 42 (nullable)
	 * @return the visualisation in normalised input units, the size of the model input: X, Y, channel
	 * @implNote op names='explain.visualization.maco'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> maco(Classifier model, RandomAccessibleInterval<T> references,
		Integer target, Integer steps, Double learning_rate, Double crop, Long seed) {
		OpImages.Batch batch = OpImages.read(model, references);
		if (target == null || target < 0 || target >= model.numClasses()) {
			throw new IllegalArgumentException("MACO needs a class to visualise: 0.." + (model.numClasses() - 1) + " " + model.classNames() + ".");
		}
		Maco.Result r = new Maco(orDefault(steps, 200), orDefault(learning_rate, 0.05), orDefault(crop, 0.8), orDefault(seed, 42L))
			.visualize(model, Maco.magnitude(batch.tensor()), target, Progress.NONE);
		return OpImages.channelMaps(r.image(), false);
	}
}
