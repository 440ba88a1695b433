package org.conceptscope.heads;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * An interpretable head trained on a frozen backbone's spatial feature map [N, h, w, c]: its
 * logits are a non-negative combination of a few units (InfoDisent's prototypical parts, Bi-ICE's
 * concepts), so every decision splits into per-unit contributions, and every unit has a map of
 * where it responds. Implementations evaluate their graph in Java for explanations; the same
 * computation is saved as a SavedModel whose input is the feature map.
 */
public interface InterpretableHead {

	/** Metadata key naming the head kind in the saved model's conceptscope.json. */
	String KIND = "head";

	/** {@code infodisent} or {@code bi_ice}. */
	String kind();

	/** What a unit is called in tables and ROI names: {@code part} or {@code concept}. */
	String unitName();

	/** The backbone layer whose feature map is the input. */
	String layer();

	/** Feature map size [h, w, c] the head was trained on. */
	int[] featureShape();

	int units();

	/** The saved graph's tensor of unit activations [N, units] (what a unit's feature visualisation raises). */
	String unitLayer();

	int numClasses();

	/** Logits [N][classes] of feature maps [N, h, w, c]. */
	double[][] logits(FloatTensor features);

	/**
	 * Contribution of every unit to class {@code target}'s logit for image {@code image}, with its
	 * sign (a unit can speak against the class); they sum to the logit minus {@link #bias}.
	 */
	double[] contributions(FloatTensor features, int image, int target);

	/**
	 * The part of class {@code target}'s logit for image {@code image} that no unit explains (the
	 * class bias of a linear head): the logit minus the sum of the contributions.
	 */
	default double bias(FloatTensor features, int image, int target) {
		double s = logits(features.slice(image))[0][target];
		for (double c : contributions(features, image, target)) s -= c;
		return s;
	}

	/**
	 * Where each image responds to the unit, at the layer's resolution [N, h, w]: non-negative for
	 * Bi-ICE; signed for InfoDisent, whose evidence counts responses of both signs.
	 */
	FloatTensor unitMaps(FloatTensor features, int unit);

	/**
	 * The maps of the listed units in image {@code image} from one pass over the image:
	 * {@code maps[s * units.length + q]} is {@code unitMaps(features, units[q])} at the image's cell
	 * s, the same float ({@code maps} holds h w units.length floats). What Explain with Head shows;
	 * by default unit by unit through {@link #unitMaps}. Bi-ICE runs its interaction (every round of
	 * binding) once for all the units instead of once per unit.
	 */
	default void imageMaps(FloatTensor features, int image, int[] units, float[] maps) {
		checkFeatures(features);
		FloatTensor one = features.slice(image);
		for (int q = 0; q < units.length; q++) {
			float[] m = unitMaps(one, units[q]).data();
			for (int s = 0; s < m.length; s++) maps[s * units.length + q] = m[s];
		}
	}

	/**
	 * How strongly each image responds to the unit, from its maps [N, h, w] ({@link #unitMaps}): the
	 * order of its prototypes. By default each map's largest value (InfoDisent: the part's strongest
	 * positive response, as its paper picks prototypes); Bi-ICE: the map's mean, the concept's activation.
	 */
	default double[] imageResponses(FloatTensor maps) {
		int n = (int) maps.dim(0), cells = (int) (maps.size() / Math.max(1, n));
		double[] out = new double[n];
		for (int i = 0; i < n; i++) out[i] = imageResponse(maps.data(), i * cells, 1, cells);
		return out;
	}

	/**
	 * One image's response to the unit ({@link #imageResponses}) from its map's {@code cells} values
	 * {@code values[from + s * stride]}, s = 0, 1, ...: by default the largest; Bi-ICE, the mean. The
	 * prototype search reads every unit of an image from one array through it.
	 */
	default double imageResponse(float[] values, int from, int stride, int cells) {
		double max = Double.NEGATIVE_INFINITY;
		for (int p = 0; p < cells; p++) max = Math.max(max, values[from + p * stride]);
		return max;
	}

	/** Non-negative weight from each unit to each class [units][classes]. */
	double[][] classWeights();

	/**
	 * The unit's direction in the backbone's channel space (length c): an InfoDisent part's column of
	 * Q; a Bi-ICE concept's direction in the first round of binding ({@link BiIce#featureDirection}:
	 * its later rounds differ per image).
	 */
	double[] featureDirection(int unit);

	/** Saves the head as a SavedModel (input: the feature map) with conceptscope.json holding classes and metadata. */
	void save(Path dir, List<String> classNames, String backbone, Map<String, Object> metadata) throws IOException;

	/** The class a unit serves most: the largest of its class weights. */
	default int strongestClass(int unit) {
		double[] w = classWeights()[unit];
		int best = 0;
		for (int y = 1; y < w.length; y++) if (w[y] > w[best]) best = y;
		return best;
	}

	/**
	 * Java heap bytes explaining {@code images} images with this head keeps at once: their feature maps at
	 * {@link #layer} (floats; the head reads all of them) and the work of one image's evaluation
	 * ({@link #imageWorkBytes}), for a check before the images go through the backbone.
	 */
	default long explanationBytes(int images) {
		int[] s = featureShape();
		return 4L * images * s[0] * s[1] * s[2] + imageWorkBytes();
	}

	/**
	 * Heap bytes {@link #logits} keeps for each image of the batch: its row of the units' responses (InfoDisent's evidence,
	 * Bi-ICE's activations) and its row of class logits, each a double array of its own.
	 */
	default long logitsBytes() {
		return doubleRowBytes(units()) + doubleRowBytes(numClasses());
	}

	/** A double[] of {@code n} values held in an outer array: its header (16 bytes), the values and the outer array's reference. */
	private static long doubleRowBytes(int n) {
		return 16 + 8L * n + 8;
	}

	/** What {@link #explanationBytes} counts, for a memory sentence: "their feature maps at layer 'L' (h x w x c each: ...)". */
	default String featureMapsNote() {
		int[] s = featureShape();
		return "their feature maps at layer '" + layer() + "' (" + s[0] + " x " + s[1] + " x " + s[2] + " each: the head reads all of them)";
	}

	/** Heap bytes one image's evaluation takes beside the feature maps; by default a few channels x classes matrices of doubles. */
	default long imageWorkBytes() {
		int[] s = featureShape();
		return 8L * 4 * s[2] * Math.max(1, numClasses());
	}

	/** Checks a feature map against the head's input before any computation. */
	default void checkFeatures(FloatTensor features) {
		int[] s = featureShape();
		if (features.rank() != 4 || features.dim(1) != s[0] || features.dim(2) != s[1] || features.dim(3) != s[2]) {
			throw new IllegalArgumentException("This head reads layer '" + layer() + "' as " + s[0] + " x " + s[1] + " x " + s[2]
				+ " feature maps, got " + java.util.Arrays.toString(features.shape()) + ": use the backbone it was trained on.");
		}
	}

	/** Loads a head saved by {@link #save}: its kind from the metadata, its weights from the SavedModel's variables. */
	static InterpretableHead load(Path dir) {
		try (TensorFlowClassifier saved = TensorFlowClassifier.load(dir, LoadOptions.defaults())) {
			Object kind = saved.config().metadata.get(KIND);
			String layer = String.valueOf(saved.config().metadata.get("backbone_layer"));
			long[] in = saved.signature().input().shape();
			int h = (int) in[1], w = (int) in[2], c = (int) in[3];
			if (InfoDisent.NAME.equals(kind)) return InfoDisent.fromSaved(saved, layer, h, w, c);
			if (BiIce.NAME.equals(kind)) return BiIce.fromSaved(saved, layer, h, w, c);
			throw new IllegalArgumentException("The model in " + dir + " is not an interpretable head saved by ConceptScope (its"
				+ " conceptscope.json names no head kind): give a folder written by Train Interpretable Head.");
		}
	}
}
