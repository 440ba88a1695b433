package org.conceptscope.fiji.image;

import ij.ImagePlus;

import java.util.Arrays;
import java.util.List;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;

/**
 * Everything the writers need about one explained ImageJ image: the image itself (only read),
 * how batch entries map to its slices and frames, the model's classes, its probabilities [N, K]
 * and predictions, and the attribution maps [N, H, W] with the method that made them.
 */
public final class Explanation {

	private final ImagePlus image;
	private final BatchIndex batches;
	private final List<String> classNames;
	private final FloatTensor probabilities;
	private final int[] predicted;
	private final Attribution attribution;
	private final int[] targets;
	private final String method;
	private final String model;
	private final Tiles tiles;

	/**
	 * How an image larger (or smaller) than the model's input was explained: the tile grid and
	 * every tile's class probabilities [N, tiles, K] (the entry's probabilities are their mean).
	 */
	public record Tiles(TileGrid grid, FloatTensor probabilities) {}

	public Explanation(ImagePlus image, BatchIndex batches, List<String> classNames, FloatTensor probabilities,
		int[] predicted, Attribution attribution, String method, String model) {
		this(image, batches, classNames, probabilities, predicted, attribution, method, model, null);
	}

	/** @param tiles how the image was tiled, or null when it had the model's input size */
	public Explanation(ImagePlus image, BatchIndex batches, List<String> classNames, FloatTensor probabilities,
		int[] predicted, Attribution attribution, String method, String model, Tiles tiles) {
		int n = batches.size();
		long[] maps = attribution.maps().shape();
		if (maps[0] != n || maps[1] != image.getHeight() || maps[2] != image.getWidth()) {
			throw new IllegalArgumentException("Attribution maps " + Arrays.toString(maps) + " do not fit image '"
				+ image.getTitle() + "' (" + n + " x " + image.getHeight() + " x " + image.getWidth() + ").");
		}
		if (probabilities.rank() != 2 || probabilities.dim(0) != n || probabilities.dim(1) != classNames.size()) {
			throw new IllegalArgumentException("Probabilities " + probabilities + " do not fit " + n + " images and "
				+ classNames.size() + " classes.");
		}
		if (predicted.length != n) throw new IllegalArgumentException(predicted.length + " predictions for " + n + " images.");
		this.image = image;
		this.batches = batches;
		this.classNames = List.copyOf(classNames);
		this.probabilities = probabilities;
		this.predicted = predicted.clone();
		this.attribution = attribution;
		this.targets = attribution.targets();
		this.method = method;
		this.model = model;
		this.tiles = tiles;
	}

	/** The tiles the image was explained in, or null when the image had the model's input size. */
	public Tiles tiles() {
		return tiles;
	}

	/** The explained image; never modified. */
	public ImagePlus image() {
		return image;
	}

	public BatchIndex batches() {
		return batches;
	}

	public int size() {
		return batches.size();
	}

	public List<String> classNames() {
		return classNames;
	}

	public String className(int k) {
		return classNames.get(k);
	}

	/** Probabilities [N, K]. */
	public FloatTensor probabilities() {
		return probabilities;
	}

	public float probability(int b, int k) {
		return probabilities.get(b, k);
	}

	/** The model's arg-max class of batch entry b. */
	public int predicted(int b) {
		return predicted[b];
	}

	/** The class the map of batch entry b explains. */
	public int target(int b) {
		return targets[b];
	}

	public Attribution attribution() {
		return attribution;
	}

	/** Attribution method name, e.g. "saliency". */
	public String method() {
		return method;
	}

	/** Short model name for metadata. */
	public String model() {
		return model;
	}

	/** Map of batch entry b as a row-by-row plane of the image's size (a copy). */
	public float[] map(int b) {
		int plane = image.getWidth() * image.getHeight();
		return Arrays.copyOfRange(attribution.maps().data(), b * plane, (b + 1) * plane);
	}
}
