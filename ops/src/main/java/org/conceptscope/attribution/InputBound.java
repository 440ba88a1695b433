package org.conceptscope.attribution;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * An upper bound on a size-like attribution key relative to the image a method makes each map on
 * (the model's input, or the image itself for a model that takes any size), checked once the model
 * is known and before any work ({@link AttributionMethod#checkInput}). Which key has which bound is
 * declared here only; the registry shows it in the docs tables.
 */
public enum InputBound {

	/** Occlusion's square patch in pixels, below the input's larger side. (Its stride has no bound: the last patch is always flush with the border.) */
	PATCH("patch", "smaller than the larger side of the image each map is made on (the model's input)",
		"a patch that large occludes the whole input at once, so every pixel would get the same value"),
	/** Cells per side, at most the input's smaller side. */
	GRID("grid", "at most the smaller side of the image each map is made on (the model's input), so that each cell holds a pixel",
		"a finer grid leaves cells that hold no pixel"),
	/** SLIC's count of segments, at most the input's pixels. */
	SEGMENTS("superpixels", "at most the pixels of the image each map is made on (the model's input)", "there cannot be more segments than pixels");

	private final String key, words, why;

	/** Method key to its label in the refusal's sentence; the registry, which declares the labels, lends them (it depends on this package, not the reverse). */
	private static volatile UnaryOperator<String> labels = UnaryOperator.identity();

	InputBound(String key, String words, String why) {
		this.key = key;
		this.words = words;
		this.why = why;
	}

	/** The bound of an attribution key; empty for a key without one. */
	public static Optional<InputBound> of(String key) {
		return Arrays.stream(values()).filter(b -> b.key.equals(key)).findFirst();
	}

	/** The key it bounds. */
	public String key() {
		return key;
	}

	/** The largest value allowed on an image of {@code height x width} pixels. */
	public long max(long height, long width) {
		return switch (this) {
			case PATCH -> Math.max(height, width) - 1;
			case GRID -> Math.min(height, width);
			case SEGMENTS -> height * width;
		};
	}

	/** In words, for the docs tables. */
	public String describe() {
		return words;
	}

	/** Why a larger value is refused, for the refusal's sentence. */
	String why() {
		return why;
	}

	/** Sets how a method's key becomes its label in the refusal's sentence (by the registry, once). */
	public static void labels(UnaryOperator<String> byKey) {
		labels = byKey;
	}

	static String label(String method) {
		return labels.apply(method);
	}
}
