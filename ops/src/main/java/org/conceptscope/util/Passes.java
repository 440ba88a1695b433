package org.conceptscope.util;

/**
 * What a run costs per image, known before it starts, and the one Log line that says it (Concept
 * Discovery's crops, the attribution methods that score many perturbed copies or bound every grid
 * cell): a user sees how long the wait will be before it begins, not at 0 %.
 *
 * @param perImage passes, crops or bound computations per image
 * @param noun what one of them is, singular ("crop", "model pass")
 * @param detail how the count comes about ("32 designs x (64 cells + 2)")
 * @param unit what the total counts, plural ("model passes", "model passes to layer 'conv2'")
 * @param atMost whether {@code perImage} is a bound that an image's own pixels can lower (Kernel SHAP on superpixels, said
 *        "at most" rather than guessed), not the count
 */
public record Passes(long perImage, String noun, String detail, String unit, boolean atMost) {

	/** Exactly {@code perImage} per image. */
	public Passes(long perImage, String noun, String detail, String unit) {
		this(perImage, noun, detail, unit, false);
	}

	/**
	 * "ConceptScope Attribution: 2 images, 2112 model passes each (Sobol: 32 designs x (64 cells + 2)): 4224 model passes."
	 *
	 * @param command the command's title
	 */
	public String line(String command, long images) {
		return line(command, images, images + " image" + (images == 1 ? "" : "s"));
	}

	/**
	 * "ConceptScope Attribution: 7 tiles of 3 ROIs, 2112 model passes each (...): 14784 model passes.": the passes made on
	 * {@code count} things (tiles, images), said in {@code things}.
	 *
	 * @param things the count and what it counts, with anything a reader needs to place it ("7 tiles of 3 ROIs")
	 */
	public String line(String command, long count, String things) {
		String most = atMost ? "at most " : "";
		return "ConceptScope " + command + ": " + things + ", " + most + perImage + " " + (perImage == 1 ? noun : plural(noun)) + " each ("
			+ detail + "): " + most + Math.multiplyExact(count, perImage) + " " + unit + ".";
	}

	/**
	 * "ConceptScope Attribution: 12 images (kernel_shap: ...): 3104 model passes.": the total counted image by image before the work
	 * (each image's own count, as Kernel SHAP's on its superpixels).
	 */
	public static String totalLine(String command, String things, String detail, long total, String unit) {
		return "ConceptScope " + command + ": " + things + " (" + detail + "): " + total + " " + unit + ".";
	}

	/** "crop" gives "crops", "model pass" gives "model passes". */
	static String plural(String noun) {
		return noun + (noun.endsWith("s") ? "es" : "s");
	}
}
