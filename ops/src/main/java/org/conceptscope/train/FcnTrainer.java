package org.conceptscope.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.conceptscope.model.ModelConfig;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Trains an {@link FcnArchitecture} in Java on the TensorFlow runtime (per-position softmax
 * cross-entropy, Adam; {@link SupervisedTrainer#trainDense}) and exports it as a SavedModel whose
 * outputs are maps. Deterministic given the seed, as {@link CnnTrainer}.
 */
public final class FcnTrainer {

	private FcnTrainer() {}

	/** He-normal initial weights from a seed. */
	public static Map<String, FloatTensor> initialWeights(FcnArchitecture arch, long seed) {
		return CnnArchitecture.Parameter.heNormal(arch.parameters(), seed);
	}

	/**
	 * Trains on images [N, H, W, C] with one label per pixel ({@code labels}: N x H x W, image by
	 * image, row by row) and returns the trained weights.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	public static Map<String, FloatTensor> train(FcnArchitecture arch, FloatTensor images, int[] labels, TrainingOptions opt, Progress progress) {
		SupervisedTrainer.checkImages(images, arch.height(), arch.width(), arch.channels());
		long[] s = images.shape();
		if (labels.length != s[0] * s[1] * s[2]) {
			throw new IllegalArgumentException(labels.length + " labels for " + s[0] + " images of " + s[2] + "x" + s[1] + " pixels; give one per pixel.");
		}
		Random rnd = new Random(opt.seed());
		Map<String, FloatTensor> init = initialWeights(arch, rnd.nextLong());
		return SupervisedTrainer.trainDense(g -> new FcnGraph(g, arch, init), images, labels, arch.numClasses(), opt, progress, rnd).weights();
	}

	/** Writes the network with these weights as a SavedModel (outputs "logits" and "probabilities", both maps) with its config. */
	public static void export(FcnArchitecture arch, Map<String, FloatTensor> weights, ModelConfig config, Path dir) throws IOException {
		SavedModelExport.export(g -> new FcnGraph(g, arch, weights), config, dir);
	}

	/** Fraction of pixels whose arg-max channel equals the label, from maps [N, H, W, K]. */
	public static double pixelAccuracy(FloatTensor maps, int[] labels) {
		int k = (int) maps.dim(maps.rank() - 1);
		int[] pred = maps.reshape(maps.size() / k, k).argmaxRows();
		if (pred.length != labels.length) throw new IllegalArgumentException(pred.length + " positions for " + labels.length + " labels.");
		return SupervisedTrainer.agreement(pred, labels);
	}
}
