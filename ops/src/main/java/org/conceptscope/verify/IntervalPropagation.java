package org.conceptscope.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;
import org.tensorflow.proto.AttrValue;

/**
 * Interval bound propagation (IBP) through a {@link GraphProgram}: sound element-wise bounds of
 * every tensor for all inputs in a box. Linear operations use the centre/radius form
 * (centre through W, radius through |W|); monotone ones (ReLU, max pooling) map bounds to
 * bounds. A point box gives the ordinary forward pass, which is how the program is checked
 * against TensorFlow.
 */
public final class IntervalPropagation {

	private IntervalPropagation() {}

	/** Bounds of every step's output for inputs in {@code input} (batch 1). */
	public static Map<String, Box> propagate(GraphProgram p, Box input) {
		Map<String, Box> values = new HashMap<>();
		for (Step s : p.steps) {
			values.put(s.name(), s.op().equals("Placeholder") ? input : apply(p, s, values));
		}
		return values;
	}

	/** Bounds of the logits [1, K]. */
	public static Box logits(GraphProgram p, Box input) {
		return propagate(p, input).get(p.output);
	}

	/** Bounds of one step's output from the bounds of its inputs (already in {@code v}). */
	public static Box apply(GraphProgram p, Step s, Map<String, Box> v) {
		List<String> in = s.inputs();
		if (KerasIntervals.OPS.contains(s.op()) || !simpleShapes(p, s, v)) return KerasIntervals.apply(p, s, v);
		Box x = v.get(in.get(0));
		switch (s.op()) {
			case "Identity":
				return x;
			case "Relu":
				return clamp(x, 0, Double.POSITIVE_INFINITY);
			case "Relu6":
				return clamp(x, 0, 6);
			case "Conv2D":
				return conv2d(x, param(p, s, 1), s.attrs());
			case "BiasAdd":
				return addParam(x, param(p, s, 1), 1);
			case "Add":
			case "AddV2":
			case "Sub": {
				double sign = s.op().equals("Sub") ? -1 : 1;
				if (v.containsKey(in.get(1)) && v.containsKey(in.get(0))) return addBoxes(x, v.get(in.get(1)), sign, s);
				if (v.containsKey(in.get(0))) return addParam(x, p.params.get(in.get(1)), sign);
				Box y = v.get(in.get(1));
				return s.op().equals("Sub") ? addParam(scale(y, -1), p.params.get(in.get(0)), 1) : addParam(y, p.params.get(in.get(0)), 1);
			}
			case "Mul": {
				if (v.containsKey(in.get(0)) && v.containsKey(in.get(1))) {
					throw new UnsupportedOperationException("Node '" + s.name() + "' multiplies two input-dependent tensors; not supported.");
				}
				Box y = v.containsKey(in.get(0)) ? x : v.get(in.get(1));
				FloatTensor c = p.params.get(v.containsKey(in.get(0)) ? in.get(1) : in.get(0));
				return mulParam(y, c);
			}
			case "MaxPool":
				return pool(x, s.attrs(), true);
			case "AvgPool":
				return pool(x, s.attrs(), false);
			case "FusedBatchNorm":
			case "FusedBatchNormV3":
				return batchNorm(x, batchNormAffine(p, s));
			case "Mean":
				return mean(x, param(p, s, 1), s.attrs());
			case "Reshape":
				return reshape(x, param(p, s, 1));
			case "MatMul":
				return matMul(x, param(p, s, 1), s.attrs());
			default:
				throw new UnsupportedOperationException("Operation " + s.op() + " (node '" + s.name() + "') is not supported.");
		}
	}

	/**
	 * Whether an Add/Sub/Mul/Mean step has the shapes the rules below assume: a weight that is a
	 * scalar, one value per channel (last axis) or the whole shape; two data inputs of one shape
	 * (not multiplied); a spatial mean of a feature map. Other cases (any broadcast, products of
	 * two data tensors, means over other axes) go to {@link KerasIntervals}.
	 */
	static boolean simpleShapes(GraphProgram p, Step s, Map<String, Box> v) {
		List<String> in = s.inputs();
		switch (s.op()) {
			case "Add", "AddV2", "Sub", "Mul" -> {
				Box a = v.get(in.get(0)), b = v.get(in.get(1));
				if (a != null && b != null) return !s.op().equals("Mul") && java.util.Arrays.equals(a.shape(), b.shape());
				Box x = a != null ? a : b;
				FloatTensor w = p.params.get(a != null ? in.get(1) : in.get(0));
				if (w == null) return true;
				long[] ws = w.shape(), xs = x.shape();
				if (w.size() == 1 && ws.length <= xs.length) return true;
				if (ws.length == 1 && ws[0] == xs[xs.length - 1]) return true;
				return java.util.Arrays.equals(ws, xs);
			}
			case "Mean" -> {
				Box x = v.get(in.get(0));
				FloatTensor axes = p.params.get(in.get(1));
				if (x == null || axes == null || x.rank() != 4 || axes.size() != 2) return false;
				int a0 = Math.floorMod((int) axes.data()[0], 4), a1 = Math.floorMod((int) axes.data()[1], 4);
				return Math.min(a0, a1) == 1 && Math.max(a0, a1) == 2;
			}
			default -> {
				return true;
			}
		}
	}

	static FloatTensor param(GraphProgram p, Step s, int i) {
		FloatTensor t = p.params.get(s.inputs().get(i));
		if (t == null) {
			throw new UnsupportedOperationException("Input " + i + " of node '" + s.name() + "' (" + s.op()
				+ ") depends on the image; only its first input may.");
		}
		return t;
	}

	static Box clamp(Box x, double min, double max) {
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = Math.min(max, Math.max(min, x.lo()[i]));
			hi[i] = Math.min(max, Math.max(min, x.hi()[i]));
		}
		return new Box(x.shape(), lo, hi);
	}

	static Box scale(Box x, double c) {
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			double a = c * x.lo()[i], b = c * x.hi()[i];
			lo[i] = Math.min(a, b);
			hi[i] = Math.max(a, b);
		}
		return new Box(x.shape(), lo, hi);
	}

	/** Adds a parameter broadcast over the last axis (bias) or a scalar. */
	static Box addParam(Box x, FloatTensor b, double sign) {
		int c = (int) x.dim(x.rank() - 1);
		float[] d = b.data();
		if (!(d.length == 1 || d.length == c || d.length == x.size())) {
			throw new UnsupportedOperationException("Cannot broadcast a parameter of " + d.length + " values over " + x + ".");
		}
		double[] lo = x.lo().clone(), hi = x.hi().clone();
		for (int i = 0; i < lo.length; i++) {
			double v = sign * d[d.length == 1 ? 0 : d.length == c ? i % c : i];
			lo[i] += v;
			hi[i] += v;
		}
		return new Box(x.shape(), lo, hi);
	}

	static Box addBoxes(Box x, Box y, double sign, Step s) {
		if (x.size() != y.size()) throw new UnsupportedOperationException("Node '" + s.name() + "' adds tensors of different shapes.");
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = x.lo()[i] + (sign > 0 ? y.lo()[i] : -y.hi()[i]);
			hi[i] = x.hi()[i] + (sign > 0 ? y.hi()[i] : -y.lo()[i]);
		}
		return new Box(x.shape(), lo, hi);
	}

	static Box mulParam(Box x, FloatTensor m) {
		int c = (int) x.dim(x.rank() - 1);
		float[] d = m.data();
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			double k = d[d.length == 1 ? 0 : d.length == c ? i % c : i];
			double a = k * x.lo()[i], b = k * x.hi()[i];
			lo[i] = Math.min(a, b);
			hi[i] = Math.max(a, b);
		}
		return new Box(x.shape(), lo, hi);
	}

	static int[] ints(AttrValue a) {
		return a.getList().getIList().stream().mapToInt(Long::intValue).toArray();
	}

	static void checkNhwc(Map<String, AttrValue> attrs, String what) {
		AttrValue f = attrs.get("data_format");
		if (f != null && !f.getS().toStringUtf8().equals("NHWC")) {
			throw new UnsupportedOperationException(what + " with data format " + f.getS().toStringUtf8() + "; only NHWC is supported.");
		}
	}

	/** Output size and leading padding of one spatial axis for SAME/VALID. */
	static int[] outAndPad(int size, int k, int stride, String padding) {
		if (padding.equals("VALID")) return new int[] { (size - k) / stride + 1, 0 };
		if (!padding.equals("SAME")) throw new UnsupportedOperationException("Padding " + padding + " is not supported.");
		int out = (size + stride - 1) / stride;
		int total = Math.max((out - 1) * stride + k - size, 0);
		return new int[] { out, total / 2 };
	}

	/** One tap of a sliding window: output position (oy * ow + ox), input position (sy * w + sx), offset in the window (dy * kw + dx). */
	interface Tap {
		void at(int out, int in, int offset);
	}

	/**
	 * Visits every tap of a kh x kw window sliding over an h x w map (TensorFlow's SAME/VALID
	 * padding; taps in the padding are skipped), output positions in order; returns {oh, ow}.
	 */
	static int[] windows(int h, int w, int kh, int kw, int strideY, int strideX, String padding, Tap tap) {
		int[] oy = outAndPad(h, kh, strideY, padding), ox = outAndPad(w, kw, strideX, padding);
		int oh = oy[0], ow = ox[0];
		for (int y = 0; y < oh; y++) for (int xx = 0; xx < ow; xx++) {
			for (int dy = 0; dy < kh; dy++) {
				int sy = y * strideY + dy - oy[1];
				if (sy < 0 || sy >= h) continue;
				for (int dx = 0; dx < kw; dx++) {
					int sx = xx * strideX + dx - ox[1];
					if (sx >= 0 && sx < w) tap.at(y * ow + xx, sy * w + sx, dy * kw + dx);
				}
			}
		}
		return new int[] { oh, ow };
	}

	/** The windows of a convolution or pooling step's attributes (strides and ksize/kernel, padding). */
	static int[] windows(Box x, int kh, int kw, Map<String, AttrValue> attrs, Tap tap) {
		int[] st = ints(attrs.get("strides"));
		return windows((int) x.dim(1), (int) x.dim(2), kh, kw, st[1], st[2], attrs.get("padding").getS().toStringUtf8(), tap);
	}

	/** Output size {oh, ow} of a window op, without visiting. */
	static int[] outSize(Box x, int kh, int kw, Map<String, AttrValue> attrs) {
		int[] st = ints(attrs.get("strides"));
		String padding = attrs.get("padding").getS().toStringUtf8();
		return new int[] { outAndPad((int) x.dim(1), kh, st[1], padding)[0], outAndPad((int) x.dim(2), kw, st[2], padding)[0] };
	}

	static Box conv2d(Box x, FloatTensor kernel, Map<String, AttrValue> attrs) {
		checkNhwc(attrs, "Conv2D");
		AttrValue dil = attrs.get("dilations");
		if (dil != null && java.util.Arrays.stream(ints(dil)).anyMatch(d -> d != 1)) {
			throw new UnsupportedOperationException("Dilated convolutions are not supported.");
		}
		int cin = (int) x.dim(3);
		long[] ks = kernel.shape();
		int kh = (int) ks[0], kw = (int) ks[1], cout = (int) ks[3];
		if (ks[2] != cin) throw new UnsupportedOperationException("Conv2D kernel expects " + ks[2] + " input channels, got " + cin + ".");
		int[] os = outSize(x, kh, kw, attrs);
		float[] k = kernel.data();
		double[] mid = new double[os[0] * os[1] * cout], rad = new double[os[0] * os[1] * cout];
		windows(x, kh, kw, attrs, (out, in, offset) -> {
			for (int ci = 0; ci < cin; ci++) {
				int src = in * cin + ci;
				double m = (x.lo()[src] + x.hi()[src]) / 2, r = (x.hi()[src] - x.lo()[src]) / 2;
				int kb = (offset * cin + ci) * cout;
				for (int co = 0; co < cout; co++) {
					double wv = k[kb + co];
					mid[out * cout + co] += wv * m;
					rad[out * cout + co] += Math.abs(wv) * r;
				}
			}
		});
		return fromMidRad(new long[] { 1, os[0], os[1], cout }, mid, rad);
	}

	static Box fromMidRad(long[] shape, double[] mid, double[] rad) {
		double[] lo = new double[mid.length], hi = new double[mid.length];
		for (int i = 0; i < mid.length; i++) {
			lo[i] = mid[i] - rad[i];
			hi[i] = mid[i] + rad[i];
		}
		return new Box(shape, lo, hi);
	}

	static Box pool(Box x, Map<String, AttrValue> attrs, boolean max) {
		checkNhwc(attrs, max ? "MaxPool" : "AvgPool");
		int[] ks = ints(attrs.get("ksize"));
		int c = (int) x.dim(3);
		int[] os = outSize(x, ks[1], ks[2], attrs);
		int n = os[0] * os[1];
		double[] lo = new double[n * c], hi = new double[n * c];
		int[] count = new int[n];
		if (max) {
			java.util.Arrays.fill(lo, Double.NEGATIVE_INFINITY);
			java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
		}
		windows(x, ks[1], ks[2], attrs, (out, in, offset) -> {
			count[out]++;
			for (int ch = 0; ch < c; ch++) {
				int o = out * c + ch, src = in * c + ch;
				lo[o] = max ? Math.max(lo[o], x.lo()[src]) : lo[o] + x.lo()[src];
				hi[o] = max ? Math.max(hi[o], x.hi()[src]) : hi[o] + x.hi()[src];
			}
		});
		if (!max) {
			// SAME average pooling divides by the valid count, as TensorFlow does
			for (int o = 0; o < n * c; o++) {
				lo[o] /= count[o / c];
				hi[o] /= count[o / c];
			}
		}
		return new Box(new long[] { 1, os[0], os[1], c }, lo, hi);
	}

	/** TensorFlow's FusedBatchNorm attribute defaults: used when a (stripped) graph leaves them out. */
	static final double DEFAULT_EPSILON = 1e-4;

	/**
	 * Inference batch norm of step {@code s} (FusedBatchNorm / V3) as y = a[c] x + b[c]: {a, b}.
	 * A missing {@code is_training} means TensorFlow's default, training mode, which normalises by
	 * the batch's own statistics and is refused.
	 */
	public static double[][] batchNormAffine(GraphProgram p, Step s) {
		FloatTensor scale = param(p, s, 1);
		return batchNormAffine(scale, param(p, s, 2), param(p, s, 3), param(p, s, 4), s.attrs(), scale.size(), s.name());
	}

	static double[][] batchNormAffine(FloatTensor scale, FloatTensor offset, FloatTensor mean, FloatTensor var, Map<String, AttrValue> attrs,
		int c, String node) {
		AttrValue training = attrs.get("is_training");
		if (training == null || training.getB()) {
			throw new UnsupportedOperationException("Batch normalisation node '" + node + "' is in training mode (is_training "
				+ (training == null ? "not set, TensorFlow's default true" : "true") + "): it normalises by each batch's own statistics;"
				+ " export the model for inference (Keras: training=False) so it uses its moving mean and variance.");
		}
		double eps = attrs.containsKey("epsilon") ? attrs.get("epsilon").getF() : DEFAULT_EPSILON;
		double[] a = new double[c], b = new double[c];
		for (int ch = 0; ch < c; ch++) {
			a[ch] = scale.data()[ch] / Math.sqrt(var.data()[ch] + eps);
			b[ch] = offset.data()[ch] - a[ch] * mean.data()[ch];
		}
		return new double[][] { a, b };
	}

	static Box batchNorm(Box x, double[][] ab) {
		int c = (int) x.dim(x.rank() - 1);
		double[] a = ab[0], b = ab[1];
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			double p = a[i % c] * x.lo()[i] + b[i % c], q = a[i % c] * x.hi()[i] + b[i % c];
			lo[i] = Math.min(p, q);
			hi[i] = Math.max(p, q);
		}
		return new Box(x.shape(), lo, hi);
	}

	static Box mean(Box x, FloatTensor axes, Map<String, AttrValue> attrs) {
		int[] ax = new int[axes.size()];
		for (int i = 0; i < ax.length; i++) ax[i] = Math.floorMod((int) axes.data()[i], x.rank());
		boolean spatial = x.rank() == 4 && ax.length == 2 && java.util.Arrays.stream(ax).sorted().toArray()[0] == 1
			&& java.util.Arrays.stream(ax).sorted().toArray()[1] == 2;
		if (!spatial) throw new UnsupportedOperationException("Mean over axes " + java.util.Arrays.toString(ax) + "; only spatial means (global pooling) are supported.");
		boolean keep = attrs.containsKey("keep_dims") && attrs.get("keep_dims").getB();
		int h = (int) x.dim(1), w = (int) x.dim(2), c = (int) x.dim(3);
		double[] lo = new double[c], hi = new double[c];
		for (int p = 0; p < h * w; p++) for (int ch = 0; ch < c; ch++) {
			lo[ch] += x.lo()[p * c + ch] / (h * w);
			hi[ch] += x.hi()[p * c + ch] / (h * w);
		}
		return new Box(keep ? new long[] { 1, 1, 1, c } : new long[] { 1, c }, lo, hi);
	}

	static Box reshape(Box x, FloatTensor shape) {
		long[] s = new long[shape.size()];
		long known = 1;
		int unknown = -1;
		for (int i = 0; i < s.length; i++) {
			s[i] = (long) shape.data()[i];
			if (s[i] < 0) unknown = i;
			else known *= s[i];
		}
		if (unknown >= 0) s[unknown] = x.size() / known;
		if (FloatTensor.sizeOf(s) != x.size()) throw new UnsupportedOperationException("Reshape of " + x + " to " + java.util.Arrays.toString(s) + ".");
		return x.reshape(s);
	}

	static Box matMul(Box x, FloatTensor wt, Map<String, AttrValue> attrs) {
		if (attrs.containsKey("transpose_a") && attrs.get("transpose_a").getB()) throw new UnsupportedOperationException("MatMul with transpose_a is not supported.");
		boolean tb = attrs.containsKey("transpose_b") && attrs.get("transpose_b").getB();
		int n = x.size();
		long[] ws = wt.shape();
		int in = (int) (tb ? ws[1] : ws[0]), out = (int) (tb ? ws[0] : ws[1]);
		if (in != n) throw new UnsupportedOperationException("MatMul of " + n + " inputs with weights " + java.util.Arrays.toString(ws) + ".");
		float[] w = wt.data();
		double[] mid = new double[out], rad = new double[out];
		for (int i = 0; i < n; i++) {
			double m = (x.lo()[i] + x.hi()[i]) / 2, r = (x.hi()[i] - x.lo()[i]) / 2;
			for (int j = 0; j < out; j++) {
				double v = tb ? w[j * in + i] : w[i * out + j];
				mid[j] += v * m;
				rad[j] += Math.abs(v) * r;
			}
		}
		return fromMidRad(new long[] { 1, out }, mid, rad);
	}
}
