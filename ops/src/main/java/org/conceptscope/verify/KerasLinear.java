package org.conceptscope.verify;

import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;
import org.conceptscope.verify.LinearBounds.Coeffs;
import org.tensorflow.proto.AttrValue;

/**
 * CROWN's backward rules ({@link LinearBounds}) for the linear operations stock Keras
 * architectures add: zero padding (coefficients on padded cells multiply zeros and drop out),
 * concatenation on channels (the coefficients split by channel range) and depthwise convolution
 * (transposed per channel). All three are exact: no relaxation is involved.
 */
final class KerasLinear {

	private KerasLinear() {}

	/** Zero padding of rows and columns: the window moves back by the leading padding and is clipped to the input. */
	static Coeffs pad(Coeffs a, Box in, FloatTensor paddings, Step s) {
		float[] pd = paddings.data();
		int[] d = LinearBounds.dims(in);
		if (in.rank() != 4 || pd.length != 8 || pd[0] != 0 || pd[1] != 0 || pd[6] != 0 || pd[7] != 0) {
			throw new UnsupportedOperationException("Operation Pad (node '" + s.name() + "') pads other axes than rows and columns; it has no"
				+ " linear relaxation in ConceptScope; use bounds=interval.");
		}
		int top = (int) pd[2], left = (int) pd[4], h = d[0], w = d[1];
		int y0 = Math.max(0, a.y0 - top), y1 = Math.min(h, a.y0 + a.wh - top);
		int x0 = Math.max(0, a.x0 - left), x1 = Math.min(w, a.x0 + a.ww - left);
		Coeffs r = new Coeffs(a.m, y0, x0, Math.max(0, y1 - y0), Math.max(0, x1 - x0), a.c, a.bias);
		for (int y = y0; y < y1; y++) for (int x = x0; x < x1; x++) {
			System.arraycopy(a.a, a.at(0, y + top - a.y0, x + left - a.x0, 0), r.a, r.at(0, y - y0, x - x0, 0), a.c * a.m);
		}
		if (r.wh == 0 || r.ww == 0) return new Coeffs(a.m, 0, 0, 1, 1, a.c, a.bias); // only padding read: a constant
		return r;
	}

	/** Concatenation on the last axis: each data input gets its channel range; a weight input adds its dot product to the constant. */
	static void concat(GraphProgram p, Step s, Coeffs a, Map<String, Box> bounds, Map<String, Coeffs> pending) {
		List<String> in = s.inputs();
		int count = in.size() - 1;
		Box out = bounds.get(s.name());
		int axis = Math.floorMod((int) IntervalPropagation.param(p, s, count).data()[0], out.rank());
		if (axis != out.rank() - 1) {
			throw new UnsupportedOperationException("Operation ConcatV2 (node '" + s.name() + "') joins along axis " + axis + ", not channels;"
				+ " it has no linear relaxation in ConceptScope; use bounds=interval.");
		}
		int from = 0;
		for (int k = 0; k < count; k++) {
			String name = in.get(k);
			Box b = bounds.get(name);
			FloatTensor param = b == null ? p.params.get(name) : null;
			long[] shape = b != null ? b.shape() : param.shape();
			int ck = (int) shape[shape.length - 1];
			if (b != null) {
				Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, ck, new double[a.m]);
				for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
					System.arraycopy(a.a, a.at(0, y, x, from), r.a, r.at(0, y, x, 0), ck * a.m);
				}
				if (k == firstData(in, bounds, count)) System.arraycopy(a.bias, 0, r.bias, 0, a.m); // the constant goes one way only
				LinearBounds.add(pending, name, r);
			} else {
				throw new UnsupportedOperationException("Operation ConcatV2 (node '" + s.name() + "') joins a constant to the image's features;"
					+ " it has no linear relaxation in ConceptScope; use bounds=interval.");
			}
			from += ck;
		}
	}

	private static int firstData(List<String> in, Map<String, Box> bounds, int count) {
		for (int k = 0; k < count; k++) if (bounds.containsKey(in.get(k))) return k;
		return -1;
	}

	/** Transposed depthwise convolution: output channel ci * mult + q flows back to input channel ci only. */
	static Coeffs depthwise(Coeffs a, Box in, FloatTensor kernel, Map<String, AttrValue> attrs, long[] macs) {
		int[] d = LinearBounds.dims(in);
		int h = d[0], w = d[1], cin = d[2];
		int[] st = IntervalPropagation.ints(attrs.get("strides"));
		String padding = attrs.get("padding").getS().toStringUtf8();
		long[] ks = kernel.shape();
		int kh = (int) ks[0], kw = (int) ks[1], mult = (int) ks[3];
		int py = IntervalPropagation.outAndPad(h, kh, st[1], padding)[1], px = IntervalPropagation.outAndPad(w, kw, st[2], padding)[1];
		int[] wy = LinearBounds.window(a.y0, a.wh, kh, st[1], py, h), wx = LinearBounds.window(a.x0, a.ww, kw, st[2], px, w);
		Coeffs r = new Coeffs(a.m, wy[0], wx[0], wy[1], wx[1], cin, a.bias);
		float[] k = kernel.data();
		int m = a.m;
		long count = 0;
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int src = a.at(0, y, x, 0);
			for (int dy = 0; dy < kh; dy++) {
				int iy = (a.y0 + y) * st[1] + dy - py;
				if (iy < 0 || iy >= h) continue;
				for (int dx = 0; dx < kw; dx++) {
					int ix = (a.x0 + x) * st[2] + dx - px;
					if (ix < 0 || ix >= w) continue;
					int dst = r.at(0, iy - wy[0], ix - wx[0], 0), tap = (dy * kw + dx) * cin;
					for (int ci = 0; ci < cin; ci++) {
						for (int q = 0; q < mult; q++) {
							double kv = k[(tap + ci) * mult + q];
							int from = src + (ci * mult + q) * m, to = dst + ci * m;
							for (int sp = 0; sp < m; sp++) r.a[to + sp] += kv * a.a[from + sp];
							count += m;
						}
					}
				}
			}
		}
		if (macs != null) macs[0] += count;
		return r;
	}
}
