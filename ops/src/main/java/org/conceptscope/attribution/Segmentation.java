package org.conceptscope.attribution;

import java.util.Locale;

import org.conceptscope.util.Limits;

/**
 * How an image is cut into the interpretable features of LIME and Kernel SHAP: a regular grid of
 * cells, or SLIC superpixels that follow the image's edges.
 */
public record Segmentation(Kind kind, int size, double compactness) {

	public enum Kind {
		/** size x size equal cells. */
		GRID,
		/** About {@code size} SLIC superpixels of the given compactness. */
		SLIC
	}

	public Segmentation {
		if (kind == null) throw new IllegalArgumentException("No segmentation kind given: GRID or SLIC.");
		if (size < 1) throw new IllegalArgumentException("A segmentation needs at least 1 " + (kind == Kind.GRID ? "cell per side" : "superpixel") + ", got " + size + ".");
		if (!(compactness >= 0) || !Double.isFinite(compactness)) throw new IllegalArgumentException("The SLIC compactness must be a finite number >= 0.");
		if (kind == Kind.GRID) Limits.grid("The segmentation", "cells per side", size);
		else Limits.passes("The SLIC segmentation", "superpixels", size);
	}

	public static Segmentation grid(int cellsPerSide) {
		return new Segmentation(Kind.GRID, cellsPerSide, 0);
	}

	public static Segmentation slic(int superpixels, double compactness) {
		return new Segmentation(Kind.SLIC, superpixels, compactness);
	}

	/** The segments of one HWC image. */
	public Segments of(float[] hwc, int h, int w, int c) {
		return kind == Kind.GRID ? Segments.grid(h, w, c, size) : Slic.segment(hwc, h, w, c, size, compactness);
	}

	String describe() {
		return kind == Kind.GRID ? "grid(" + size + ")" : String.format(Locale.ROOT, "slic(%d, compactness %s)", size, compactness);
	}
}
