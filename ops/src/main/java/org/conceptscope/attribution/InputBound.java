package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * An upper bound on a size-like key relative to the image a method makes each map on (the model's
 * input, or the image itself for a model that takes any size), checked once the model is known and
 * before any work: an attribution method's ({@link AttributionMethod#checkInput}) or a metric's
 * (deletion's and insertion's steps, in their {@code check}). Which key has which bound is declared
 * here only; the registry shows it in the docs tables, and {@link #check} gives the one sentence.
 */
public enum InputBound {

	/** Occlusion's square patch in pixels, below the input's larger side. (Its stride has no bound: the last patch is always flush with the border.) */
	PATCH("patch", "smaller than the larger side of the image each map is made on (the model's input)",
		"a patch that large occludes the whole input at once, so every pixel would get the same value"),
	/** Cells per side, at most the input's smaller side. */
	GRID("grid", "at most the smaller side of the image each map is made on (the model's input), so that each cell holds a pixel",
		"a finer grid leaves cells that hold no pixel"),
	/** MuFidelity's cells per side, as {@link #GRID}. */
	METRIC_GRID(Scope.METRIC, "grid", GRID.words, GRID.why),
	/** SLIC's count of segments, at most the input's pixels. */
	SEGMENTS("superpixels", "at most the pixels of the image each map is made on (the model's input)", "there cannot be more segments than pixels"),
	/**
	 * Deletion's and insertion's steps, at most the input's pixels: at more steps some steps change no pixel, so the curve
	 * only repeats its points at the cost of model calls (Xplique's steps=-1, one pixel a step, is steps=pixels here).
	 */
	STEPS(Scope.METRIC, "steps", "at most the pixels of the image each map is made on (the model's input)",
		"each step removes or inserts at least one pixel, so more steps only repeat points of the curve at the cost of model calls");

	/** Whose key a bound is: an attribution method's or a metric's (the same key, {@code steps}, means other things in each). */
	public enum Scope {
		ATTRIBUTION, METRIC
	}

	private final Scope scope;
	private final String key, words, why;

	/** Method or metric key to its label in the refusal's sentence; the registry, which declares the labels, lends them (it depends on this package, not the reverse). */
	private static volatile BiFunction<Scope, String, String> labels = (scope, key) -> key;

	InputBound(String key, String words, String why) {
		this(Scope.ATTRIBUTION, key, words, why);
	}

	InputBound(Scope scope, String key, String words, String why) {
		this.scope = scope;
		this.key = key;
		this.words = words;
		this.why = why;
	}

	/** The bound of an attribution key; empty for a key without one. */
	public static Optional<InputBound> of(String key) {
		return of(Scope.ATTRIBUTION, key);
	}

	/** The bound of an attribution's or a metric's key; empty for a key without one. */
	public static Optional<InputBound> of(Scope scope, String key) {
		return Arrays.stream(values()).filter(b -> b.scope == scope && b.key.equals(key)).findFirst();
	}

	/** The key it bounds. */
	public String key() {
		return key;
	}

	/** The largest value allowed on an image of {@code height x width} pixels. */
	public long max(long height, long width) {
		return switch (this) {
			case PATCH -> Math.max(height, width) - 1;
			case GRID, METRIC_GRID -> Math.min(height, width);
			case SEGMENTS, STEPS -> height * width;
		};
	}

	/**
	 * Refuses {@code value} when it is larger than {@link #max} on an image of {@code height x width} pixels, in one
	 * sentence naming the method or metric ({@code owner}, a registry key), the key, the value, that size and what to give.
	 *
	 * @param modelInput whether that size is the model's fixed input (else the image's, for a model that takes any size)
	 */
	public void check(String owner, long value, long height, long width, boolean modelInput) {
		long max = max(height, width);
		if (value <= max) return;
		throw new IllegalArgumentException(labels.apply(scope, owner) + "'s " + key + "=" + value + " does not fit "
			+ (modelInput ? "the model's input" : "the image") + " of " + width + " x " + height + " pixels, the image each map is made on ("
			+ why + "): give " + key + "=" + Math.max(1, max) + " or less.");
	}

	/**
	 * {@link #check} on images that are the classifier's inputs: their size is the model's fixed input or, for a model that
	 * takes any size, the image's (the sentence says which).
	 */
	public void check(String owner, long value, org.conceptscope.model.Classifier classifier, long height, long width) {
		check(owner, value, height, width, fixedInput(classifier));
	}

	/** Whether the classifier takes one input size only (else any size). */
	static boolean fixedInput(org.conceptscope.model.Classifier classifier) {
		return classifier.inputHeight(Integer.MAX_VALUE) < Integer.MAX_VALUE && classifier.inputWidth(Integer.MAX_VALUE) < Integer.MAX_VALUE;
	}

	/** In words, for the docs tables. */
	public String describe() {
		return words;
	}

	/** Sets how a method's or metric's key becomes its label in the refusal's sentence (by the registry, once). */
	public static void labels(BiFunction<Scope, String, String> byKey) {
		labels = byKey;
	}
}
