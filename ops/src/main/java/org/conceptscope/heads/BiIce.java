package org.conceptscope.heads;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Resampling;
import org.conceptscope.train.SavedModelExport;
import org.conceptscope.train.SupervisedTrainer;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;

/**
 * Bi-ICE (bidirectional interaction between concepts and input embeddings) head on a frozen
 * backbone: K learnable concepts, per-concept contributions to each decision and per-concept
 * location maps (which patches choose the concept), and the concept embeddings' change per epoch
 * during training (convergence). The computation is the one of {@link BiIceGraph}, evaluated in
 * Java for explanations.
 */
public final class BiIce {

	private final Map<String, FloatTensor> weights;
	private final String layer;
	private final int h, w, c, d, k, classes;
	private final double[] convergence;

	private BiIce(Map<String, FloatTensor> weights, String layer, int h, int w, int c, int d, int k, int classes, double[] convergence) {
		this.weights = weights;
		this.layer = layer;
		this.h = h;
		this.w = w;
		this.c = c;
		this.d = d;
		this.k = k;
		this.classes = classes;
		this.convergence = convergence;
	}

	/** Trains K concepts of dimension d on the backbone's spatial layer; an epoch is one pass over the images. */
	public static BiIce train(Classifier backbone, String layer, FloatTensor images, int[] labels, int concepts, int dimension,
		TrainingOptions opt, Progress progress) {
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(layer)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("Unknown layer '" + layer + "'."));
		if (!info.isSpatial()) throw new IllegalArgumentException("Bi-ICE needs a spatial [N, h, w, c] layer; '" + layer + "' is not.");
		if (concepts < 1 || dimension < 1) throw new IllegalArgumentException("Bi-ICE needs at least one concept of dimension >= 1.");
		FloatTensor f = backbone.activations(images, layer);
		int h = (int) f.dim(1), w = (int) f.dim(2), c = (int) f.dim(3), n = (int) f.dim(0), classes = backbone.numClasses();
		Map<String, FloatTensor> init = BiIceGraph.initialWeights(c, dimension, concepts, classes, opt.seed());
		int epoch = Math.max(1, (n + opt.batchSize() - 1) / opt.batchSize());
		SupervisedTrainer.Trained t = SupervisedTrainer.train(g -> new BiIceGraph(g, h, w, c, dimension, concepts, classes, init), f, labels,
			classes, opt, progress, "concepts", epoch);
		List<FloatTensor> snaps = t.snapshots();
		double[] change = new double[Math.max(0, snaps.size() - 1)];
		for (int i = 1; i < snaps.size(); i++) {
			double s = 0;
			for (int j = 0; j < snaps.get(i).size(); j++) {
				double diff = snaps.get(i).data()[j] - snaps.get(i - 1).data()[j];
				s += diff * diff;
			}
			change[i - 1] = Math.sqrt(s);
		}
		return new BiIce(t.weights(), layer, h, w, c, dimension, concepts, classes, change);
	}

	/** Frobenius norm of the change of the concept embeddings over each training epoch. */
	public double[] convergence() {
		return convergence.clone();
	}

	/** Scores S [P][K], attention A (over patches) and assignment B (over concepts) for image i. */
	private double[][][] interaction(FloatTensor features, int i) {
		int p = h * w;
		float[] wp = weights.get("patch_kernel").data(), cs = weights.get("concepts").data();
		double[][] s = new double[p][k];
		for (int q = 0; q < p; q++) {
			double[] e = new double[d];
			for (int j = 0; j < d; j++) {
				double v = 0;
				for (int r = 0; r < c; r++) v += features.data()[(i * p + q) * c + r] * wp[r * d + j];
				e[j] = v;
			}
			for (int m = 0; m < k; m++) {
				double v = 0;
				for (int j = 0; j < d; j++) v += e[j] * cs[m * d + j];
				s[q][m] = v / Math.sqrt(d);
			}
		}
		double[][] a = new double[p][k], b = new double[p][k];
		for (int m = 0; m < k; m++) {
			double max = Double.NEGATIVE_INFINITY, sum = 0;
			for (int q = 0; q < p; q++) max = Math.max(max, s[q][m]);
			for (int q = 0; q < p; q++) sum += a[q][m] = Math.exp(s[q][m] - max);
			for (int q = 0; q < p; q++) a[q][m] /= sum;
		}
		for (int q = 0; q < p; q++) {
			double max = Double.NEGATIVE_INFINITY, sum = 0;
			for (int m = 0; m < k; m++) max = Math.max(max, s[q][m]);
			for (int m = 0; m < k; m++) sum += b[q][m] = Math.exp(s[q][m] - max);
			for (int m = 0; m < k; m++) b[q][m] /= sum;
		}
		return new double[][][] { s, a, b };
	}

	/** Concept activations [N][K]. */
	public double[][] activations(FloatTensor features) {
		int n = (int) features.dim(0);
		double[][] out = new double[n][k];
		for (int i = 0; i < n; i++) {
			double[][][] sab = interaction(features, i);
			for (int q = 0; q < h * w; q++) for (int m = 0; m < k; m++) out[i][m] += sab[1][q][m] * sab[2][q][m] * Math.max(0, sab[0][q][m]);
		}
		return out;
	}

	/** Logits [N][classes] from the concepts. */
	public double[][] logits(FloatTensor features) {
		double[][] act = activations(features);
		float[] wc = weights.get("classifier").data(), bc = weights.get("bias").data();
		double[][] out = new double[act.length][classes];
		for (int i = 0; i < act.length; i++) for (int y = 0; y < classes; y++) {
			double s = bc[y];
			for (int m = 0; m < k; m++) s += act[i][m] * wc[m * classes + y] * wc[m * classes + y];
			out[i][y] = s;
		}
		return out;
	}

	/** Contribution of each concept to class y for image i: activation times its (non-negative) weight. */
	public double[] contributions(FloatTensor features, int i, int y) {
		double[] act = activations(features.slice(i))[0];
		float[] wc = weights.get("classifier").data();
		double[] out = new double[k];
		for (int m = 0; m < k; m++) out[m] = act[m] * wc[m * classes + y] * wc[m * classes + y];
		return out;
	}

	/** The backbone-channel direction concept m responds to: Wp C_m (scores are linear in the features along it). */
	public double[] featureDirection(int m) {
		float[] wp = weights.get("patch_kernel").data(), cs = weights.get("concepts").data();
		double[] u = new double[c];
		for (int r = 0; r < c; r++) for (int j = 0; j < d; j++) u[r] += wp[r * d + j] * cs[m * d + j];
		return u;
	}

	/** Where concept m sits: the patches' assignment to it (B), upsampled to height x width. */
	public FloatTensor locationMap(FloatTensor features, int m, int height, int width) {
		int n = (int) features.dim(0);
		float[] map = new float[n * h * w];
		for (int i = 0; i < n; i++) {
			double[][][] sab = interaction(features, i);
			for (int q = 0; q < h * w; q++) map[i * h * w + q] = (float) (sab[2][q][m] * sab[1][q][m] * h * w);
		}
		return Resampling.bilinear(new FloatTensor(new long[] { n, h, w }, map), height, width);
	}

	public void save(Path dir, List<String> classNames, String backbone, double headAccuracy, double backboneAccuracy) throws IOException {
		ModelConfig config = new ModelConfig();
		config.name = "Bi-ICE head on " + backbone;
		config.description = "Interpretable head: " + k + " concepts interacting with patch embeddings both ways; input: the feature map of"
			+ " layer '" + layer + "' of " + backbone + ".";
		config.classes = new ArrayList<>(classNames);
		config.metadata.put("backbone", backbone);
		config.metadata.put("backbone_layer", layer);
		config.metadata.put("concepts", k);
		config.metadata.put("head_accuracy", headAccuracy);
		config.metadata.put("backbone_accuracy", backboneAccuracy);
		SavedModelExport.export(g -> new BiIceGraph(g, h, w, c, d, k, classes, weights), config, dir);
	}
}
