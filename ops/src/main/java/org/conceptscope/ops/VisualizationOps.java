package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.model.Classifier;
import org.conceptscope.util.Progress;
import org.conceptscope.visualization.Maco;
import org.conceptscope.visualization.MacoReference;

/**
 * Feature visualisation as the SciJava Op {@code explain.visualization.maco}, declared in Javadoc
 * like {@link AttributionOps}; defaults are those of the Feature Visualization command.
 */
public final class VisualizationOps {

	private VisualizationOps() {}

	/**
	 * MACO (Fel et al. 2023), ConceptScope's first variant (the command's `recipe=simple`; the paper's recipe is
	 * explain.visualization.maco_reference): an image that maximises a class logit, optimised in Fourier space with its phase
	 * free and its magnitude fixed exactly to the mean magnitude spectrum of reference images, over one random crop per step.
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
		if (model != null && references != null) {
			if (target == null || target < 0 || target >= model.numClasses()) {
				throw new IllegalArgumentException("MACO needs a class to visualise: 0.." + (model.numClasses() - 1) + " " + model.classNames() + ".");
			}
			// this variant keeps the spectrum frequency by frequency at the input's size: refused before the image is read and transformed
			long w = model.signature().width(), h = model.signature().height();
			if (w <= 0 || h <= 0) {
				throw new IllegalArgumentException("MACO makes one image of the model's input size, and this model takes images of any size: use"
					+ " a model with a fixed input size.");
			}
			if (references.dimension(0) != w || references.dimension(1) != h) {
				throw new IllegalArgumentException("explain.visualization.maco keeps the references' spectrum at the model's input size, " + w + " x "
					+ h + ", but they are " + references.dimension(0) + " x " + references.dimension(1) + ": resize or crop them to " + w + " x " + h
					+ ", or use explain.visualization.maco_reference, which takes references of any size.");
			}
		}
		OpImages.Batch batch = OpImages.read(model, references);
		Maco.Result r = new Maco(orDefault(steps, 200), orDefault(learning_rate, 0.05), orDefault(crop, 0.8), orDefault(seed, 42L))
			.visualize(model, Maco.magnitude(batch.tensor()), target, Progress.NONE);
		return OpImages.channelMaps(r.image(), false);
	}

	/**
	 * The canvas of explain.visualization.maco_reference and the value range it was put in, {@code [lo, hi]}, with where that
	 * range came from ({@code rangeSource}): the input range the model declares, or the images' percentile and why a declared
	 * range was not taken (as the Feature Visualization command's Info writes it in values_range_used). A model that declares a
	 * range per channel has each channel of the canvas in its own range; {@code [lo, hi]} then spans them, and the source lists them.
	 */
	public record MacoCanvas(RandomAccessibleInterval<FloatType> canvas, double lo, double hi, String rangeSource) {}

	/**
	 * MACO as its paper and Xplique run it (Fel et al. 2023; the Feature Visualization command's default `recipe=reference`):
	 * the phase of a canvas larger than the model input is optimised under the mean magnitude spectrum of the reference images,
	 * the canvas standardised, recoloured (RGB: the references' colour correlation) and put through a sigmoid into a value range;
	 * each step scores {@code crops} noisy crops whose box size falls from 0.5 to 0.05, with Nadam. The range is the input range
	 * the model declares where it has a fixed place in the network's units (a bioimage.io package's data range mapped through its
	 * preprocessing), else the references' 0.1st to 99.9th percentile; the result says which, and why a declared range was
	 * skipped (an open end, a per-image preprocessing, an unreadable field).
	 *
	 * @param <T> the pixel type
	 * @param model the classifier, as opened by explain.model.open
	 * @param references images whose magnitude spectrum and colours the visualisation keeps: X, Y[, channel][, slice]; only read
	 * @param target the class to visualise (index from 0)
	 * @param steps optimisation steps; default 200 (nullable)
	 * @param crops crops scored per step; default 32 (nullable)
	 * @param noise noise on every crop value (Gaussian of this standard deviation plus uniform in +-noise/2); default 0.08 (nullable)
	 * @param canvas side of the canvas in pixels, at least the model input; 0 or null: the input side times 512/224 (nullable)
	 * @param seed seed of the initial phase, the crops and the noise; default 42 (nullable)
	 * @return the canvas in normalised input units (X, Y, channel), the value range it was put in (lo, hi) and where that range came from (rangeSource: declared by the model, or the percentile and why a declared range was skipped)
	 * @implNote op names='explain.visualization.maco_reference'
	 */
	public static <T extends RealType<T>> MacoCanvas macoReference(Classifier model,
		RandomAccessibleInterval<T> references, Integer target, Integer steps, Integer crops, Double noise, Integer canvas, Long seed) {
		OpImages.Batch batch = OpImages.read(model, references);
		if (target == null || target < 0 || target >= model.numClasses()) {
			throw new IllegalArgumentException("MACO needs a class to visualise: 0.." + (model.numClasses() - 1) + " " + model.classNames() + ".");
		}
		Maco.Objective objective = Maco.Objective.classLogit(model, target);
		int[] side = MacoReference.canvas(objective.inputShape(), orDefault(canvas, 0));
		org.conceptscope.model.InputValueRange range = MacoReference.canvasRange(null, model, batch.tensor());
		MacoReference.Reference ref = MacoReference.reference(batch.tensor(), side[0], side[1], range, Progress.NONE); // a declared range per channel stays one
		MacoReference.Result r = new MacoReference(orDefault(steps, 200), MacoReference.LEARNING_RATE, orDefault(crops, 32), orDefault(noise, 0.08),
			orDefault(seed, 42L)).visualize(objective, ref, Progress.NONE);
		return new MacoCanvas(OpImages.channelMaps(r.image(), false), range.lo(), range.hi(), range.source());
	}
}
