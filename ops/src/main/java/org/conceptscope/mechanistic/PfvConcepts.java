package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Nnls;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;

/**
 * Concept vectors from pointwise feature vectors (the SRD paper's concept analysis). Over a set
 * of images of one class, PFVs of a spatial layer are sampled with probability proportional to
 * their positive contribution to the class logit (activation times gradient, summed over
 * channels), clustered by k-means (seeded), and the centroids are the concepts. Every PFV then
 * decomposes into a sparse non-negative combination of concepts (NNLS). The result is a
 * {@link ConceptBank}, so localization, importance and saving work as for CRAFT; its examples are
 * the strongest PFVs of each concept (position in image pixels, size = one layer cell), whose
 * effective receptive fields show what the concept responds to.
 */
public final class PfvConcepts {

	private PfvConcepts() {}

	public static ConceptBank fit(Classifier classifier, FloatTensor images, int classIndex, String layer, int concepts, int samples,
		long seed, int examplesPerConcept) {
		LayerInfo info = classifier.layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'."));
		if (!info.isSpatial()) throw new IllegalArgumentException("PFV concepts need a spatial [N, h, w, c] layer; '" + layer + "' is not.");
		int n = (int) images.dim(0);
		FloatTensor a = classifier.activations(images, layer);
		int[] targets = new int[n];
		Arrays.fill(targets, classIndex);
		FloatTensor g = classifier.layerGradient(images, layer, FloatTensor.oneHot(targets, classifier.numClasses()));
		int h = (int) a.dim(1), w = (int) a.dim(2), c = (int) a.dim(3), pos = h * w, total = n * pos;
		double[] weight = new double[total];
		double sum = 0;
		for (int i = 0; i < total; i++) {
			double s = 0;
			for (int ch = 0; ch < c; ch++) s += a.data()[i * c + ch] * g.data()[i * c + ch];
			weight[i] = Math.max(0, s);
			sum += weight[i];
		}
		if (sum <= 0) throw new IllegalArgumentException("No PFV of layer '" + layer + "' contributes positively to class " + classIndex + ".");
		Random rnd = new Random(seed);
		int m = Math.min(samples, total);
		double[][] picked = new double[m][];
		double[] cumulative = new double[total];
		double run = 0;
		for (int i = 0; i < total; i++) cumulative[i] = run += weight[i];
		for (int s = 0; s < m; s++) {
			int idx = Arrays.binarySearch(cumulative, rnd.nextDouble() * sum);
			idx = idx < 0 ? -idx - 1 : idx;
			idx = Math.min(idx, total - 1);
			double[] v = new double[c];
			for (int ch = 0; ch < c; ch++) v[ch] = Math.max(0, a.data()[idx * c + ch]);
			picked[s] = v;
		}
		KMeans.Result km = KMeans.fit(picked, Math.min(concepts, m), rnd.nextLong(), 300);
		ConceptBank bank = new ConceptBank();
		bank.model = classifier.name();
		bank.layer = layer;
		bank.className = classifier.classNames().get(classIndex);
		bank.classIndex = classIndex;
		bank.rank = km.centroids().length;
		bank.seed = seed;
		bank.concepts = km.centroids();
		bank.reconstructionError = km.inertia();
		Nnls nnls = new Nnls(bank.concepts);
		double[][] u = new double[total][];
		for (int i = 0; i < total; i++) u[i] = nnls.solve(a.data(), i * c);
		int cellH = (int) (images.dim(1) / h), cellW = (int) (images.dim(2) / w);
		for (int k = 0; k < bank.rank; k++) {
			final int kk = k;
			List<ConceptBank.Example> ex = new ArrayList<>();
			IntStream.range(0, total).boxed().sorted(Comparator.comparingDouble((Integer i) -> -u[i][kk])).limit(examplesPerConcept)
				.forEach(i -> ex.add(new ConceptBank.Example(i / pos, (i % pos) % w * cellW, (i % pos) / w * cellH, Math.max(cellH, cellW),
					u[i][kk])));
			bank.examples.add(ex);
		}
		return bank;
	}
}
