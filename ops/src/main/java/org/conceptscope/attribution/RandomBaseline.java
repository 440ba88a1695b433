package org.conceptscope.attribution;

import java.util.Random;

import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Uniform random maps: the baseline any explanation must beat in a metric. The noise comes from
 * the seed, the model's name and the image's values, so two models get independent maps (as an
 * evidence-blind explainer would), and an image gets the same map in any batch: a data set split
 * into parts (a cluster's tasks) gives the maps of the whole.
 */
public final class RandomBaseline implements AttributionMethod {

	/** The name of this baseline where methods are listed by key (MeGe/ReCo's methods). */
	public static final String NAME = "random";

	private final long seed;

	public RandomBaseline(long seed) {
		this.seed = seed;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Attribution explain(Classifier classifier, FloatTensor images, int[] targets, Progress progress) {
		int[] resolved = AttributionMethod.resolveTargets(classifier, images, targets);
		int n = (int) images.dim(0), hw = (int) (images.dim(1) * images.dim(2)), per = images.stride0();
		float[] maps = new float[n * hw];
		for (int i = 0; i < n; i++) {
			int content = java.util.Arrays.hashCode(java.util.Arrays.copyOfRange(images.data(), i * per, (i + 1) * per));
			Random r = new Random(seed * 31 + classifier.name().hashCode() * 1_000_003L + content * 0x9E3779B97F4A7C15L);
			for (int p = 0; p < hw; p++) maps[i * hw + p] = r.nextFloat();
		}
		GradientMaps.step(progress, n, n, name());
		return new Attribution(new FloatTensor(new long[] { n, images.dim(1), images.dim(2) }, maps), resolved,
			AttributionMethod.metadata(classifier, name(), resolved, "seed", Long.toString(seed)));
	}
}
