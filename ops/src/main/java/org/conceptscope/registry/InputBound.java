package org.conceptscope.registry;

/**
 * An upper bound on a size-like parameter relative to the image a method makes each map on (the
 * model's input, or the image itself for a model that takes any size): declared beside the parameter
 * ({@link Parameter#atMost}), checked once the model is known and before any work
 * ({@link Registry#checkInput}).
 */
public enum InputBound {

	/** A square patch in pixels, below the input's larger side. */
	PATCH("smaller than the larger side of the image each map is made on (the model's input)",
		"a patch that large occludes the whole input at once, so every pixel would get the same value"),
	/** A step in pixels, below the input's larger side. */
	STEP("smaller than the larger side of the image each map is made on (the model's input)",
		"a step that long never lands inside the input: only the positions at its borders would be tried"),
	/** Cells per side, at most the input's smaller side. */
	GRID("at most the smaller side of the image each map is made on (the model's input), so that each cell holds a pixel",
		"a finer grid leaves cells that hold no pixel"),
	/** A count of segments, at most the input's pixels. */
	SEGMENTS("at most the pixels of the image each map is made on (the model's input)", "there cannot be more segments than pixels");

	private final String words, why;

	InputBound(String words, String why) {
		this.words = words;
		this.why = why;
	}

	/** The largest value allowed on an image of {@code height x width} pixels. */
	public long max(long height, long width) {
		return switch (this) {
			case PATCH, STEP -> Math.max(height, width) - 1;
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
}
