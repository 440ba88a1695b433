package org.conceptscope.verify;

import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.GraphProgram.Step;

/**
 * Verified bounds of the class margin, logit_t - max_{j != t} logit_j, over a box of inputs.
 * The margin is at most logit_t - logit_j for every j, so its upper bound is the smallest upper
 * bound of those differences and its lower bound the smallest lower bound. With interval bounds,
 * when the logits come from a dense layer (MatMul, optionally + BiasAdd), the margin weights
 * w_t - w_j are applied to the bounds of the dense layer's input directly: bounding each
 * difference as one linear function is tighter than subtracting two independent logit bounds.
 */
public final class MarginBounds {

	/** A verified interval [lower, upper] of the margin. */
	public record Bounds(double lower, double upper) {

		/** The tighter of two sound bounds of the same margin. */
		public Bounds intersect(Bounds o) {
			return new Bounds(Math.max(lower, o.lower), Math.min(upper, o.upper));
		}

		/** Rounded outward by {@code slack} on both sides (e.g. {@link RoundingError#marginSlack}). */
		public Bounds widen(double slack) {
			return new Bounds(lower - slack, upper + slack);
		}
	}

	private MarginBounds() {}

	/** The verified lower bound by interval propagation. */
	public static double lower(GraphProgram p, Box input, int target) {
		return interval(p, input, target).lower();
	}

	/** Interval bounds of the margin for inputs in a box. */
	public static Bounds interval(GraphProgram p, Box input, int target) {
		return interval(p, IntervalPropagation.propagate(p, input), target);
	}

	/** Interval bounds of the margin from bounds of every node (e.g. {@link IntervalPropagation#propagate}). */
	public static Bounds interval(GraphProgram p, Map<String, Box> v, int target) {
		Step out = step(p, p.output);
		Step matMul = out.op().equals("MatMul") ? out
			: out.op().equals("BiasAdd") && step(p, out.inputs().get(0)).op().equals("MatMul") ? step(p, out.inputs().get(0)) : null;
		double lo = Double.POSITIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
		if (matMul == null || (matMul.attrs().containsKey("transpose_b") && matMul.attrs().get("transpose_b").getB())) {
			Box logits = v.get(p.output);
			for (int j = 0; j < logits.size(); j++) {
				if (j == target) continue;
				lo = Math.min(lo, logits.lo()[target] - logits.hi()[j]);
				hi = Math.min(hi, logits.hi()[target] - logits.lo()[j]);
			}
			return new Bounds(lo, hi);
		}
		Box z = v.get(matMul.inputs().get(0));
		FloatTensor w = p.params.get(matMul.inputs().get(1));
		FloatTensor b = out == matMul ? null : p.params.get(out.inputs().get(1));
		int n = z.size(), k = (int) w.dim(1);
		for (int j = 0; j < k; j++) {
			if (j == target) continue;
			double l = b == null ? 0 : b.data()[target] - b.data()[j], u = l;
			for (int i = 0; i < n; i++) {
				double d = w.data()[i * k + target] - w.data()[i * k + j];
				l += Math.min(d * z.lo()[i], d * z.hi()[i]);
				u += Math.max(d * z.lo()[i], d * z.hi()[i]);
			}
			lo = Math.min(lo, l);
			hi = Math.min(hi, u);
		}
		return new Bounds(lo, hi);
	}

	/** The margin of one logit vector. */
	public static double margin(float[] logits, int target) {
		double best = Double.POSITIVE_INFINITY;
		for (int j = 0; j < logits.length; j++) if (j != target) best = Math.min(best, logits[target] - logits[j]);
		return best;
	}

	private static Step step(GraphProgram p, String name) {
		for (Step s : p.steps) if (s.name().equals(name)) return s;
		throw new IllegalStateException("No step " + name + ".");
	}
}
