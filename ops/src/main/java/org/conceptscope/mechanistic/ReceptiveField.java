package org.conceptscope.mechanistic;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.GraphProgram.Step;
import org.tensorflow.proto.AttrValue;

/**
 * The theoretical receptive field of a pointwise feature vector: the input pixels that can
 * influence it at all, from the graph's structure alone (kernel sizes, strides, padding; global
 * means and dense layers see everything). It bounds every effective receptive field: SRD never
 * gives relevance to a pixel outside it. Through a residual Add the fields of both branches are
 * joined into their bounding box. Also: the pixels that carry most of an ERF
 * ({@link #effectiveSupport}), which is what a Fiji user sees outlined.
 */
public final class ReceptiveField {

	/** A rectangle of input pixels; may reach outside the image (see {@link #clip}). */
	public record Rect(int x, int y, int width, int height) {

		public boolean contains(int px, int py) {
			return px >= x && px < x + width && py >= y && py < y + height;
		}

		/** The part inside a width x height image. */
		public Rect clip(int imageWidth, int imageHeight) {
			int x0 = Math.max(0, x), y0 = Math.max(0, y);
			int x1 = Math.min(imageWidth, x + width), y1 = Math.min(imageHeight, y + height);
			return new Rect(x0, y0, Math.max(0, x1 - x0), Math.max(0, y1 - y0));
		}
	}

	private ReceptiveField() {}

	/**
	 * The field of the PFV at {@code position} (gy * w + gx) of {@code layer}, unclipped.
	 *
	 * @param values every step's value for one image (shapes are what matters), as SRD propagates them
	 */
	public static Rect of(GraphProgram program, Map<String, Box> values, String layer, int position) {
		List<Step> order = program.steps();
		Box at = values.get(layer);
		if (at == null) throw new IllegalArgumentException("Layer '" + layer + "' is not on the path from input to logits.");
		if (at.shape().length != 4) {
			throw new IllegalArgumentException("Layer '" + layer + "' is " + Arrays.toString(at.shape())
				+ ", not a spatial [1, h, w, c] map: its PFVs see the whole image.");
		}
		int w = (int) at.shape()[2], h = (int) at.shape()[1];
		if (position < 0 || position >= w * h) {
			throw new IllegalArgumentException("Position " + position + " outside 0.." + (w * h - 1) + " of layer '" + layer + "'.");
		}
		// Per tensor: {y0, y1, x0, x1} inclusive, in that tensor's own grid; may extend past its edges (padding).
		Map<String, int[]> field = new HashMap<>();
		field.put(layer, new int[] { position / w, position / w, position % w, position % w });
		boolean active = false;
		for (int i = order.size() - 1; i >= 0; i--) {
			Step s = order.get(i);
			if (s.name().equals(layer)) active = true;
			int[] f = field.get(s.name());
			if (!active || f == null || s.op().equals("Placeholder")) continue;
			for (String in : s.inputs()) {
				Box x = values.get(in);
				if (x == null) continue; // a weight
				join(field, in, inputField(program, s, f, x, values.get(s.name())));
			}
		}
		int[] f = field.get(order.get(0).name());
		return new Rect(f[2], f[0], f[3] - f[2] + 1, f[1] - f[0] + 1);
	}

	/** The field in the input of step s of the output field f. */
	private static int[] inputField(GraphProgram program, Step s, int[] f, Box in, Box out) {
		long[] is = in.shape();
		boolean spatialIn = is.length == 4, spatialOut = out.shape().length == 4;
		if (!spatialIn) return new int[] { 0, 0, 0, 0 };
		int h = (int) is[1], w = (int) is[2];
		int[] all = { 0, h - 1, 0, w - 1 };
		switch (s.op()) {
			case "Conv2D": {
				long[] k = program.parameter(s.inputs().get(1)).shape(); // [kh, kw, in, out]
				return window(f, (int) k[0], (int) k[1], ints(s.attrs().get("strides")), padding(s), h, w, out);
			}
			case "MaxPool":
			case "AvgPool": {
				int[] ks = ints(s.attrs().get("ksize"));
				return window(f, ks[1], ks[2], ints(s.attrs().get("strides")), padding(s), h, w, out);
			}
			default:
				// Element-wise steps keep the field; anything that mixes positions (Mean, MatMul, Reshape) sees all of it.
				return spatialOut && Arrays.equals(is, out.shape()) ? f.clone() : all;
		}
	}

	private static int[] window(int[] f, int kh, int kw, int[] st, boolean same, int h, int w, Box out) {
		int oh = (int) out.shape()[1], ow = (int) out.shape()[2];
		int padY = same ? Math.max((oh - 1) * st[1] + kh - h, 0) / 2 : 0, padX = same ? Math.max((ow - 1) * st[2] + kw - w, 0) / 2 : 0;
		return new int[] { f[0] * st[1] - padY, f[1] * st[1] + kh - 1 - padY, f[2] * st[2] - padX, f[3] * st[2] + kw - 1 - padX };
	}

	private static void join(Map<String, int[]> field, String name, int[] f) {
		int[] cur = field.get(name);
		if (cur == null) field.put(name, f);
		else field.put(name, new int[] { Math.min(cur[0], f[0]), Math.max(cur[1], f[1]), Math.min(cur[2], f[2]), Math.max(cur[3], f[3]) });
	}

	private static boolean padding(Step s) {
		return s.attrs().get("padding").getS().toStringUtf8().equals("SAME");
	}

	private static int[] ints(AttrValue a) {
		return a.getList().getIList().stream().mapToInt(Long::intValue).toArray();
	}

	/**
	 * The pixels that carry at least {@code mass} (0..1] of an ERF's absolute relevance, taken by
	 * decreasing |relevance|: the smallest such set. Pixels with no relevance are never included;
	 * an ERF without relevance gives none.
	 */
	public static boolean[] effectiveSupport(float[] erf, double mass) {
		if (!(mass > 0 && mass <= 1)) throw new IllegalArgumentException("The ERF mass must be in (0, 1], got " + mass + ".");
		Integer[] order = new Integer[erf.length];
		double total = 0;
		for (int i = 0; i < erf.length; i++) {
			order[i] = i;
			if (Float.isFinite(erf[i])) total += Math.abs(erf[i]);
		}
		boolean[] in = new boolean[erf.length];
		if (total == 0) return in;
		Arrays.sort(order, (a, b) -> Float.compare(abs(erf[b]), abs(erf[a])));
		double run = 0;
		for (int i : order) {
			float v = abs(erf[i]);
			if (v == 0 || run >= mass * total) break;
			in[i] = true;
			run += v;
		}
		return in;
	}

	private static float abs(float v) {
		return Float.isFinite(v) ? Math.abs(v) : 0;
	}
}
