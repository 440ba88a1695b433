package org.conceptscope.fiji;

import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.Explanation;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ColorProcessor;

import java.util.List;
import java.util.Map;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.tensor.FloatTensor;

/** Explanations with known maps, for testing the writers without a model. */
public final class SyntheticExplanations {

	public static final List<String> CLASSES = List.of("background", "hematoxylin", "DAB-positive");

	private SyntheticExplanations() {}

	/** An RGB stack of n slices (w x h) with map value (y * w + x) + 1000 * b, target b % 3. */
	public static Explanation rgbRamp(int w, int h, int n) {
		ImageStack stack = new ImageStack(w, h);
		for (int b = 0; b < n; b++) {
			ColorProcessor cp = new ColorProcessor(w, h);
			for (int i = 0; i < w * h; i++) cp.set(i, ((i % 256) << 16) | ((b * 40) << 8) | 255);
			stack.addSlice("patch " + b, cp);
		}
		ImagePlus imp = new ImagePlus("ramp.tif", stack);
		float[] maps = new float[n * h * w];
		for (int i = 0; i < maps.length; i++) maps[i] = i % (w * h) + 1000 * (i / (w * h));
		int[] targets = new int[n];
		float[] probs = new float[n * 3];
		for (int b = 0; b < n; b++) {
			targets[b] = b % 3;
			probs[b * 3 + targets[b]] = 1f;
		}
		Attribution a = new Attribution(new FloatTensor(new long[] { n, h, w }, maps), targets, Map.of("method", "ramp"));
		return new Explanation(imp, new BatchIndex(n, 1), CLASSES, new FloatTensor(new long[] { n, 3 }, probs), targets, a,
			"ramp", "synthetic");
	}
}
