package org.conceptscope.model;

import java.util.Locale;

/**
 * The size of one pixel a model was trained at (bioimage.io 0.5: a space axis's {@code scale} and
 * {@code unit}; a model card: {@code "pixel_size": {"x": 0.5, "y": 0.5, "unit": "micrometer"}}).
 * Compared with an image's calibration before a model explains it: a classifier shown cells at
 * twice the size it learnt them may still answer, but for other reasons.
 */
public record PixelSize(double x, double y, String unit) {

	/** Relative difference above which the sizes count as different. */
	public static final double TOLERANCE = 0.05;

	public PixelSize {
		if (!(x > 0 && y > 0 && Double.isFinite(x) && Double.isFinite(y))) {
			throw new IllegalArgumentException("A pixel size must be positive and finite, got " + x + " x " + y + ".");
		}
		unit = unit == null ? "" : unit.strip();
	}

	/** Metres per unit for the units images and models use ("micrometer", "µm", "um", "nm", "mm", ...); NaN if unknown. */
	public static double metres(String unit) {
		if (unit == null) return Double.NaN;
		String u = unit.strip().toLowerCase(Locale.ROOT).replace("\u00b5", "u").replace("\u03bc", "u");
		return switch (u) {
			case "m", "meter", "metre", "meters", "metres" -> 1;
			case "cm", "centimeter", "centimetre", "centimeters", "centimetres" -> 1e-2;
			case "mm", "millimeter", "millimetre", "millimeters", "millimetres" -> 1e-3;
			case "um", "micron", "microns", "micrometer", "micrometre", "micrometers", "micrometres" -> 1e-6;
			case "nm", "nanometer", "nanometre", "nanometers", "nanometres" -> 1e-9;
			case "pm", "picometer", "picometre" -> 1e-12;
			case "a", "angstrom", "\u00e5ngstr\u00f6m", "\u00e5" -> 1e-10;
			default -> Double.NaN;
		};
	}

	/**
	 * A one-sentence warning when an image's pixels differ from this size by more than
	 * {@link #TOLERANCE}, else null. An image without a length unit (ImageJ's "pixel") gives null:
	 * nothing is known to compare.
	 *
	 * @param modelName for the sentence
	 */
	public String compare(double imageX, double imageY, String imageUnit, String modelName) {
		double mu = metres(unit), iu = metres(imageUnit);
		if (Double.isNaN(mu) || Double.isNaN(iu) || !(imageX > 0 && imageY > 0)) return null;
		double ix = imageX * iu / mu, iy = imageY * iu / mu;
		boolean differs = Math.abs(ix / x - 1) > TOLERANCE || Math.abs(iy / y - 1) > TOLERANCE;
		if (!differs) return null;
		return String.format(Locale.ROOT, "The model %s was trained on pixels of %s x %s %s but this image's pixels are %s x %s %s"
			+ " (%.3g times as large): its answers may not mean what they mean at its own scale; rescale the image (Image > Scale...)"
			+ " or check its calibration (Image > Properties...).", modelName, fmt(x), fmt(y), unit, fmt(imageX), fmt(imageY), imageUnit,
			Math.sqrt(ix * iy / (x * y)));
	}

	private static String fmt(double v) {
		return String.format(Locale.ROOT, "%.4g", v);
	}
}
