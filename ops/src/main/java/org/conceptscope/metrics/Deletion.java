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
 * Deletion (Petsiuk et al. 2018, RISE): pixels are removed (set to the reference) in order of
 * decreasing attribution, in {@code steps} equal steps, and the target class probability is
 * recorded after each step. A faithful map makes it fall fast: lower area under the curve
 * (trapezoid over the removed fraction 0..1) is better.
 */
public final class Deletion implements Metric.OfMaps {

	@Override
	public String name() {
		return "deletion";
	}

	/** The curve is of the target class probability: a model with one output is refused unless it is multi-label (a sigmoid). */
	@Override
	public void check(Classifier classifier, FloatTensor images) {
		MetricInputs.probabilities(classifier, name());
		PerturbationCurves.checkSteps(name(), steps, classifier, images);
	}

	public static final int DEFAULT_BATCH = 32;

	private final int steps;
	private final Reference reference;
	private final int batchSize;
	private final long tieSeed;

	public Deletion(int steps, Reference reference, int batchSize) {
		this(steps, reference, batchSize, 0);
	}

	/** Pixels of equal attribution are taken in a random order drawn from {@code tieSeed} (see the ranking's note). */
	public Deletion(int steps, Reference reference, int batchSize, long tieSeed) {
		if (steps < 1) throw new IllegalArgumentException("Deletion needs at least 1 step, got " + steps + ".");
		if (batchSize < 1) throw new IllegalArgumentException("The batch size must be at least 1, got " + batchSize + ".");
		this.steps = steps;
		this.reference = Objects.requireNonNull(reference, "No reference given: use Reference.constant(value) or Reference.blurred(sigma).");
		this.batchSize = batchSize;
		this.tieSeed = tieSeed;
	}

	/** Removed pixels become {@code baseline} (normalised units), {@value #DEFAULT_BATCH} images per model call. */
	public Deletion(int steps, float baseline) {
		this(steps, Reference.constant(baseline), DEFAULT_BATCH);
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
		double[][] curves = PerturbationCurves.probabilities(classifier, images, reference.of(images), attribution.maps(), targets,
			steps, batchSize, tieSeed, progress, "deletion");
		double[] auc = Arrays.stream(curves).mapToDouble(Trapezoid::area).toArray();
		Map<String, String> meta = new HashMap<>();
		meta.put("metric", "deletion");
		meta.put("method", attribution.metadata().getOrDefault("method", "unknown"));
		meta.put("steps", Integer.toString(steps));
		meta.put("reference", reference.describe());
		meta.put("ties", "random, seed " + tieSeed);
		meta.put("score", "probability");
		meta.put("better", "lower");
		return new MetricResult("deletion_auc", targets, auc, FiniteMean.of(auc), curves, meta);
	}
}
