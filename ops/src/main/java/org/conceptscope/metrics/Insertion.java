package org.conceptscope.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Insertion (Petsiuk et al. 2018, RISE): starting from the reference (a constant baseline or the
 * blurred image), the image's pixels are put back in order of decreasing attribution, in
 * {@code steps} equal steps, recording the target class probability. A faithful map makes it
 * rise fast: higher area under the curve (trapezoid over the inserted fraction 0..1) is better.
 */
public final class Insertion implements Metric.OfMaps {

	@Override
	public String name() {
		return "insertion";
	}

	/** The curve is of the target class probability: a model with one output is refused unless it is multi-label (a sigmoid). */
	@Override
	public void check(Classifier classifier, FloatTensor images) {
		MetricInputs.probabilities(classifier, name());
		PerturbationCurves.checkSteps(name(), steps, classifier, images);
	}

	private final int steps;
	private final Reference reference;
	private final int batchSize;
	private final long tieSeed;

	public Insertion(int steps, Reference reference, int batchSize) {
		this(steps, reference, batchSize, 0);
	}

	/** Pixels of equal attribution are taken in a random order drawn from {@code tieSeed} (see the ranking's note). */
	public Insertion(int steps, Reference reference, int batchSize, long tieSeed) {
		if (steps < 1) throw new IllegalArgumentException("Insertion needs at least 1 step, got " + steps + ".");
		if (batchSize < 1) throw new IllegalArgumentException("The batch size must be at least 1, got " + batchSize + ".");
		this.steps = steps;
		this.reference = Objects.requireNonNull(reference, "No reference given: use Reference.constant(value) or Reference.blurred(sigma).");
		this.batchSize = batchSize;
		this.tieSeed = tieSeed;
	}

	/** Starts from a constant {@code baseline} (normalised units), {@value Deletion#DEFAULT_BATCH} images per model call. */
	public Insertion(int steps, float baseline) {
		this(steps, Reference.constant(baseline), Deletion.DEFAULT_BATCH);
	}

	/**
	 * Curves and AUC per image for the attribution's targets.
	 *
	 * @throws java.util.concurrent.CancellationException when progress asks to stop
	 */
	@Override
	public MetricResult evaluate(Classifier classifier, FloatTensor images, Attribution attribution, Progress progress) {
		MetricInputs.check(images, attribution);
		check(classifier, images);
		int[] targets = attribution.targets();
		double[][] curves = PerturbationCurves.probabilities(classifier, reference.of(images), images, attribution.maps(), targets,
			steps, batchSize, tieSeed, progress, "insertion");
		double[] auc = Arrays.stream(curves).mapToDouble(Trapezoid::area).toArray();
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "insertion");
		meta.put("method", attribution.metadata().getOrDefault("method", "unknown"));
		meta.put("steps", Integer.toString(steps));
		meta.put("reference", reference.describe());
		meta.put("ties", "random, seed " + tieSeed);
		meta.put("score", "probability");
		meta.put("better", "higher");
		return new MetricResult("insertion_auc", targets, auc, FiniteMean.of(auc), curves, meta);
	}
}
