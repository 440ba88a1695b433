package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.Nnls;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.IntervalPropagation;

/**
 * Concept vectors from pointwise feature vectors (PFVs), as in the GIG paper (Kim, Han, Han, Kwak
 * 2024, "Decompose the model: mechanistic interpretability in image models with Generalized
 * Integrated Gradients"), which builds on the PFVs of SRD (Han, Kim, Kwak 2024). Over a set of
 * images, PFVs of a spatial layer are sampled with probability proportional to their positive
 * contribution to the class logit (activation times gradient, summed over channels) and clustered
 * by direction (spherical k-means: k-means on the PFVs scaled to unit length, seeded), so concepts
 * differ in which channels fire rather than in how strongly; each concept is its cluster's mean
 * direction scaled to its members' mean length. Every PFV then
 * decomposes into a sparse non-negative combination of concepts (NNLS). PFVs enter k-means and
 * NNLS with negative values clipped to 0, as in {@link GeneralizedIntegratedGradients}, so that the
 * examples' coefficients are the concept coordinates GIG credits. The result is a {@link ConceptBank}, so
 * localization, importance and saving work as for CRAFT; its examples are the strongest PFVs of
 * each concept, each at its layer cell in image pixels ({@link Cells}), whose effective receptive
 * fields show what the concept responds to.
 */
public final class PfvConcepts {

	/** The class name of a bank fitted over all classes (data-set-wide concepts). */
	public static final String ALL_CLASSES = "all classes";

	private PfvConcepts() {}

	/** A bank and, per concept, the PFV index (image * positions + position) of each example. */
	record Fit(ConceptBank bank, List<int[]> examplePfvs) {}

	public static ConceptBank fit(TensorFlowClassifier classifier, FloatTensor images, int classIndex, String layer, int concepts, int samples,
		long seed, int examplesPerConcept) {
		return fitWithPfvs(classifier, images, classIndex, layer, concepts, samples, seed, examplesPerConcept).bank();
	}

	static Fit fitWithPfvs(TensorFlowClassifier classifier, FloatTensor images, int classIndex, String layer, int concepts, int samples,
		long seed, int examplesPerConcept) {
		int[] targets = new int[(int) images.dim(0)];
		Arrays.fill(targets, classIndex);
		return fitWithPfvs(classifier, images, targets, classIndex, layer, concepts, samples, seed, examplesPerConcept, Progress.NONE);
	}

	/**
	 * Concepts over images whose PFVs are sampled by their contribution to each image's own target
	 * class ({@code targets[i]}); {@code classIndex} -1 marks a bank of all classes (the data-set-wide
	 * graph). Progress is reported, and cancel asked, after the contributions, every k-means
	 * iteration, every image's coefficients and every concept's strongest PFVs.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	static Fit fitWithPfvs(TensorFlowClassifier classifier, FloatTensor images, int[] targets, int classIndex, String layer, int concepts,
		int samples, long seed, int examplesPerConcept, Progress progress) {
		double[] weight = contributions(classifier, images, targets, layer);
		report(progress, 1, 1, "PFV contributions");
		FloatTensor a = classifier.activations(images, layer);
		int n = (int) images.dim(0), h = (int) a.dim(1), w = (int) a.dim(2), c = (int) a.dim(3), pos = h * w, total = n * pos;
		float[] pfv = nonNegative(a.data());
		Random rnd = new Random(seed);
		int m = Math.min(samples, total);
		int[] idx = sample(weight, m, rnd);
		double[][] picked = new double[m][];
		for (int s = 0; s < m; s++) {
			double[] v = new double[c];
			for (int ch = 0; ch < c; ch++) v[ch] = pfv[idx[s] * c + ch];
			picked[s] = v;
		}
		Spherical km = Spherical.fit(picked, Math.min(concepts, m), rnd.nextLong(), progress);
		ConceptBank bank = new ConceptBank();
		bank.model = classifier.name();
		bank.layer = layer;
		bank.className = classIndex < 0 ? ALL_CLASSES : classifier.classNames().get(classIndex);
		bank.classIndex = classIndex;
		bank.rank = km.centroids().length;
		bank.seed = seed;
		bank.concepts = km.centroids();
		bank.reconstructionError = km.inertia();
		Nnls nnls = new Nnls(bank.concepts);
		double[][] u = new double[total][];
		for (int image = 0; image < n; image++) {
			for (int p = 0; p < pos; p++) u[image * pos + p] = nnls.solve(pfv, (image * pos + p) * c);
			report(progress, image + 1, n, "concept coefficients, image");
		}
		Cells cells = Cells.of(classifier, images.slice(0), layer);
		List<int[]> pfvs = new ArrayList<>();
		for (int k = 0; k < bank.rank; k++) {
			final int kk = k;
			int[] best = IntStream.range(0, total).boxed().sorted(Comparator.comparingDouble((Integer i) -> -u[i][kk])).limit(examplesPerConcept)
				.mapToInt(Integer::intValue).toArray();
			List<ConceptBank.Example> ex = new ArrayList<>();
			for (int i : best) ex.add(cells.example(i / pos, i % pos, u[i][kk]));
			bank.examples.add(ex);
			pfvs.add(best);
			report(progress, k + 1, bank.rank, "strongest PFVs, concept");
		}
		return new Fit(bank, pfvs);
	}

	private static void report(Progress progress, long done, long total, String message) {
		if (!progress.report(done, total, message)) throw new CancellationException("PFV concepts cancelled (" + message + " " + done + "/" + total + ").");
	}

	/**
	 * Spherical k-means: k-means (k-means++ seeding) on the unit-length PFVs, so the distance is
	 * 2 - 2 cos; each centroid is then its members' mean direction (unit) times their mean length.
	 * Zero PFVs (no positive value) join the cluster of the first concept and carry no direction.
	 * {@code inertia}: the sum over PFVs of 1 - cos to their concept.
	 */
	record Spherical(double[][] centroids, int[] assignment, double inertia) {

		static Spherical fit(double[][] x, int k, long seed, Progress progress) {
			int n = x.length, d = x[0].length;
			double[][] unit = new double[n][];
			double[] norm = new double[n];
			for (int i = 0; i < n; i++) {
				double s = 0;
				for (double v : x[i]) s += v * v;
				norm[i] = Math.sqrt(s);
				unit[i] = new double[d];
				if (norm[i] > 0) for (int j = 0; j < d; j++) unit[i][j] = x[i][j] / norm[i];
			}
			KMeans.Result km = KMeans.fit(unit, k, seed, 300, progress);
			double[][] c = new double[k][];
			double inertia = 0;
			for (int q = 0; q < k; q++) {
				double[] dir = new double[d];
				double length = 0;
				int count = 0;
				for (int i = 0; i < n; i++) {
					if (km.assignment()[i] != q || norm[i] == 0) continue;
					for (int j = 0; j < d; j++) dir[j] += unit[i][j];
					length += norm[i];
					count++;
				}
				double dn = 0;
				for (double v : dir) dn += v * v;
				dn = Math.sqrt(dn);
				if (count == 0 || dn == 0) {
					c[q] = km.centroids()[q].clone(); // an empty cluster keeps its seed direction
					continue;
				}
				c[q] = new double[d];
				for (int j = 0; j < d; j++) c[q][j] = dir[j] / dn * length / count;
			}
			for (int i = 0; i < n; i++) {
				if (norm[i] == 0) continue;
				inertia += 1 - cosine(x[i], c[km.assignment()[i]]);
			}
			return new Spherical(c, km.assignment(), inertia);
		}
	}

	/** Cosine similarity; 0 when either vector is 0. */
	static double cosine(double[] a, double[] b) {
		double ab = 0, aa = 0, bb = 0;
		for (int i = 0; i < a.length; i++) {
			ab += a[i] * b[i];
			aa += a[i] * a[i];
			bb += b[i] * b[i];
		}
		return aa == 0 || bb == 0 ? 0 : ab / Math.sqrt(aa * bb);
	}

	/** Each PFV's positive contribution to the class logit, max(0, sum_c a * d logit / d a), index image * positions + position. */
	static double[] contributions(Classifier classifier, FloatTensor images, int classIndex, String layer) {
		int[] targets = new int[(int) images.dim(0)];
		Arrays.fill(targets, classIndex);
		return contributions(classifier, images, targets, layer);
	}

	/** Each PFV's positive contribution to its image's target class. */
	static double[] contributions(Classifier classifier, FloatTensor images, int[] targets, String layer) {
		LayerInfo info = classifier.layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'."));
		if (!info.isSpatial()) throw new IllegalArgumentException("PFV concepts need a spatial [N, h, w, c] layer; '" + layer + "' is not.");
		int n = (int) images.dim(0);
		FloatTensor a = classifier.activations(images, layer);
		FloatTensor g = classifier.layerGradient(images, layer, FloatTensor.oneHot(targets, classifier.numClasses()));
		int c = (int) a.dim(3), total = (int) (n * a.dim(1) * a.dim(2));
		double[] weight = new double[total];
		double sum = 0;
		for (int i = 0; i < total; i++) {
			double s = 0;
			for (int ch = 0; ch < c; ch++) s += a.data()[i * c + ch] * g.data()[i * c + ch];
			weight[i] = Math.max(0, s);
			sum += weight[i];
		}
		if (sum <= 0) {
			throw new IllegalArgumentException("No PFV of layer '" + layer + "' contributes positively to class " + (Arrays.stream(targets).distinct().count() == 1
				? Integer.toString(targets[0]) : "of its image") + ": pick another layer or other images.");
		}
		return weight;
	}

	/** m indices drawn with replacement, each with probability weight[i] / sum(weight) (weights >= 0, some positive). */
	static int[] sample(double[] weight, int m, Random rnd) {
		double[] cumulative = new double[weight.length];
		double run = 0;
		for (int i = 0; i < weight.length; i++) cumulative[i] = run += weight[i];
		int[] out = new int[m];
		for (int s = 0; s < m; s++) {
			double v = Math.min(rnd.nextDouble() * run, Math.nextDown(run));
			// the first PFV whose cumulative weight exceeds v: [cum(i-1), cum(i)) is PFV i's share, empty for weight 0
			int lo = 0, hi = weight.length - 1;
			while (lo < hi) {
				int mid = (lo + hi) >>> 1;
				if (cumulative[mid] > v) hi = mid;
				else lo = mid + 1;
			}
			out[s] = lo;
		}
		return out;
	}

	/** Activations with negative values clipped to 0: the PFVs concepts describe (pre-activation layers included). */
	static float[] nonNegative(float[] activations) {
		float[] d = activations.clone();
		for (int i = 0; i < d.length; i++) d[i] = Math.max(0, d[i]);
		return d;
	}

	/**
	 * Where a layer's PFVs sit in the image: the cell of position (gx, gy) is a square of the
	 * layer's stride (distance between neighbouring receptive fields, in pixels) centred on the
	 * PFV's theoretical receptive field ({@link ReceptiveField}), kept inside the image. This is
	 * right for VALID and strided layers too, where image size / layer size is not the stride
	 * and its integer part misplaces cells.
	 */
	static final class Cells {
		final int gridW, gridH, size;
		private final int[] x, y;

		private Cells(int gridW, int gridH, int size, int[] x, int[] y) {
			this.gridW = gridW;
			this.gridH = gridH;
			this.size = size;
			this.x = x;
			this.y = y;
		}

		/** @param image one image [1, H, W, C] of the model's input size (only shapes matter) */
		static Cells of(TensorFlowClassifier classifier, FloatTensor image, String layer) {
			GraphProgram program = GraphProgram.of(classifier);
			java.util.Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
			long[] s = values.get(layer).shape();
			int gh = (int) s[1], gw = (int) s[2], height = (int) image.dim(1), width = (int) image.dim(2);
			ReceptiveField.Rect first = ReceptiveField.of(program, values, layer, 0);
			int strideX = gw > 1 ? ReceptiveField.of(program, values, layer, 1).x() - first.x() : width;
			int strideY = gh > 1 ? ReceptiveField.of(program, values, layer, gw).y() - first.y() : height;
			int size = Math.max(1, Math.min(Math.max(strideX, strideY), Math.min(width, height)));
			int[] x = new int[gh * gw], y = new int[gh * gw];
			for (int p = 0; p < gh * gw; p++) {
				ReceptiveField.Rect f = ReceptiveField.of(program, values, layer, p);
				x[p] = place(f.x() + (f.width() - 1) / 2.0, size, width);
				y[p] = place(f.y() + (f.height() - 1) / 2.0, size, height);
			}
			return new Cells(gw, gh, size, x, y);
		}

		/** The left (top) edge of a cell of {@code size} centred at {@code centre}, inside [0, extent). */
		private static int place(double centre, int size, int extent) {
			int start = (int) Math.round(centre - (size - 1) / 2.0);
			return Math.max(0, Math.min(extent - size, start));
		}

		ConceptBank.Example example(int image, int position, double coefficient) {
			return new ConceptBank.Example(image, x[position], y[position], size, coefficient);
		}

		/** The position (gy * w + gx) whose cell centre is nearest to pixel (px, py): the cell holding it, where one does. */
		int nearest(int px, int py) {
			int best = 0;
			double bestD = Double.POSITIVE_INFINITY, half = (size - 1) / 2.0;
			for (int p = 0; p < x.length; p++) {
				double dx = x[p] + half - px, dy = y[p] + half - py, d = dx * dx + dy * dy;
				if (d < bestD) {
					bestD = d;
					best = p;
				}
			}
			return best;
		}
	}
}
