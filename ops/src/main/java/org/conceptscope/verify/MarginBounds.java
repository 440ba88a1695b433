package org.conceptscope.verify;

import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;

/**
 * A verified lower bound of the class margin, logit_t - max_{j != t} logit_j, over a box of
 * inputs. When the logits come from a dense layer (MatMul, optionally + BiasAdd), the margin
 * weights w_t - w_j are applied to the bounds of the dense layer's input directly: bounding each
 * difference as one linear function is tighter than subtracting two independent logit bounds.
 */
public final class MarginBounds {

	private MarginBounds() {}

	public static double lower(GraphProgram p, Box input, int target) {
		Map<String, Box> v = IntervalPropagation.propagate(p, input);
		Step out = step(p, p.output);
		Step matMul = out.op().equals("MatMul") ? out
			: out.op().equals("BiasAdd") && step(p, out.inputs().get(0)).op().equals("MatMul") ? step(p, out.inputs().get(0)) : null;
		if (matMul == null || (matMul.attrs().containsKey("transpose_b") && matMul.attrs().get("transpose_b").getB())) {
			Box logits = v.get(p.output);
			double best = Double.POSITIVE_INFINITY;
			for (int j = 0; j < logits.size(); j++) if (j != target) best = Math.min(best, logits.lo()[target] - logits.hi()[j]);
			return best;
		}
		Box z = v.get(matMul.inputs().get(0));
		FloatTensor w = p.params.get(matMul.inputs().get(1));
		FloatTensor b = out == matMul ? null : p.params.get(out.inputs().get(1));
		int n = z.size(), k = (int) w.dim(1);
		double best = Double.POSITIVE_INFINITY;
		for (int j = 0; j < k; j++) {
			if (j == target) continue;
			double lo = b == null ? 0 : b.data()[target] - b.data()[j];
			for (int i = 0; i < n; i++) {
				double d = w.data()[i * k + target] - w.data()[i * k + j];
				lo += Math.min(d * z.lo()[i], d * z.hi()[i]);
			}
			best = Math.min(best, lo);
		}
		return best;
	}

	private static Step step(GraphProgram p, String name) {
		for (Step s : p.steps) if (s.name().equals(name)) return s;
		throw new IllegalStateException("No step " + name + ".");
	}
}
