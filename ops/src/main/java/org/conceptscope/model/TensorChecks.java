package org.conceptscope.model;

import java.util.Arrays;

import org.conceptscope.tensor.FloatTensor;

/**
 * The checks every classifier makes before its runtime sees a tensor (a wrong rank aborts some
 * runtimes), with the sentences users read.
 */
final class TensorChecks {

	private TensorChecks() {}

	/**
	 * A batch of images [N, H, W, C] against the model's input shape (-1: any; a fixed batch size
	 * must divide N).
	 */
	static void images(long[] want, FloatTensor images) {
		long[] got = images.shape();
		if (got.length != 4) {
			throw new IllegalArgumentException("The model expects a batch of images [N, H, W, C] = " + Arrays.toString(want)
				+ " but got a tensor of rank " + got.length + " " + Arrays.toString(got) + ".");
		}
		if (got[0] < 1) throw new IllegalArgumentException("The batch is empty: there is no image to classify.");
		if (want[0] > 0 && got[0] % want[0] != 0) {
			throw new IllegalArgumentException("The model takes batches of exactly " + want[0] + " images; give a multiple of "
				+ want[0] + " images, got " + got[0] + ".");
		}
		String[] names = { "batch", "height", "width", "channels" };
		for (int i = 1; i < 4; i++) {
			if (got[i] < 1) throw new IllegalArgumentException("The image " + names[i] + " is " + got[i] + "; it must be at least 1.");
			if (want[i] > 0 && got[i] != want[i]) {
				String hint = i == 3 ? " Check the channel count of the image (RGB images have 3, composites one per channel)."
					: " Crop or scale the image to " + want[2] + "x" + want[1] + " pixels, or process it in tiles.";
				throw new IllegalArgumentException("The model expects " + names[i] + " " + want[i] + " but the image has "
					+ got[i] + " (input " + Arrays.toString(want) + ", image " + Arrays.toString(got) + ")." + hint);
			}
		}
		int bad = images.firstNonFinite();
		if (bad >= 0) {
			int perImage = images.stride0();
			throw new IllegalArgumentException("Image " + (bad / perImage + 1) + " of the " + got[0] + " in the batch (counting from 1)"
				+ " contains NaN or infinite values"
				+ " after normalisation; replace them (e.g. Process > Math > Remove NaNs) before explaining.");
		}
	}

	/** Class weights [batch, classes], finite. */
	static void classWeights(FloatTensor weights, long batch, int classes) {
		long[] s = weights.shape();
		if (s.length != 2 || s[0] != batch || s[1] != classes) {
			throw new IllegalArgumentException("Class weights must be [" + batch + ", " + classes + "] (one row per image,"
				+ " one column per class), got " + Arrays.toString(s) + ".");
		}
		if (weights.firstNonFinite() >= 0) throw new IllegalArgumentException("Class weights contain NaN or infinite values.");
	}

	/** Weights on a dense output of static shape {@code output} (-1: any), one row per image, finite. */
	static void outputWeights(FloatTensor weights, long batch, long[] output) {
		long[] s = weights.shape();
		boolean ok = s.length == output.length && s[0] == batch;
		for (int i = 1; ok && i < s.length; i++) ok = output[i] < 0 ? s[i] >= 1 : s[i] == output[i];
		if (!ok) {
			throw new IllegalArgumentException("Output weights must have the output's shape " + Arrays.toString(output) + " with batch " + batch
				+ ", got " + Arrays.toString(s) + ".");
		}
		if (weights.firstNonFinite() >= 0) throw new IllegalArgumentException("Output weights contain NaN or infinite values.");
	}

	/** Activations fed to a layer of the given shape (-1: any), finite. */
	static void activations(String layer, long[] want, FloatTensor acts) {
		long[] got = acts.shape();
		boolean ok = got.length == want.length && got.length > 0 && got[0] >= 1;
		for (int i = 1; ok && i < want.length; i++) ok = want[i] < 0 || want[i] == got[i];
		if (!ok) {
			throw new IllegalArgumentException("Activations fed to layer '" + layer + "' must have shape " + Arrays.toString(want)
				+ " (-1: any), got " + Arrays.toString(got) + ".");
		}
		if (acts.firstNonFinite() >= 0) throw new IllegalArgumentException("Activations for layer '" + layer + "' contain NaN or infinite values.");
	}
}
