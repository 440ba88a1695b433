package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Nnls;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * Generalized Integrated Gradients (GIG): how much each concept of a layer drives a target further
 * up, integrated along the straight path in concept-coefficient space from 0 to the image's
 * coefficients (activations rebuilt as alpha * U W, midpoint rule). Targets: the class logit, or a
 * concept of a later layer, measured by its projection coefficient mean_p &lt;a_p, w_j&gt; / |w_j|^2
 * (linear in that layer's activations). Completeness: the relevances sum to T(U W) - T(0).
 * {@link #graph} links two concept banks and the class into a table of edges.
 */
public final class GeneralizedIntegratedGradients {

	/** One edge of the concept graph. */
	public record Edge(String fromLayer, int fromConcept, String toLayer, int toConcept, double relevance) {}

	private final TensorFlowClassifier classifier;
	private final int steps;

	public GeneralizedIntegratedGradients(TensorFlowClassifier classifier, int steps) {
		if (steps < 1) throw new IllegalArgumentException("GIG needs at least 1 step.");
		this.classifier = classifier;
		this.steps = steps;
	}

	/**
	 * The concept graph: edges from every concept of {@code lower} to every concept of {@code upper},
	 * and from every concept of {@code upper} to the class of the upper bank.
	 */
	public List<Edge> graph(ConceptBank lower, ConceptBank upper, FloatTensor images) {
		List<Edge> edges = new ArrayList<>();
		for (int j = 0; j < upper.size(); j++) {
			double[] r = toConcept(lower, upper, j, images);
			for (int i = 0; i < r.length; i++) edges.add(new Edge(lower.layer, i, upper.layer, j, r[i]));
		}
		double[] top = toClass(upper, images, upper.classIndex);
		for (int j = 0; j < top.length; j++) edges.add(new Edge(upper.layer, j, "class:" + upper.className, -1, top[j]));
		return edges;
	}

	/** Coefficients U [P, k] of one image's activations at the bank's layer. */
	static double[][] coefficients(ConceptBank bank, FloatTensor acts, int image) {
		int c = bank.channels(), per = acts.stride0(), pos = per / c;
		float[] d = PfvConcepts.nonNegative(Arrays.copyOfRange(acts.data(), image * per, (image + 1) * per));
		Nnls nnls = new Nnls(bank.concepts);
		double[][] u = new double[pos][];
		for (int p = 0; p < pos; p++) u[p] = nnls.solve(d, p * c);
		return u;
	}

	/** Relevance of each concept of {@code bank} for the class logit, per image averaged. */
	public double[] toClass(ConceptBank bank, FloatTensor images, int classIndex) {
		return integrate(bank, images, (a, n) -> {
			int[] t = new int[n];
			Arrays.fill(t, classIndex);
			return classifier.gradientFromLayer(bank.layer, a, FloatTensor.oneHot(t, classifier.numClasses()));
		});
	}

	/** The target of {@link #toConcept}: concept j's projection coefficient at the upper layer, per image. */
	public static double[] projection(ConceptBank upper, int j, FloatTensor upperActivations) {
		int c = upper.channels(), per = upperActivations.stride0(), pos = per / c;
		double n2 = 0;
		for (double v : upper.concepts[j]) n2 += v * v;
		double[] out = new double[(int) upperActivations.dim(0)];
		for (int i = 0; i < out.length; i++) {
			double s = 0;
			for (int p = 0; p < pos; p++) for (int ch = 0; ch < c; ch++) s += upperActivations.data()[i * per + p * c + ch] * upper.concepts[j][ch];
			out[i] = s / (pos * n2);
		}
		return out;
	}

	/** Relevance of each concept of {@code lower} for concept {@code j} of {@code upper} (a later layer). */
	public double[] toConcept(ConceptBank lower, ConceptBank upper, int j, FloatTensor images) {
		long[] us = classifier.layers().stream().filter(l -> l.name().equals(upper.layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + upper.layer + "'.")).shape();
		int c = upper.channels(), pos = (int) (FloatTensor.sizeOf(Arrays.copyOfRange(us, 1, us.length)) / c);
		double norm = 0;
		for (double v : upper.concepts[j]) norm += v * v;
		final double n2 = norm;
		return integrate(lower, images, (a, n) -> {
			long[] s = us.clone();
			s[0] = n;
			FloatTensor w = FloatTensor.zeros(s);
			for (int i = 0; i < n * pos; i++) for (int ch = 0; ch < c; ch++) w.data()[i * c + ch] = (float) (upper.concepts[j][ch] / (pos * n2));
			return classifier.layerToLayerGradient(lower.layer, a, upper.layer, w);
		});
	}

	@FunctionalInterface
	interface Gradient {
		FloatTensor at(FloatTensor activations, int n);
	}

	private double[] integrate(ConceptBank bank, FloatTensor images, Gradient gradient) {
		FloatTensor acts = classifier.activations(images, bank.layer);
		int n = (int) images.dim(0), k = bank.size(), c = bank.channels(), per = acts.stride0(), pos = per / c;
		double[] relevance = new double[k];
		long[] shape = acts.shape();
		shape[0] = steps;
		for (int i = 0; i < n; i++) {
			double[][] u = coefficients(bank, acts, i);
			float[] path = new float[steps * per];
			for (int s = 0; s < steps; s++) {
				double alpha = (s + 0.5) / steps;
				for (int p = 0; p < pos; p++) for (int ch = 0; ch < c; ch++) {
					double v = 0;
					for (int q = 0; q < k; q++) v += u[p][q] * bank.concepts[q][ch];
					path[s * per + p * c + ch] = (float) (alpha * v);
				}
			}
			float[] g = gradient.at(new FloatTensor(shape, path), steps).data();
			for (int q = 0; q < k; q++) {
				double r = 0;
				for (int s = 0; s < steps; s++) for (int p = 0; p < pos; p++) {
					double dot = 0;
					for (int ch = 0; ch < c; ch++) dot += g[s * per + p * c + ch] * bank.concepts[q][ch];
					r += u[p][q] * dot;
				}
				relevance[q] += r / steps / n;
			}
		}
		return relevance;
	}
}
