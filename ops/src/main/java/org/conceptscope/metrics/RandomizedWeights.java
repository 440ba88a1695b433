package org.conceptscope.metrics;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Seeds;

/**
 * Model-parameter randomisation (Adebayo et al. 2018, "Sanity checks for saliency maps"): a copy
 * of a model whose chosen variables hold random values. An explanation that barely changes when
 * the weights it should depend on are destroyed does not explain the model.
 */
public final class RandomizedWeights {

	private RandomizedWeights() {}

	/**
	 * A new model (loaded again from the model's folder; the given model is not changed) whose
	 * named variables are replaced by Gaussian values N(0, rms^2), rms being the root mean square
	 * of the variable's trained values, so each layer keeps its scale. Variances
	 * ({@link TensorFlowClassifier#varianceVariables()}: BatchNorm's moving variance, a Normalization
	 * layer's variance) get the absolute values, half-normal of the same rms: a negative variance has
	 * no square root, and the copy would compute NaN (Xplique draws uniform [0, 1), non-negative too).
	 * Each variable's values come from the seed and its name ({@link #gaussian}), so a variable gets
	 * the same values in every subset: {@code model.variables().subList(0, k)} randomises the top k variables.
	 * The caller closes the copy.
	 */
	public static TensorFlowClassifier copy(TensorFlowClassifier model, Collection<String> variables, long seed) {
		Set<String> variances = model.varianceVariables();
		Map<String, FloatTensor> values = new LinkedHashMap<>();
		for (String name : variables) {
			FloatTensor trained = model.variable(name);
			float[] t = trained.data();
			double sq = 0;
			for (float v : t) sq += (double) v * v;
			double rms = t.length == 0 ? 0 : Math.sqrt(sq / t.length);
			boolean variance = variances.contains(name);
			double[] g = gaussian(seed, name, t.length);
			float[] r = new float[t.length];
			for (int i = 0; i < r.length; i++) r[i] = (float) (rms * (variance ? Math.abs(g[i]) : g[i]));
			values.put(name, new FloatTensor(trained.shape(), r));
		}
		return model.withVariables(values);
	}

	/**
	 * The standard normal values of one variable, from a stream of its own ({@link Seeds#stream(long, String)}).
	 * Seeding java.util.Random with {@code seed * c + name.hashCode()} gave names that differ in their last
	 * character consecutive seeds, whose first draws agree (the first Gaussians of such neighbours had the
	 * same sign 96 % of the time instead of half).
	 */
	static double[] gaussian(long seed, String name, int n) {
		SplittableRandom rnd = Seeds.stream(seed, name);
		double[] g = new double[n];
		for (int i = 0; i < n; i++) g[i] = rnd.nextGaussian();
		return g;
	}
}
