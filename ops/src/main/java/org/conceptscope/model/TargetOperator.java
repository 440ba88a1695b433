package org.conceptscope.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.conceptscope.tensor.FloatTensor;

/**
 * Which scalar of a model's output an explanation explains, as Xplique's operators say it
 * (Fel et al., Xplique, 2022; its {@code Tasks} operators): a class logit of a classifier, the
 * mean of an output channel over a zone of a segmentation map, one value of a regression. An
 * operator turns outputs [N, ...] into scores [N, K], one per target, and is linear in the
 * outputs, so every attribution method runs unchanged on the scores: perturbation methods read
 * {@link #scores}, gradient methods differentiate {@code sum(outputWeights * outputs)} with
 * {@link #outputWeights} ({@link OperatorClassifier} does both).
 */
public sealed interface TargetOperator permits TargetOperator.ClassLogit, TargetOperator.Value, TargetOperator.Zone {

	/** The keys users write: {@code class}, {@code segmentation}, {@code regression}. */
	List<String> KEYS = List.of("class", "segmentation", "regression");

	/** One of {@link #KEYS}. */
	String key();

	/** One line for metadata and logs. */
	String describe();

	/**
	 * Names of the scores, one per target, for an output of static shape {@code outputShape}
	 * (batch first) whose last axis is named {@code channelNames}.
	 *
	 * @throws IllegalArgumentException in one sentence when the operator does not fit the output
	 */
	List<String> targetNames(long[] outputShape, List<String> channelNames);

	/** Scores [N, K] of outputs [N, ...]. */
	FloatTensor scores(FloatTensor outputs);

	/** Weights on the outputs (shape {@code outputShape}, batch included) for weights [N, K] on the scores. */
	FloatTensor outputWeights(FloatTensor scoreWeights, long[] outputShape);

	/** A classifier's logits [N, K]: target k is logit k (Xplique's predictions operator). */
	static TargetOperator classLogit() {
		return new ClassLogit();
	}

	/** Every value of the output, flattened (Xplique's predictions operator on a regression's output): target i is value i. */
	static TargetOperator regression() {
		return new Value();
	}

	/** Each channel of a dense output [N, H, W, C] averaged over the whole map. */
	static TargetOperator segmentation() {
		return new Zone(null, 0, 0);
	}

	/**
	 * Each channel of a dense output [N, H, W, C] averaged over a zone (Xplique's
	 * semantic_segmentation_operator: the weighted sum over the zone divided by its count of
	 * non-zero weights): {@code mask} holds height x width weights, row by row, usually 0 or 1.
	 *
	 * @throws IllegalArgumentException when the mask is empty, not finite or of another size
	 */
	static TargetOperator segmentation(float[] mask, int width, int height) {
		return new Zone(mask, width, height);
	}

	/**
	 * The operator a key names (a segmentation over the whole map); null or blank gives null
	 * (the caller picks from the output's shape: {@link #forOutput}).
	 *
	 * @throws IllegalArgumentException naming the keys when the key is unknown
	 */
	static TargetOperator parse(String key) {
		if (key == null || key.isBlank()) return null;
		return switch (key.trim().toLowerCase(Locale.ROOT)) {
			case "class" -> classLogit();
			case "segmentation" -> segmentation();
			case "regression" -> regression();
			default -> throw new IllegalArgumentException("Unknown operator '" + key + "'; use one of " + String.join(", ", KEYS) + ".");
		};
	}

	/** The natural operator for an output shape: class logits for [N, K], a whole-map segmentation for [N, H, W, C], values otherwise. */
	static TargetOperator forOutput(long[] outputShape) {
		if (outputShape.length == 2) return classLogit();
		if (outputShape.length == 4) return segmentation();
		return regression();
	}

	/** Logits [N, K] as they are. */
	record ClassLogit() implements TargetOperator {

		@Override
		public String key() {
			return "class";
		}

		@Override
		public String describe() {
			return "class logit";
		}

		@Override
		public List<String> targetNames(long[] outputShape, List<String> channelNames) {
			if (outputShape.length != 2) {
				throw new IllegalArgumentException("The class operator explains a classifier's logits [N, classes], but the model's output is "
					+ Arrays.toString(outputShape) + "; use the segmentation operator for maps [N, H, W, C] or regression for other outputs.");
			}
			return List.copyOf(channelNames);
		}

		@Override
		public FloatTensor scores(FloatTensor outputs) {
			return outputs;
		}

		@Override
		public FloatTensor outputWeights(FloatTensor scoreWeights, long[] outputShape) {
			return scoreWeights;
		}
	}

	/** Every output value, flattened per image. */
	record Value() implements TargetOperator {

		/** More targets than this would make [N, K] score tables larger than the outputs deserve. */
		static final long MAX_VALUES = 1 << 20;

		@Override
		public String key() {
			return "regression";
		}

		@Override
		public String describe() {
			return "output value";
		}

		@Override
		public List<String> targetNames(long[] outputShape, List<String> channelNames) {
			long p = 1;
			for (int i = 1; i < outputShape.length; i++) {
				if (outputShape[i] < 1) {
					throw new IllegalArgumentException("The regression operator needs an output of known size, but the model's output is "
						+ Arrays.toString(outputShape) + " (-1: unknown); use the segmentation operator for maps of any size.");
				}
				p *= outputShape[i];
			}
			if (p > MAX_VALUES) {
				throw new IllegalArgumentException("The model's output " + Arrays.toString(outputShape) + " has " + p + " values, too many to"
					+ " explain one by one; use the segmentation operator with a zone.");
			}
			if (outputShape.length == 2) return List.copyOf(channelNames);
			List<String> names = new ArrayList<>((int) p);
			int[] index = new int[outputShape.length - 1];
			for (long i = 0; i < p; i++) {
				names.add("value " + Arrays.toString(index));
				for (int a = index.length - 1; a >= 0; a--) {
					if (++index[a] < outputShape[a + 1]) break;
					index[a] = 0;
				}
			}
			return names;
		}

		@Override
		public FloatTensor scores(FloatTensor outputs) {
			return outputs.reshape(outputs.dim(0), outputs.stride0());
		}

		@Override
		public FloatTensor outputWeights(FloatTensor scoreWeights, long[] outputShape) {
			return scoreWeights.reshape(outputShape);
		}
	}

	/** Channels of a map [N, H, W, C] averaged over a zone of weights (null: the whole map). */
	record Zone(float[] mask, int width, int height) implements TargetOperator {

		public Zone {
			if (mask != null) {
				if (width < 1 || height < 1 || (long) width * height != mask.length) {
					throw new IllegalArgumentException("A zone of " + width + "x" + height + " pixels needs " + ((long) width * height)
						+ " weights, got " + mask.length + ".");
				}
				mask = mask.clone();
				int nonZero = 0;
				for (float m : mask) {
					if (!Float.isFinite(m)) throw new IllegalArgumentException("The zone's weights contain NaN or infinite values.");
					if (m != 0) nonZero++;
				}
				if (nonZero == 0) throw new IllegalArgumentException("The zone is empty: draw a selection that covers some of the image.");
			}
		}

		@Override
		public float[] mask() {
			return mask == null ? null : mask.clone();
		}

		@Override
		public String key() {
			return "segmentation";
		}

		@Override
		public String describe() {
			return mask == null ? "segmentation channel, mean over the whole map"
				: "segmentation channel, mean over a zone of " + nonZero() + " of " + mask.length + " pixels";
		}

		int nonZero() {
			int n = 0;
			for (float m : mask) if (m != 0) n++;
			return n;
		}

		@Override
		public List<String> targetNames(long[] outputShape, List<String> channelNames) {
			if (outputShape.length != 4) {
				throw new IllegalArgumentException("The segmentation operator explains maps [N, H, W, C], but the model's output is "
					+ Arrays.toString(outputShape) + "; use the class operator for logits [N, classes] or regression for other outputs.");
			}
			if (mask != null) checkSize(outputShape);
			return List.copyOf(channelNames);
		}

		private void checkSize(long[] outputShape) {
			if ((outputShape[1] > 0 && outputShape[1] != height) || (outputShape[2] > 0 && outputShape[2] != width)) {
				throw new IllegalArgumentException("The zone is " + width + "x" + height + " pixels but the model's output map is "
					+ outputShape[2] + "x" + outputShape[1] + "; give a zone of the output's size.");
			}
		}

		@Override
		public FloatTensor scores(FloatTensor outputs) {
			long[] s = outputs.shape();
			if (s.length != 4) throw new IllegalArgumentException("The segmentation operator needs outputs [N, H, W, C], got " + Arrays.toString(s) + ".");
			if (mask != null) checkSize(s);
			int n = (int) s[0], hw = (int) (s[1] * s[2]), c = (int) s[3];
			float[] out = outputs.data(), scores = new float[n * c];
			double count = mask == null ? hw : nonZero();
			for (int i = 0; i < n; i++) {
				double[] sum = new double[c];
				int base = i * hw * c;
				for (int p = 0; p < hw; p++) {
					double m = mask == null ? 1 : mask[p];
					if (m == 0) continue;
					for (int k = 0; k < c; k++) sum[k] += m * out[base + p * c + k];
				}
				for (int k = 0; k < c; k++) scores[i * c + k] = (float) (sum[k] / count);
			}
			return new FloatTensor(new long[] { n, c }, scores);
		}

		@Override
		public FloatTensor outputWeights(FloatTensor scoreWeights, long[] outputShape) {
			if (mask != null) checkSize(outputShape);
			int n = (int) outputShape[0], hw = (int) (outputShape[1] * outputShape[2]), c = (int) outputShape[3];
			float[] w = scoreWeights.data(), out = new float[n * hw * c];
			float count = mask == null ? hw : nonZero();
			for (int i = 0; i < n; i++) {
				for (int p = 0; p < hw; p++) {
					float m = mask == null ? 1 : mask[p];
					if (m == 0) continue;
					for (int k = 0; k < c; k++) out[(i * hw + p) * c + k] = w[i * c + k] * m / count;
				}
			}
			return new FloatTensor(outputShape, out);
		}

		@Override
		public boolean equals(Object o) {
			return o instanceof Zone z && z.width == width && z.height == height && Arrays.equals(z.mask, mask);
		}

		@Override
		public int hashCode() {
			return Arrays.hashCode(mask) * 31 + width * 7 + height;
		}

		@Override
		public String toString() {
			return "Zone[" + describe() + "]";
		}
	}
}
