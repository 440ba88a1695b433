package org.conceptscope.heads;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import org.conceptscope.attribution.GradCam;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Limits;
import org.conceptscope.util.Progress;
import org.conceptscope.util.Seeds;

/**
 * An interpretable head trained on a frozen classifier's feature map and judged on held-out
 * images: a seeded per-class split, the head trained on the rest, the held-out images' head logits
 * and both models' predictions, the accuracies and the agreement with the backbone, and per unit
 * its top-activating training positions. What Train Interpretable Head computes; it writes and
 * shows the outcome.
 */
public final class HeadTraining {

	/**
	 * The random streams of one seed ({@link Seeds#stream}): the held-out split, a head's initial
	 * weights and the order of the training images in each epoch draw from streams of their own, so
	 * no two of them repeat the same draws.
	 */
	public static final int SPLIT_STREAM = 0, WEIGHTS_STREAM = 1, BATCH_STREAM = 2;

	private HeadTraining() {}

	/** One trained head and how it does on the images held out. */
	public record Outcome(InterpretableHead head, String layer, int[] train, int[] held, int[] heldLabels, double[][] headLogits,
		int[] headPredicted, int[] backbonePredicted, double headAccuracy, double backboneAccuracy, double agreement,
		List<List<HeadPrototypes.Prototype>> prototypes, int featureHeight, int featureWidth) {}

	/**
	 * The layer a head is trained on: the one named, or the last spatial layer when empty.
	 *
	 * @param key the option that names the layer, for the message
	 * @throws IllegalArgumentException for a layer the model lacks or one without a spatial [N, h, w, c] output
	 */
	public static String layer(Classifier backbone, String layer, String key) {
		String name = layer == null || layer.isBlank() ? GradCam.lastSpatialLayer(backbone) : layer.trim();
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(name)).findFirst()
			.orElseThrow(() -> new IllegalArgumentException("The model has no layer '" + name + "': set " + key
				+ "= one of the spatial layers Model Info lists, or leave it empty for the last one."));
		if (!info.isSpatial()) {
			throw new IllegalArgumentException("Layer '" + name + "' is not a spatial [N, h, w, c] layer: an interpretable head needs"
				+ " a feature map; leave " + key + " empty for the last spatial layer.");
		}
		return name;
	}

	/**
	 * Trains the head on the images not held out and judges it on those held out.
	 *
	 * @param images the labelled images [N, H, W, C], normalised as the backbone wants
	 * @param labels each image's class index
	 * @param sources each image's source (numbered 0, 1, ...): the tiles of one slice share one and
	 *        are held out together ({@link #split(int[], int[], double, long)})
	 * @param heldOut the share of each class held out
	 * @param seed the split's seed, its stream {@link #SPLIT_STREAM} (the trainer's is in {@code options})
	 * @param prototypes per unit, how many top-activating training positions to keep
	 */
	public static Outcome train(Classifier backbone, FloatTensor images, int[] labels, int[] sources, String layer, HeadTrainer trainer,
		TrainingOptions options, double heldOut, long seed, int prototypes, Progress progress) {
		int[][] split = split(labels, sources, heldOut, seed);
		int[] train = split[0], held = split[1];
		checkFeatureMemory(backbone, layer, (int) images.dim(0));
		FloatTensor features = backbone.activations(images, layer);
		FloatTensor trainFeatures = features.rows(train), heldFeatures = features.rows(held);
		int[] trainLabels = pick(labels, train), heldLabels = pick(labels, held);
		InterpretableHead head = trainer.train(trainFeatures, layer, trainLabels, backbone.numClasses(), options, progress);
		double[][] headLogits = head.logits(heldFeatures);
		int[] backbonePredicted = backbone.logits(images.rows(held)).argmaxRows();
		int[] headPredicted = new int[held.length];
		for (int i = 0; i < held.length; i++) headPredicted[i] = argmax(headLogits[i]);
		List<List<HeadPrototypes.Prototype>> tops = HeadPrototypes.all(head, trainFeatures, prototypes, progress);
		return new Outcome(head, layer, train, held, heldLabels, headLogits, headPredicted, backbonePredicted,
			agreement(headPredicted, heldLabels), agreement(backbonePredicted, heldLabels), agreement(headPredicted, backbonePredicted),
			tops, (int) features.dim(1), (int) features.dim(2));
	}

	/**
	 * Refuses, before the images go through the backbone, feature maps of {@code images} images at
	 * {@code layer} that the heap cannot hold twice (the maps, and their training and held-out rows).
	 */
	public static void checkFeatureMemory(Classifier backbone, String layer, int images) {
		LayerInfo info = backbone.layers().stream().filter(l -> l.name().equals(layer)).findFirst().orElse(null);
		if (info == null) return;
		long[] s = info.shape();
		long values = images;
		for (int i = 1; i < s.length; i++) values *= Math.max(1, s[i]);
		checkFeatureMemory(layer, images, values, 2 * 4 * values, Limits.heapLeft(2 * 4 * values));
	}

	static void checkFeatureMemory(String layer, int images, long values, long need, long left) {
		if (need <= left) return;
		throw new IllegalArgumentException("The feature maps of " + images + " images at layer '" + layer + "' (" + values + " values) need about "
			+ Limits.readableSize(need, left) + " of Java's heap, more than the "
			+ Limits.readableSize(left, need) + " it has free: train on fewer images, choose an earlier or"
			+ " narrower layer, or give Java more memory (Edit > Options > Memory & Threads..., or -Xmx).");
	}

	/**
	 * The images held out, per class: a seeded shuffle, round(fraction * n) held out, at least one
	 * when the class has two images or more and never all of them.
	 *
	 * @return {train indices, held-out indices}, each ascending
	 * @throws IllegalArgumentException when no image can be held out (no class with two images)
	 */
	public static int[][] split(int[] labels, double fraction, long seed) {
		return split(labels, java.util.stream.IntStream.range(0, labels.length).toArray(), fraction, seed);
	}

	/**
	 * {@link #split(int[], double, long)} where images may share a source (the tiles of one slice):
	 * a class's sources are shuffled and held out whole, round(fraction * sources) of them, so no
	 * held-out tile has a part of its own image on the training side. Where every image is its own
	 * source, the split is {@link #split(int[], double, long)}'s.
	 *
	 * @param sources each image's source; the images of one source have one label
	 */
	public static int[][] split(int[] labels, int[] sources, double fraction, long seed) {
		if (sources.length != labels.length) throw new IllegalArgumentException(sources.length + " sources for " + labels.length + " images.");
		SplittableRandom r = Seeds.stream(seed, SPLIT_STREAM);
		List<Integer> train = new ArrayList<>(), held = new ArrayList<>();
		int classes = 0;
		for (int l : labels) classes = Math.max(classes, l + 1);
		java.util.Map<Integer, Integer> labelOf = new java.util.HashMap<>();
		for (int i = 0; i < labels.length; i++) {
			Integer first = labelOf.putIfAbsent(sources[i], labels[i]);
			if (first != null && first != labels[i]) {
				throw new IllegalArgumentException("The images of source " + sources[i] + " have different labels.");
			}
		}
		for (int k = 0; k < classes; k++) {
			// the class's sources in the order of their first image, each with its images
			java.util.Map<Integer, List<Integer>> bySource = new java.util.LinkedHashMap<>();
			for (int i = 0; i < labels.length; i++) if (labels[i] == k) bySource.computeIfAbsent(sources[i], x -> new ArrayList<>()).add(i);
			List<List<Integer>> groups = new ArrayList<>(bySource.values());
			shuffle(groups, r);
			int n = groups.size(), h = n < 2 ? 0 : Math.max(1, Math.min(n - 1, (int) Math.round(fraction * n)));
			groups.subList(0, h).forEach(held::addAll);
			groups.subList(h, n).forEach(train::addAll);
		}
		Collections.sort(train);
		Collections.sort(held);
		if (held.isEmpty()) {
			throw new IllegalArgumentException("No image could be held out for the accuracy table: give at least two images per class.");
		}
		return new int[][] { train.stream().mapToInt(Integer::intValue).toArray(), held.stream().mapToInt(Integer::intValue).toArray() };
	}

	/** Fisher-Yates: the last item swapped with one of those up to it, then the one before, and so on. */
	static <T> void shuffle(List<T> items, SplittableRandom r) {
		for (int i = items.size() - 1; i > 0; i--) Collections.swap(items, i, r.nextInt(i + 1));
	}

	/**
	 * The channel a unit's direction leans on most, by magnitude, numbered from 1 and negative where
	 * the direction points against it (a part that answers to the channel's absence).
	 */
	public static int topChannel(double[] direction) {
		int best = 0;
		for (int i = 1; i < direction.length; i++) if (Math.abs(direction[i]) > Math.abs(direction[best])) best = i;
		return direction[best] < 0 ? -(best + 1) : best + 1;
	}

	/** The index of the largest value (the first of equal ones). */
	public static int argmax(double[] v) {
		int best = 0;
		for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
		return best;
	}

	/** The share of positions where both agree; NaN for none. */
	static double agreement(int[] a, int[] b) {
		int same = 0;
		for (int i = 0; i < a.length; i++) if (a[i] == b[i]) same++;
		return a.length == 0 ? Double.NaN : same / (double) a.length;
	}

	private static int[] pick(int[] v, int[] idx) {
		int[] out = new int[idx.length];
		for (int i = 0; i < idx.length; i++) out[i] = v[idx[i]];
		return out;
	}
}
