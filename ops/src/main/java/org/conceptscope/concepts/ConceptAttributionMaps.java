package org.conceptscope.concepts;

import java.util.Locale;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileSource;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;

/**
 * Concept attribution maps (Fel et al. 2023, CRAFT, section on concept attribution maps; carried into
 * their holistic framework of the same year): where in the input each concept of a bank lies, at
 * pixel resolution, for any image.
 * <p>
 * The score of concept k on an image x is its coefficient averaged over the positions of the bank's
 * layer, s_k(x) = mean_p u_pk, where u_p = argmin_{u >= 0} ||a_p - u W|| is the non-negative least
 * squares solution for the activations a_p = g(x)_p (negative activations clipped to 0, as when the
 * concepts were extracted). The solution map a -> u is differentiated implicitly: on the active set
 * S (the concepts with u_j > 0) the optimality conditions read W_S W_S^T u_S = W_S a, so
 * du_S/da = (W_S W_S^T)^-1 W_S and the inactive coefficients do not move. That Jacobian, fed back
 * through g by the graph gradient of the layer with respect to the input, gives ds_k/dx; an attribution
 * method then turns it into a map: {@link Rule#GRADIENT_X_INPUT} (Shrikumar et al. 2016: x times its
 * gradient, summed over channels; signed) or {@link Rule#SALIENCY} (Simonyan et al. 2014: the largest
 * absolute gradient over channels).
 * <p>
 * The derivative holds where the active set does not change (strict complementarity), as for
 * every implicit differentiation of a constrained solve. It needs gradients from a layer to the
 * input, which ConceptScope computes for TensorFlow SavedModels.
 */
public final class ConceptAttributionMaps {

	/** How a concept score gradient becomes a map. */
	public enum Rule {
		GRADIENT_X_INPUT("gradient_x_input"), SALIENCY("saliency");

		private final String key;

		Rule(String key) {
			this.key = key;
		}

		public String key() {
			return key;
		}

		/** The rule a key names (gradient_x_input or saliency, any case). */
		public static Rule of(String key) {
			for (Rule r : values()) if (r.key.equalsIgnoreCase(key == null ? "" : key.trim())) return r;
			throw new IllegalArgumentException("Unknown concept attribution rule '" + key + "': use gradient_x_input or saliency.");
		}
	}

	/**
	 * Per image, its coefficients at every position of the bank's layer (u[i][p][k]) and the raw layer
	 * activations' shape and values (negative values mark the clipped entries).
	 */
	record Solve(double[][][] u, FloatTensor raw) {}

	private ConceptAttributionMaps() {}

	/** The concept scores s_k = mean over positions of u_pk, per image and concept [N][K]. */
	public static double[][] scores(Classifier classifier, ConceptBank bank, FloatTensor images) {
		Solve s = solve(classifier, bank, images);
		int n = s.u().length, k = bank.size();
		double[][] out = new double[n][k];
		for (int i = 0; i < n; i++) {
			int pos = s.u()[i].length;
			for (double[] up : s.u()[i]) for (int q = 0; q < k; q++) out[i][q] += up[q] / pos;
		}
		return out;
	}

	/** ds_k/dx of one concept k for every image: [N, H, W, C], the model input's shape. */
	public static FloatTensor scoreGradient(Classifier classifier, ConceptBank bank, FloatTensor images, int concept) {
		TensorFlowClassifier tf = requireLayerToInput(classifier);
		if (concept < 0 || concept >= bank.size()) {
			throw new IllegalArgumentException("Concept " + (concept + 1) + " does not exist; the bank has " + bank.size() + " concepts.");
		}
		Solve s = solve(classifier, bank, images);
		return tf.layerInputGradient(images, bank.layer, upstream(bank, s, concept));
	}

	/**
	 * Concept attribution maps [N, H, W, K] (one channel per concept, at the input's resolution) by
	 * the given rule; one layer-to-input gradient pass per concept, batched over images.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static FloatTensor maps(Classifier classifier, ConceptBank bank, FloatTensor images, Rule rule, Progress progress) {
		TensorFlowClassifier tf = requireLayerToInput(classifier);
		Solve s = solve(classifier, bank, images);
		int n = (int) images.dim(0), h = (int) images.dim(1), w = (int) images.dim(2), c = (int) images.dim(3), k = bank.size();
		float[] out = new float[n * h * w * k];
		float[] x = images.data();
		for (int q = 0; q < k; q++) {
			float[] g = tf.layerInputGradient(images, bank.layer, upstream(bank, s, q)).data();
			for (int p = 0; p < n * h * w; p++) {
				float v = 0;
				for (int ch = 0; ch < c; ch++) {
					float gi = g[p * c + ch];
					v = rule == Rule.SALIENCY ? Math.max(v, Math.abs(gi)) : v + gi * x[p * c + ch];
				}
				out[p * k + q] = v;
			}
			if (!progress.report(q + 1, k, "concept attribution maps")) {
				throw new CancellationException("Concept attribution maps cancelled after concept " + (q + 1) + " of " + k + ".");
			}
		}
		return new FloatTensor(new long[] { n, h, w, k }, out);
	}

	/**
	 * Concept attribution maps of images of any size [N, H, W, K]: tiles of the model's input size
	 * overlapping by {@code overlap}, each explained as {@link #maps} does, blended into maps of the
	 * image's size with the window attribution maps are blended with ({@link TiledExplainer#mapTiles}).
	 *
	 * @param progress reports tiles done; false cancels
	 * @throws CancellationException when progress asks to stop
	 */
	public static TiledExplainer.MapsResult mapsTiled(Classifier classifier, ConceptBank bank, TileSource source, double overlap, Rule rule,
		Progress progress) {
		requireLayerToInput(classifier);
		return TiledExplainer.mapTiles(classifier, source, overlap, bank.size(), (tiles, first, count) -> maps(classifier, bank, tiles, rule,
			Progress.NONE), progress);
	}

	/**
	 * Refuses, before the first model pass, {@code n} images of {@code height} x {@code width} x {@code channels} whose
	 * {@link #maps} the heap cannot hold, in {@link Limits#checkImagesHeap}'s sentence: every image's activations at the
	 * bank's layer, their clipped copy and one concept's upstream weights (floats), the coefficients at every position
	 * (an array of k doubles each), one concept's input gradient and the maps (floats at the input's size), and
	 * {@code besidePerImage} bytes an image the caller holds besides ({@code beside} says what, after the maps).
	 */
	public static void checkHeap(Classifier classifier, ConceptBank bank, String what, long n, long height, long width, int channels,
		long besidePerImage, String beside, String atATime) {
		long[] s = LayerActivations.spatialOrVector(classifier, bank.layer).shape();
		long h = s.length == 4 ? Math.max(1, s[1]) : 1, w = s.length == 4 ? Math.max(1, s[2]) : 1; // an unknown size counts as 1
		int c = bank.channels(), k = bank.size();
		long perImage = h * w * (3L * 4 * c + 8L * k + 20) + 4L * height * width * (channels + k) + besidePerImage;
		Limits.checkImagesHeap(what, n, 0, perImage, "their activations at layer '" + bank.layer + "' (" + h + " x " + w + " x " + c
			+ " each and a clipped copy: concept attribution maps solve every image at once), " + k + " map(s) each" + beside, atATime);
	}

	/** Refuses, in one sentence, a model whose layer-to-input gradients ConceptScope cannot compute (before any work). */
	public static void checkModel(Classifier classifier) {
		requireLayerToInput(classifier);
	}

	static TensorFlowClassifier requireLayerToInput(Classifier classifier) {
		if (classifier instanceof TensorFlowClassifier tf) return tf;
		throw new UnsupportedOperationException("Concept attribution maps need gradients from a layer to the input, which ConceptScope"
			+ " computes for TensorFlow SavedModels only; " + classifier.name() + " is not one. Use the concept coefficient maps of"
			+ " Concept Localization instead, or a TensorFlow export of the model.");
	}

	static Solve solve(Classifier classifier, ConceptBank bank, FloatTensor images) {
		LayerActivations.spatialOrVector(classifier, bank.layer);
		FloatTensor raw = classifier.activations(images, bank.layer);
		int c = LayerActivations.channels(raw);
		if (c != bank.channels()) {
			throw new IllegalArgumentException(String.format(Locale.ROOT, "The concept bank has %d channels per concept but layer '%s'"
				+ " of this model has %d. Use the model the concepts were extracted from.", bank.channels(), bank.layer, c));
		}
		float[] clipped = raw.data().clone();
		LayerActivations.clip(clipped);
		int n = (int) raw.dim(0), pos = LayerActivations.positions(raw);
		Nnls nnls = new Nnls(bank.concepts);
		double[][][] u = new double[n][pos][];
		for (int i = 0; i < n; i++) for (int p = 0; p < pos; p++) u[i][p] = nnls.solve(clipped, (i * pos + p) * c);
		return new Solve(u, raw);
	}

	/**
	 * The upstream weights at the layer for d s_concept / d(layer): per position, row {@code concept}
	 * of the active set Jacobian (W_S W_S^T)^-1 W_S divided by the number of positions, zero where the
	 * concept is inactive or the activation was clipped.
	 */
	static FloatTensor upstream(ConceptBank bank, Solve s, int concept) {
		float[] raw = s.raw().data();
		int c = bank.channels(), n = s.u().length, pos = s.u()[0].length;
		float[] out = new float[raw.length];
		for (int i = 0; i < n; i++) for (int p = 0; p < pos; p++) {
			double[] row = jacobianRow(bank.concepts, s.u()[i][p], concept);
			if (row == null) continue;
			int off = (i * pos + p) * c;
			for (int ch = 0; ch < c; ch++) if (raw[off + ch] > 0) out[off + ch] = (float) (row[ch] / pos);
		}
		return new FloatTensor(s.raw().shape(), out);
	}

	/** Row {@code concept} of du/da at a solution u (null when that concept is inactive there). */
	static double[] jacobianRow(double[][] w, double[] u, int concept) {
		if (!(u[concept] > 0)) return null;
		int k = w.length, c = w[0].length;
		int[] active = new int[k];
		int m = 0, at = -1;
		for (int j = 0; j < k; j++) if (u[j] > 0) {
			if (j == concept) at = m;
			active[m++] = j;
		}
		// e_at^T (W_S W_S^T)^-1 W_S: solve the (symmetric) system G z = e_at, then z^T W_S
		double[][] g = new double[m][m + 1];
		double trace = 0;
		for (int a = 0; a < m; a++) for (int b = 0; b < m; b++) {
			double dot = 0;
			for (int j = 0; j < c; j++) dot += w[active[a]][j] * w[active[b]][j];
			g[a][b] = dot;
			if (a == b) trace += dot;
		}
		for (int a = 0; a < m; a++) {
			g[a][a] += 1e-12 * trace / m;
			g[a][m] = a == at ? 1 : 0;
		}
		double[] z = solveInPlace(g);
		double[] row = new double[c];
		for (int a = 0; a < m; a++) for (int j = 0; j < c; j++) row[j] += z[a] * w[active[a]][j];
		return row;
	}

	/** Gaussian elimination with partial pivoting on an augmented m x (m + 1) matrix. */
	static double[] solveInPlace(double[][] g) {
		int m = g.length;
		for (int col = 0; col < m; col++) {
			int piv = col;
			for (int r = col + 1; r < m; r++) if (Math.abs(g[r][col]) > Math.abs(g[piv][col])) piv = r;
			double[] t = g[col];
			g[col] = g[piv];
			g[piv] = t;
			double d = g[col][col];
			if (d == 0) continue;
			for (int r = 0; r < m; r++) {
				if (r == col) continue;
				double f = g[r][col] / d;
				if (f == 0) continue;
				for (int j = col; j <= m; j++) g[r][j] -= f * g[col][j];
			}
		}
		double[] z = new double[m];
		for (int r = 0; r < m; r++) z[r] = g[r][r] == 0 ? 0 : g[r][m] / g[r][r];
		return z;
	}
}
