package org.conceptscope.verify;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;

/**
 * How far TensorFlow's float32 evaluation of the graph can be from the exact (real-number)
 * function that ConceptScope's bounds enclose. Bounds are computed in double for exact
 * arithmetic on the float32 weights, but the model runs in float32: for a margin a few ulps above
 * zero, "lower bound > 0" would not prove that TensorFlow's prediction cannot change. This class
 * gives, for every node and every input of a box, a bound e on |float32 value - exact value|,
 * propagated forward by standard floating-point error analysis (Higham, Accuracy and Stability
 * of Numerical Algorithms, ch. 3): with u = 2^-24 and gamma_n = n u / (1 - n u),
 * <ul>
 * <li>a dot product of n terms, summed in any order, with or without fused multiply-adds, is off
 * by at most gamma_n sum |w_i| |x_i|; ConceptScope charges gamma_{n+4} sum |w_i| (m_i + e_i), m the
 * exact value's magnitude bound from the node's box and e its input's error, which also covers a
 * runtime that folds a batch norm or bias into the weights (two more roundings per product) and
 * the double rounding of ConceptScope's own bound arithmetic (2^-29 of these terms). The input
 * error goes through the exact weights: sum |w_i| e_i. Convolution, dense, average pooling and
 * mean are such sums;</li>
 * <li>an addition, bias, constant multiplication: one rounding, charged gamma_2 of the magnitudes;
 * inference batch norm a (x - mean) + beta with a computed in float32: gamma_6 (|a| (m + e +
 * |mean|) + |beta|), plus |a| e (1 + gamma_6);</li>
 * <li>ReLU, ReLU6, max pooling, reshape are exact in float32 and 1-Lipschitz: the error passes
 * (the largest in a pooling window), and vanishes where the neuron is off for every float input.</li>
 * </ul>
 * The margin of the float logits is then within max_j (e_t + e_j) of the exact margin. Assumptions:
 * IEEE float32 arithmetic with float32 accumulation (TensorFlow's CPU kernels); convolution
 * algorithms that are not sums of products (Winograd, FFT) and reduced-precision modes
 * (TensorFloat-32 on recent GPUs, bfloat16) are not covered.
 */
public final class RoundingError {

	/** Unit roundoff of float32. */
	static final double U = 0x1p-24;

	private RoundingError() {}

	static double gamma(long n) {
		return n * U / (1 - n * U);
	}

	/** The error bound of every node's float32 value, element-wise, for all inputs in the boxes {@code v} (each node's sound bounds). */
	public static Map<String, double[]> of(GraphProgram p, Map<String, Box> v) {
		Map<String, double[]> e = new HashMap<>();
		for (Step s : p.steps) e.put(s.name(), s.op().equals("Placeholder") ? new double[v.get(s.name()).size()] : step(p, s, v, e));
		return e;
	}

	/**
	 * How much the margin of the float32 logits, logit_t - max_{j != t} logit_j, can differ from the
	 * exact margin anywhere in the box: max_{j != t} (e_t + e_j).
	 */
	public static double marginSlack(GraphProgram p, Map<String, Box> v, int target) {
		double[] e = of(p, v).get(p.output);
		double slack = 0;
		for (int j = 0; j < e.length; j++) if (j != target) slack = Math.max(slack, e[target] + e[j]);
		return slack;
	}

	private static double[] magnitude(Box b) {
		double[] m = new double[b.size()];
		for (int i = 0; i < m.length; i++) m[i] = Math.max(Math.abs(b.lo()[i]), Math.abs(b.hi()[i]));
		return m;
	}

	private static double[] step(GraphProgram p, Step s, Map<String, Box> v, Map<String, double[]> errors) {
		List<String> in = s.inputs();
		Box x = v.get(in.get(0));
		double[] e = errors.get(in.get(0));
		switch (s.op()) {
			case "Identity":
			case "Reshape":
				return e.clone();
			case "Relu":
			case "Relu6": {
				double top = s.op().equals("Relu6") ? 6 : Double.POSITIVE_INFINITY;
				double[] out = new double[e.length];
				for (int i = 0; i < out.length; i++) {
					boolean constant = x.hi()[i] + e[i] <= 0 || x.lo()[i] - e[i] >= top; // the same output for every float input
					out[i] = constant ? 0 : e[i];
				}
				return out;
			}
			case "Conv2D":
				return conv(x, e, IntervalPropagation.param(p, s, 1), s);
			case "MatMul":
				return matMul(x, e, IntervalPropagation.param(p, s, 1), s);
			case "BiasAdd":
			case "Add":
			case "AddV2":
			case "Sub": {
				if (v.containsKey(in.get(0)) && in.size() > 1 && v.containsKey(in.get(1))) {
					Box y = v.get(in.get(1));
					if (!java.util.Arrays.equals(x.shape(), y.shape())) {
						throw new UnsupportedOperationException("Operation " + s.op() + " (node '" + s.name() + "') broadcasts: its float32"
							+ " rounding is not bounded here (Occlusion, RISE and Integrated Gradients explain this model).");
					}
					double[] ey = errors.get(in.get(1)), mx = magnitude(x), my = magnitude(y), out = new double[e.length];
					for (int i = 0; i < out.length; i++) out[i] = e[i] + ey[i] + gamma(2) * (mx[i] + e[i] + my[i] + ey[i]);
					return out;
				}
				return withParameter(p, s, v, errors, false);
			}
			case "Mul":
				if (v.containsKey(in.get(0)) && v.containsKey(in.get(1))) {
					throw new UnsupportedOperationException("Operation Mul (node '" + s.name() + "') multiplies two tensors that depend on the"
						+ " image: its float32 rounding is not bounded here (Occlusion, RISE and Integrated Gradients explain this model).");
				}
				return withParameter(p, s, v, errors, true);
			case "FusedBatchNorm":
			case "FusedBatchNormV3": {
				double[] a = IntervalPropagation.batchNormAffine(p, s)[0];
				float[] offset = IntervalPropagation.param(p, s, 2).data(), mean = IntervalPropagation.param(p, s, 3).data();
				double[] m = magnitude(x), out = new double[e.length];
				int c = a.length;
				for (int i = 0; i < out.length; i++) {
					double ai = Math.abs(a[i % c]);
					out[i] = ai * e[i] * (1 + gamma(6)) + gamma(6) * (ai * (m[i] + e[i] + Math.abs(mean[i % c])) + Math.abs(offset[i % c]));
				}
				return out;
			}
			case "MaxPool":
			case "AvgPool":
				return pool(x, e, s, s.op().equals("MaxPool"));
			case "Mean": {
				if (!IntervalPropagation.simpleShapes(p, s, v)) {
					throw new UnsupportedOperationException("Operation Mean (node '" + s.name() + "') is not a spatial mean: its float32"
						+ " rounding is not bounded here (Occlusion, RISE and Integrated Gradients explain this model).");
				}
				long[] shape = x.shape();
				int hw = (int) (shape[1] * shape[2]), c = (int) shape[3];
				double[] m = magnitude(x), out = new double[c];
				for (int q = 0; q < hw; q++) for (int ch = 0; ch < c; ch++) {
					int i = q * c + ch;
					out[ch] += (e[i] + gamma(hw + 2) * (m[i] + e[i])) / hw;
				}
				return out;
			}
			default: {
				double[] moved = movedErrors(p, s, v, errors);
				if (moved != null) return moved;
				throw new UnsupportedOperationException("Operation " + s.op() + " (node '" + s.name() + "') is not supported"
					+ (KerasIntervals.OPS.contains(s.op()) || s.op().equals("Mul") ? ": its float32 rounding is not bounded here"
						+ " (Occlusion, RISE and Integrated Gradients explain this model)." : "."));
			}
		}
	}

	/**
	 * Errors through operations that only move values (StopGradient, Pad, ConcatV2): the same
	 * movement of the error tensors (padding is exact: zero error). A depthwise convolution is a
	 * dot product of kh kw terms per output, charged like a convolution. Null for other operations.
	 */
	private static double[] movedErrors(GraphProgram p, Step s, Map<String, Box> v, Map<String, double[]> errors) {
		Map<String, Box> errs = new HashMap<>();
		for (String in : s.inputs()) {
			double[] e = errors.get(in);
			if (e != null) errs.put(in, new Box(v.get(in).shape(), e, e));
		}
		switch (s.op()) {
			case "StopGradient", "Pad", "ConcatV2" -> {
				if (s.op().equals("ConcatV2")) {
					for (String in : s.inputs().subList(0, s.inputs().size() - 1)) {
						if (!errs.containsKey(in)) errs.put(in, Box.point(p.params.get(in).shape(), new float[p.params.get(in).size()]));
					}
				}
				return KerasIntervals.apply(p, s, errs).lo();
			}
			case "DepthwiseConv2dNative" -> {
				Box x = v.get(s.inputs().get(0));
				FloatTensor k = IntervalPropagation.param(p, s, 1);
				float[] abs = new float[k.size()];
				for (int i = 0; i < abs.length; i++) abs[i] = Math.abs(k.data()[i]);
				FloatTensor absK = new FloatTensor(k.shape(), abs);
				double[] e = errors.get(s.inputs().get(0)), m = magnitude(x), me = new double[e.length];
				for (int i = 0; i < e.length; i++) me[i] = m[i] + e[i];
				double[] through = KerasIntervals.depthwise(new Box(x.shape(), e, e), absK, s.attrs()).lo();
				double[] rounding = KerasIntervals.depthwise(new Box(x.shape(), me, me), absK, s.attrs()).lo();
				double g = gamma(k.dim(0) * k.dim(1) + 4);
				double[] out = new double[through.length];
				for (int i = 0; i < out.length; i++) out[i] = through[i] + g * rounding[i];
				return out;
			}
			default -> {
				return null;
			}
		}
	}

	/**
	 * A tensor plus (or times) a broadcast parameter, in either order: one rounding of the result,
	 * |k| e + gamma_2 (|k| (m + e) + |b|) with k the factor (1 for a sum) and b the addend (0 for a product).
	 */
	private static double[] withParameter(GraphProgram p, Step s, Map<String, Box> v, Map<String, double[]> errors, boolean multiply) {
		List<String> in = s.inputs();
		boolean first = v.containsKey(in.get(0));
		Box data = v.get(in.get(first ? 0 : 1));
		double[] e = errors.get(in.get(first ? 0 : 1)), m = magnitude(data), out = new double[e.length];
		float[] q = p.params.get(in.get(first ? 1 : 0)).data();
		int c = (int) data.dim(data.rank() - 1);
		for (int i = 0; i < out.length; i++) {
			double value = Math.abs(q[q.length == 1 ? 0 : q.length == c ? i % c : i]), k = multiply ? value : 1, b = multiply ? 0 : value;
			out[i] = k * e[i] + gamma(2) * (k * (m[i] + e[i]) + b);
		}
		return out;
	}

	private static double[] conv(Box x, double[] e, FloatTensor kernel, Step s) {
		int cin = (int) x.dim(3);
		long[] ks = kernel.shape();
		int kh = (int) ks[0], kw = (int) ks[1], cout = (int) ks[3];
		int[] os = IntervalPropagation.outSize(x, kh, kw, s.attrs());
		double g = gamma((long) kh * kw * cin + 4);
		double[] m = magnitude(x), err = new double[os[0] * os[1] * cout];
		float[] k = kernel.data();
		IntervalPropagation.windows(x, kh, kw, s.attrs(), (out, in, offset) -> {
			for (int ci = 0; ci < cin; ci++) {
				int src = in * cin + ci, kb = (offset * cin + ci) * cout;
				for (int co = 0; co < cout; co++) {
					double wv = Math.abs(k[kb + co]);
					err[out * cout + co] += wv * e[src] + g * wv * (m[src] + e[src]);
				}
			}
		});
		return err;
	}

	private static double[] matMul(Box x, double[] e, FloatTensor wt, Step s) {
		boolean tb = s.attrs().containsKey("transpose_b") && s.attrs().get("transpose_b").getB();
		int n = x.size();
		long[] ws = wt.shape();
		int out = (int) (tb ? ws[0] : ws[1]);
		double g = gamma(n + 4);
		double[] m = magnitude(x), err = new double[out];
		float[] w = wt.data();
		for (int i = 0; i < n; i++) for (int j = 0; j < out; j++) {
			double wv = Math.abs(tb ? w[j * n + i] : w[i * out + j]);
			err[j] += wv * e[i] + g * wv * (m[i] + e[i]);
		}
		return err;
	}

	private static double[] pool(Box x, double[] e, Step s, boolean max) {
		int[] ks = IntervalPropagation.ints(s.attrs().get("ksize"));
		int c = (int) x.dim(3);
		int[] os = IntervalPropagation.outSize(x, ks[1], ks[2], s.attrs());
		int n = os[0] * os[1];
		double g = gamma((long) ks[1] * ks[2] + 2);
		double[] m = magnitude(x), err = new double[n * c];
		int[] count = new int[n];
		IntervalPropagation.windows(x, ks[1], ks[2], s.attrs(), (out, in, offset) -> {
			count[out]++;
			for (int ch = 0; ch < c; ch++) {
				int o = out * c + ch, src = in * c + ch;
				// max pooling picks one float input: off by at most the largest error; averaging sums them and rounds
				err[o] = max ? Math.max(err[o], e[src]) : err[o] + e[src] + g * (m[src] + e[src]);
			}
		});
		if (!max) for (int o = 0; o < n * c; o++) err[o] /= count[o / c];
		return err;
	}
}
