package org.conceptscope.mechanistic;

import java.util.List;
import java.util.Map;

import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.GraphProgram.Step;

/**
 * SRD's sharing rules for the operations stock Keras architectures add between feature maps.
 * Zero padding moves each PFV to its place (padded PFVs are zero vectors: nothing reaches them
 * from the layer above, since their contribution to any PFV is zero). Channel concatenation
 * (DenseNet) puts several PFVs side by side in one: part k's contribution to the joined PFV z is
 * z's own part, so its sharing ratio is |z_k|^2 / |z|^2 and the ratios add up to one.
 */
final class KerasSharing {

	private KerasSharing() {}

	/** Relevance of a padded map's PFVs back to the unpadded positions; what sat on padding (none in practice) is returned as lost. */
	static double pad(Step s, Map<String, Box> v, Map<String, double[]> rel, double[] r, GraphProgram program) {
		String in = s.inputs().get(0);
		long[] x = v.get(in).shape(), o = v.get(s.name()).shape();
		float[] pd = program.parameter(s.inputs().get(1)).data();
		if (x.length != 4 || pd[0] != 0 || pd[1] != 0 || pd[6] != 0 || pd[7] != 0) {
			throw new UnsupportedOperationException("SRD does not support Pad (node '" + s.name() + "') on other axes than rows and columns;"
				+ " Grad-CAM and Integrated Gradients explain this model.");
		}
		int h = (int) x[1], w = (int) x[2], ow = (int) o[2], top = (int) pd[2], left = (int) pd[4];
		double[] out = rel.computeIfAbsent(in, k -> new double[h * w]);
		double lost = 0;
		for (int q = 0; q < r.length; q++) {
			int y = q / ow - top, xx = q % ow - left;
			if (y >= 0 && y < h && xx >= 0 && xx < w) out[y * w + xx] += r[q];
			else lost += r[q];
		}
		return lost;
	}

	/** Channel concatenation: each part's share of a joined PFV is its squared norm over the joined PFV's. */
	static double concat(Step s, Map<String, Box> v, Map<String, double[]> rel, double[] r) {
		List<String> in = s.inputs();
		Box out = v.get(s.name());
		long[] o = out.shape();
		if (o.length != 4) {
			throw new UnsupportedOperationException("SRD does not support ConcatV2 (node '" + s.name() + "') of " + o.length + "-d tensors;"
				+ " Grad-CAM and Integrated Gradients explain this model.");
		}
		int positions = (int) (o[1] * o[2]), c = (int) o[3];
		double[] z = out.lo();
		double lost = 0;
		int from = 0;
		double[] norm = new double[positions];
		for (int q = 0; q < positions; q++) for (int ch = 0; ch < c; ch++) norm[q] += z[q * c + ch] * z[q * c + ch];
		for (int k = 0; k < in.size() - 1; k++) {
			Box part = v.get(in.get(k));
			long[] ps = part == null ? null : part.shape();
			int ck = ps == null ? 0 : (int) ps[3];
			if (part == null) {
				throw new UnsupportedOperationException("SRD does not support ConcatV2 (node '" + s.name() + "') with a constant part;"
					+ " Grad-CAM and Integrated Gradients explain this model.");
			}
			if (ps[1] * ps[2] != positions) throw new UnsupportedOperationException("ConcatV2 (node '" + s.name() + "') not on channels.");
			double[] target = rel.computeIfAbsent(in.get(k), key -> new double[positions]);
			for (int q = 0; q < positions; q++) {
				if (r[q] == 0 || norm[q] == 0) continue;
				double d = 0;
				for (int ch = from; ch < from + ck; ch++) d += z[q * c + ch] * z[q * c + ch];
				target[q] += d / norm[q] * r[q];
			}
			from += ck;
		}
		if (from != c) throw new UnsupportedOperationException("ConcatV2 (node '" + s.name() + "') is not along channels; SRD does not support it.");
		for (int q = 0; q < positions; q++) if (r[q] != 0 && norm[q] == 0) lost += r[q];
		return lost;
	}
}
