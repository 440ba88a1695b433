package org.conceptscope.verify;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;
import org.tensorflow.proto.AttrValue;

/**
 * Interval rules for the operations stock Keras architectures add to the small CNNs'
 * (ResNet's and DenseNet's zero padding and concatenation, MobileNet's depthwise convolution,
 * EfficientNet's swish and squeeze-and-excitation, a Vision Transformer's layer normalisation,
 * attention and GELU): element-wise ops broadcast as NumPy does, products of two input-dependent
 * tensors take the extremes of the four corner products, monotone functions map bounds to bounds.
 * A point box gives the exact forward pass (each rule is exact on points), which is how these
 * rules are checked against TensorFlow. Shapes of any rank; batch 1.
 */
final class KerasIntervals {

	/** The operation types handled here (beyond {@link IntervalPropagation}'s). */
	static final Set<String> OPS = Set.of("StopGradient", "Pad", "PadV2", "ConcatV2", "DepthwiseConv2dNative", "Sigmoid", "Erf",
		"Rsqrt", "Softmax", "SquaredDifference", "RealDiv", "Transpose", "BatchMatMulV2", "BatchMatMul", "BatchMatMulV3", "Neg", "Square",
		"ExpandDims", "Squeeze");

	private KerasIntervals() {}

	/** Bounds of step s's output; null when the step is not one of {@link #OPS} nor a broadcasting case of Add/Sub/Mul/Mean. */
	static Box apply(GraphProgram p, Step s, Map<String, Box> v) {
		List<String> in = s.inputs();
		switch (s.op()) {
			case "StopGradient":
				return v.get(in.get(0));
			case "Pad":
			case "PadV2":
				return pad(v.get(in.get(0)), IntervalPropagation.param(p, s, 1),
					s.op().equals("PadV2") ? IntervalPropagation.param(p, s, 2).data()[0] : 0);
			case "ConcatV2":
				return concat(p, s, v);
			case "DepthwiseConv2dNative":
				return depthwise(v.get(in.get(0)), IntervalPropagation.param(p, s, 1), s.attrs());
			case "Sigmoid":
				return monotone(v.get(in.get(0)), x -> 1 / (1 + Math.exp(-x)));
			case "Erf":
				return monotone(v.get(in.get(0)), KerasIntervals::erf);
			case "Neg":
				return IntervalPropagation.scale(v.get(in.get(0)), -1);
			case "Rsqrt": {
				Box x = v.get(in.get(0));
				double[] lo = new double[x.size()], hi = new double[x.size()];
				for (int i = 0; i < lo.length; i++) {
					lo[i] = x.hi()[i] <= 0 ? Double.POSITIVE_INFINITY : 1 / Math.sqrt(x.hi()[i]);
					hi[i] = x.lo()[i] <= 0 ? Double.POSITIVE_INFINITY : 1 / Math.sqrt(x.lo()[i]);
				}
				return new Box(x.shape(), lo, hi);
			}
			case "Square": {
				Box x = v.get(in.get(0));
				return square(x);
			}
			case "Softmax":
				return softmax(v.get(in.get(0)));
			case "SquaredDifference":
				return square(binary(operand(p, v, in.get(0)), operand(p, v, in.get(1)), '-'));
			case "Add":
			case "AddV2":
				return binary(operand(p, v, in.get(0)), operand(p, v, in.get(1)), '+');
			case "Sub":
				return binary(operand(p, v, in.get(0)), operand(p, v, in.get(1)), '-');
			case "Mul":
				return binary(operand(p, v, in.get(0)), operand(p, v, in.get(1)), '*');
			case "RealDiv": {
				FloatTensor d = p.params.get(in.get(1));
				if (d == null) throw new UnsupportedOperationException("Node '" + s.name() + "' divides by a tensor that depends on the image; not supported.");
				float[] r = new float[d.size()];
				for (int i = 0; i < r.length; i++) r[i] = 1 / d.data()[i];
				return binary(operand(p, v, in.get(0)), Box.point(d.shape(), r), '*');
			}
			case "Mean":
				return mean(v.get(in.get(0)), IntervalPropagation.param(p, s, 1), s.attrs());
			case "Transpose":
				return transpose(v.get(in.get(0)), IntervalPropagation.param(p, s, 1));
			case "ExpandDims":
			case "Squeeze":
				return v.get(in.get(0)).reshape(shapeOf(p, s, v));
			case "BatchMatMulV2":
			case "BatchMatMul":
			case "BatchMatMulV3":
				return batchMatMul(operand(p, v, in.get(0)), operand(p, v, in.get(1)), flag(s.attrs(), "adj_x"), flag(s.attrs(), "adj_y"));
			default:
				return null;
		}
	}

	/** ExpandDims / Squeeze: the same values in a shape with size-1 axes added or removed. */
	private static long[] shapeOf(GraphProgram p, Step s, Map<String, Box> v) {
		long[] x = v.get(s.inputs().get(0)).shape();
		java.util.List<Long> out = new java.util.ArrayList<>();
		if (s.op().equals("ExpandDims")) {
			int axis = (int) IntervalPropagation.param(p, s, 1).data()[0];
			axis = axis < 0 ? axis + x.length + 1 : axis;
			for (long d : x) out.add(d);
			out.add(axis, 1L);
		} else {
			AttrValue dims = s.attrs().get("squeeze_dims");
			Set<Integer> drop = new java.util.HashSet<>();
			if (dims != null) for (long d : dims.getList().getIList()) drop.add((int) Math.floorMod(d, x.length));
			for (int i = 0; i < x.length; i++) if (!(x[i] == 1 && (drop.isEmpty() || drop.contains(i)))) out.add(x[i]);
		}
		return out.stream().mapToLong(Long::longValue).toArray();
	}

	static boolean flag(Map<String, AttrValue> attrs, String k) {
		return attrs.containsKey(k) && attrs.get(k).getB();
	}

	/** A data input's bounds, or a weight as a point box. */
	static Box operand(GraphProgram p, Map<String, Box> v, String name) {
		Box b = v.get(name);
		if (b != null) return b;
		FloatTensor t = p.params.get(name);
		if (t == null) throw new IllegalStateException("No value for node '" + name + "'.");
		return Box.point(t.shape(), t.data());
	}

	interface Fn {
		double f(double x);
	}

	static Box monotone(Box x, Fn f) {
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = f.f(x.lo()[i]);
			hi[i] = f.f(x.hi()[i]);
		}
		return new Box(x.shape(), lo, hi);
	}

	static Box square(Box x) {
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int i = 0; i < lo.length; i++) {
			double a = x.lo()[i], b = x.hi()[i];
			lo[i] = a >= 0 ? a * a : b <= 0 ? b * b : 0;
			hi[i] = Math.max(a * a, b * b);
		}
		return new Box(x.shape(), lo, hi);
	}

	/** The error function, to double precision (Abramowitz-Stegun 7.1.26 is too coarse; this uses the series and continued fraction). */
	static double erf(double x) {
		if (Double.isNaN(x)) return x;
		double ax = Math.abs(x);
		double r;
		if (ax < 2.5) { // Taylor series: 2/sqrt(pi) sum (-1)^n x^(2n+1) / (n! (2n+1))
			double term = ax, sum = ax, x2 = ax * ax;
			for (int n = 1; n < 200; n++) {
				term *= -x2 / n;
				double t = term / (2 * n + 1);
				sum += t;
				if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
			}
			r = 2 / Math.sqrt(Math.PI) * sum;
		} else if (ax > 6) {
			r = 1;
		} else { // erfc by Lentz's continued fraction
			double tiny = 1e-300, x2 = ax * ax;
			// erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
			double f = ax, c = ax, d = 0;
			for (int n = 1; n < 300; n++) {
				double an = n / 2.0;
				d = ax + an * d;
				d = Math.abs(d) < tiny ? tiny : d;
				c = ax + an / c;
				c = Math.abs(c) < tiny ? tiny : c;
				d = 1 / d;
				double delta = c * d;
				f *= delta;
				if (Math.abs(delta - 1) < 1e-16) break;
			}
			r = 1 - Math.exp(-x2) / Math.sqrt(Math.PI) / f;
		}
		return x < 0 ? -r : r;
	}

	/**
	 * Softmax over the last axis: output j is increasing in its own logit and decreasing in the
	 * others, so its bounds are 1 / (1 + sum_{i != j} exp(x_i - x_j)) at the opposite corners
	 * (written this way, no 0/0 when the exponentials underflow).
	 */
	static Box softmax(Box x) {
		long[] s = x.shape();
		int k = (int) s[s.length - 1], rows = x.size() / k;
		double[] lo = new double[x.size()], hi = new double[x.size()];
		for (int r = 0; r < rows; r++) {
			int o = r * k;
			for (int j = 0; j < k; j++) {
				double a = 0, b = 0;
				for (int i = 0; i < k; i++) {
					if (i == j) continue;
					a += Math.exp(x.hi()[o + i] - x.lo()[o + j]);
					b += Math.exp(x.lo()[o + i] - x.hi()[o + j]);
				}
				lo[o + j] = Double.isNaN(a) ? 0 : 1 / (1 + a);
				hi[o + j] = Double.isNaN(b) ? 1 : 1 / (1 + b);
			}
		}
		return new Box(s, lo, hi);
	}

	/** A product in interval arithmetic: 0 times anything (even an unbounded end) is 0. */
	static double times(double a, double b) {
		return a == 0 || b == 0 ? 0 : a * b;
	}

	/** The NumPy broadcast of two shapes. */
	static long[] broadcastShape(long[] a, long[] b) {
		int r = Math.max(a.length, b.length);
		long[] o = new long[r];
		for (int i = 0; i < r; i++) {
			long x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1, y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
			if (x != y && x != 1 && y != 1) {
				throw new UnsupportedOperationException("Shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast.");
			}
			o[i] = Math.max(x, y);
		}
		return o;
	}

	/** For every element of the broadcast shape {@code out}, the index into a tensor of shape {@code s}. */
	static int[] broadcastIndex(long[] s, long[] out) {
		int n = (int) FloatTensor.sizeOf(out);
		int[] idx = new int[n];
		int r = out.length;
		long[] stride = new long[r];
		long st = 1;
		for (int i = r - 1; i >= 0; i--) {
			int j = i - (r - s.length);
			long d = j >= 0 ? s[j] : 1;
			stride[i] = d == 1 ? 0 : st;
			st *= d;
		}
		int[] pos = new int[r];
		for (int e = 0; e < n; e++) {
			long k = 0;
			for (int i = 0; i < r; i++) k += pos[i] * stride[i];
			idx[e] = (int) k;
			for (int i = r - 1; i >= 0; i--) {
				if (++pos[i] < out[i]) break;
				pos[i] = 0;
			}
		}
		return idx;
	}

	/** a + b, a - b or a * b with broadcasting. */
	static Box binary(Box a, Box b, char op) {
		long[] out = broadcastShape(a.shape(), b.shape());
		int[] ia = broadcastIndex(a.shape(), out), ib = broadcastIndex(b.shape(), out);
		double[] lo = new double[ia.length], hi = new double[ia.length];
		for (int e = 0; e < ia.length; e++) {
			double al = a.lo()[ia[e]], ah = a.hi()[ia[e]], bl = b.lo()[ib[e]], bh = b.hi()[ib[e]];
			switch (op) {
				case '+' -> {
					lo[e] = al + bl;
					hi[e] = ah + bh;
				}
				case '-' -> {
					lo[e] = al - bh;
					hi[e] = ah - bl;
				}
				default -> {
					double p1 = times(al, bl), p2 = times(al, bh), p3 = times(ah, bl), p4 = times(ah, bh);
					lo[e] = Math.min(Math.min(p1, p2), Math.min(p3, p4));
					hi[e] = Math.max(Math.max(p1, p2), Math.max(p3, p4));
				}
			}
		}
		return new Box(out, lo, hi);
	}

	static Box pad(Box x, FloatTensor paddings, double value) {
		long[] s = x.shape();
		int r = s.length;
		if (paddings.size() != 2 * r) throw new UnsupportedOperationException("Pad with " + paddings.size() + " paddings for rank " + r + ".");
		long[] o = new long[r];
		int[] before = new int[r];
		for (int i = 0; i < r; i++) {
			before[i] = (int) paddings.data()[2 * i];
			o[i] = s[i] + before[i] + (long) paddings.data()[2 * i + 1];
		}
		int n = (int) FloatTensor.sizeOf(o);
		double[] lo = new double[n], hi = new double[n];
		Arrays.fill(lo, value);
		Arrays.fill(hi, value);
		int[] pos = new int[r];
		for (int e = 0; e < x.size(); e++) {
			long k = 0;
			for (int i = 0; i < r; i++) k = k * o[i] + pos[i] + before[i];
			lo[(int) k] = x.lo()[e];
			hi[(int) k] = x.hi()[e];
			for (int i = r - 1; i >= 0; i--) {
				if (++pos[i] < s[i]) break;
				pos[i] = 0;
			}
		}
		return new Box(o, lo, hi);
	}

	static Box concat(GraphProgram p, Step s, Map<String, Box> v) {
		List<String> in = s.inputs();
		int count = in.size() - 1;
		FloatTensor axisT = p.params.get(in.get(count));
		if (axisT == null) throw new UnsupportedOperationException("ConcatV2 node '" + s.name() + "' has an axis that depends on the image.");
		Box[] parts = new Box[count];
		for (int i = 0; i < count; i++) parts[i] = operand(p, v, in.get(i));
		long[] s0 = parts[0].shape();
		int r = s0.length, axis = Math.floorMod((int) axisT.data()[0], r);
		long outer = 1, total = 0;
		for (int i = 0; i < axis; i++) outer *= s0[i];
		long[] inner = new long[count];
		for (int k = 0; k < count; k++) {
			long[] sk = parts[k].shape();
			inner[k] = 1;
			for (int i = axis; i < r; i++) inner[k] *= sk[i];
			total += sk[axis];
		}
		long[] o = s0.clone();
		o[axis] = total;
		int n = (int) FloatTensor.sizeOf(o);
		double[] lo = new double[n], hi = new double[n];
		int at = 0;
		for (long b = 0; b < outer; b++) {
			for (int k = 0; k < count; k++) {
				System.arraycopy(parts[k].lo(), (int) (b * inner[k]), lo, at, (int) inner[k]);
				System.arraycopy(parts[k].hi(), (int) (b * inner[k]), hi, at, (int) inner[k]);
				at += inner[k];
			}
		}
		return new Box(o, lo, hi);
	}

	/** Depthwise convolution: output channel ci * multiplier + m reads input channel ci only. */
	static Box depthwise(Box x, FloatTensor kernel, Map<String, AttrValue> attrs) {
		IntervalPropagation.checkNhwc(attrs, "DepthwiseConv2dNative");
		AttrValue dil = attrs.get("dilations");
		if (dil != null && Arrays.stream(IntervalPropagation.ints(dil)).anyMatch(d -> d != 1)) {
			throw new UnsupportedOperationException("Dilated depthwise convolutions are not supported.");
		}
		int cin = (int) x.dim(3);
		long[] ks = kernel.shape();
		int kh = (int) ks[0], kw = (int) ks[1], mult = (int) ks[3], cout = cin * mult;
		if (ks[2] != cin) throw new UnsupportedOperationException("Depthwise kernel expects " + ks[2] + " input channels, got " + cin + ".");
		int[] os = IntervalPropagation.outSize(x, kh, kw, attrs);
		float[] k = kernel.data();
		double[] mid = new double[os[0] * os[1] * cout], rad = new double[mid.length];
		IntervalPropagation.windows(x, kh, kw, attrs, (out, in, offset) -> {
			for (int ci = 0; ci < cin; ci++) {
				int src = in * cin + ci;
				double m = (x.lo()[src] + x.hi()[src]) / 2, r = (x.hi()[src] - x.lo()[src]) / 2;
				for (int q = 0; q < mult; q++) {
					double wv = k[(offset * cin + ci) * mult + q];
					int o = out * cout + ci * mult + q;
					mid[o] += wv * m;
					rad[o] += Math.abs(wv) * r;
				}
			}
		});
		return IntervalPropagation.fromMidRad(new long[] { 1, os[0], os[1], cout }, mid, rad);
	}

	/** Mean over any axes (keep_dims or not). */
	static Box mean(Box x, FloatTensor axes, Map<String, AttrValue> attrs) {
		long[] s = x.shape();
		int r = s.length;
		boolean[] reduced = new boolean[r];
		for (float a : axes.data()) reduced[Math.floorMod((int) a, r)] = true;
		boolean keep = flag(attrs, "keep_dims");
		long[] full = s.clone();
		java.util.List<Long> out = new java.util.ArrayList<>();
		long count = 1;
		for (int i = 0; i < r; i++) {
			if (reduced[i]) {
				full[i] = 1;
				count *= s[i];
				if (keep) out.add(1L);
			} else {
				out.add(s[i]);
			}
		}
		int n = (int) FloatTensor.sizeOf(full);
		double[] lo = new double[n], hi = new double[n];
		int[] pos = new int[r];
		for (int e = 0; e < x.size(); e++) {
			long k = 0;
			for (int i = 0; i < r; i++) k = k * full[i] + (reduced[i] ? 0 : pos[i]);
			lo[(int) k] += x.lo()[e] / count;
			hi[(int) k] += x.hi()[e] / count;
			for (int i = r - 1; i >= 0; i--) {
				if (++pos[i] < s[i]) break;
				pos[i] = 0;
			}
		}
		return new Box(out.stream().mapToLong(Long::longValue).toArray(), lo, hi);
	}

	static Box transpose(Box x, FloatTensor permT) {
		long[] s = x.shape();
		int r = s.length;
		int[] perm = new int[r];
		for (int i = 0; i < r; i++) perm[i] = (int) permT.data()[i];
		long[] o = new long[r];
		for (int i = 0; i < r; i++) o[i] = s[perm[i]];
		long[] stride = new long[r];
		long st = 1;
		for (int i = r - 1; i >= 0; i--) {
			stride[i] = st;
			st *= s[i];
		}
		double[] lo = new double[x.size()], hi = new double[x.size()];
		int[] pos = new int[r];
		for (int e = 0; e < lo.length; e++) {
			long k = 0;
			for (int i = 0; i < r; i++) k += pos[i] * stride[perm[i]];
			lo[e] = x.lo()[(int) k];
			hi[e] = x.hi()[(int) k];
			for (int i = r - 1; i >= 0; i--) {
				if (++pos[i] < o[i]) break;
				pos[i] = 0;
			}
		}
		return new Box(o, lo, hi);
	}

	/** Batched matrix products [..., n, k] x [..., k, m] with broadcast batch axes; each term by its interval product. */
	static Box batchMatMul(Box a, Box b, boolean adjA, boolean adjB) {
		long[] sa = a.shape(), sb = b.shape();
		if (sa.length < 2 || sb.length < 2) throw new UnsupportedOperationException("BatchMatMul of rank below 2.");
		int n = (int) (adjA ? sa[sa.length - 1] : sa[sa.length - 2]), k = (int) (adjA ? sa[sa.length - 2] : sa[sa.length - 1]);
		int kb = (int) (adjB ? sb[sb.length - 1] : sb[sb.length - 2]), m = (int) (adjB ? sb[sb.length - 2] : sb[sb.length - 1]);
		if (k != kb) throw new UnsupportedOperationException("BatchMatMul of " + Arrays.toString(sa) + " and " + Arrays.toString(sb) + ".");
		long[] ba = Arrays.copyOf(sa, sa.length - 2), bb = Arrays.copyOf(sb, sb.length - 2);
		long[] batch = broadcastShape(ba, bb);
		int[] ia = broadcastIndex(ba, batch), ib = broadcastIndex(bb, batch);
		long[] o = Arrays.copyOf(batch, batch.length + 2);
		o[batch.length] = n;
		o[batch.length + 1] = m;
		double[] lo = new double[(int) FloatTensor.sizeOf(o)], hi = new double[lo.length];
		int sizeA = n * k, sizeB = k * m;
		boolean pointA = isPoint(a), pointB = isPoint(b);
		for (int e = 0; e < ia.length; e++) {
			int oa = ia[e] * sizeA, ob = ib[e] * sizeB, oo = e * n * m;
			for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) {
				double l = 0, h = 0;
				for (int t = 0; t < k; t++) {
					int x = oa + (adjA ? t * n + i : i * k + t), y = ob + (adjB ? j * k + t : t * m + j);
					double al = a.lo()[x], ah = a.hi()[x], bl = b.lo()[y], bh = b.hi()[y];
					if (pointA && pointB) {
						l += al * bl;
						h += al * bl;
						continue;
					}
					double p1 = times(al, bl), p2 = times(al, bh), p3 = times(ah, bl), p4 = times(ah, bh);
					l += Math.min(Math.min(p1, p2), Math.min(p3, p4));
					h += Math.max(Math.max(p1, p2), Math.max(p3, p4));
				}
				lo[oo + i * m + j] = l;
				hi[oo + i * m + j] = h;
			}
		}
		return new Box(o, lo, hi);
	}

	static boolean isPoint(Box b) {
		for (int i = 0; i < b.size(); i++) if (b.lo()[i] != b.hi()[i]) return false;
		return true;
	}
}
