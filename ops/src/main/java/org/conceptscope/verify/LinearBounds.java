package org.conceptscope.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.stream.IntStream;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.verify.GraphProgram.Step;
import org.tensorflow.proto.AttrValue;

/**
 * Linear bound propagation (CROWN, Zhang et al. 2018) through a {@link GraphProgram}: a linear
 * function of a node's output is carried backwards to the input, exactly through linear
 * operations (convolution as transposed convolution, bias, batch norm, average pooling, mean,
 * dense, add, reshape) and through a linear relaxation of each non-linearity, then bounded over
 * the input box. ReLU uses the triangle upper line and the adaptive lower slope (1 when the
 * upper bound exceeds minus the lower bound, else 0); max pooling is bounded below by the entry
 * with the largest lower bound and above by the largest upper bound (exact when one entry
 * dominates); ReLU6 adds the chord of its upper kink.
 * <p>
 * Relaxations need bounds of their inputs. {@link #intermediate} computes them layer by layer,
 * each neuron by its own backward pass, intersected with interval bounds. Backward passes of
 * one neuron only touch its receptive field: coefficients live in a spatial window that grows
 * with each convolution or pooling, which is what keeps 32x32x3 inputs cheap. The cost grows
 * with neurons times receptive field; {@link #estimatedCost} tells before it is paid.
 */
public final class LinearBounds {

	/** Largest estimated multiply-adds per bound computation before {@link #intermediate} refuses (about a minute here). */
	public static final double MAX_COST = 5e10;

	private LinearBounds() {}

	/**
	 * Linear functions ("specs") of one node's output: coefficients a[y][x][channel][spec] over a
	 * window of rows y0.. and columns x0.. of the node (a vector [1, K] is a 1 x 1 x K map), plus
	 * a constant per spec. The node's output outside the window has coefficient 0. Specs are the
	 * innermost axis, so every operation is a loop of scaled additions over specs.
	 */
	static final class Coeffs {
		final int m, y0, x0, wh, ww, c;
		final double[] a, bias;

		Coeffs(int m, int y0, int x0, int wh, int ww, int c, double[] bias) {
			this.m = m;
			this.y0 = y0;
			this.x0 = x0;
			this.wh = wh;
			this.ww = ww;
			this.c = c;
			this.a = new double[m * wh * ww * c];
			this.bias = bias.clone();
		}

		int at(int s, int y, int x, int ch) {
			return ((y * ww + x) * c + ch) * m + s;
		}

		/** Sum with another set of the same specs, over the union of both windows. */
		Coeffs plus(Coeffs o) {
			int ny0 = Math.min(y0, o.y0), nx0 = Math.min(x0, o.x0);
			int nh = Math.max(y0 + wh, o.y0 + o.wh) - ny0, nw = Math.max(x0 + ww, o.x0 + o.ww) - nx0;
			double[] b = new double[m];
			for (int s = 0; s < m; s++) b[s] = bias[s] + o.bias[s];
			Coeffs r = new Coeffs(m, ny0, nx0, nh, nw, c, b);
			for (Coeffs q : List.of(this, o)) {
				for (int y = 0; y < q.wh; y++) for (int x = 0; x < q.ww; x++) {
					int from = q.at(0, y, x, 0), to = r.at(0, q.y0 - ny0 + y, q.x0 - nx0 + x, 0);
					for (int i = 0; i < c * m; i++) r.a[to + i] += q.a[from + i];
				}
			}
			return r;
		}

		/** The same specs over the whole h x w map. */
		Coeffs full(int h, int w) {
			if (y0 == 0 && x0 == 0 && wh == h && ww == w) return this;
			Coeffs r = new Coeffs(m, 0, 0, h, w, c, bias);
			for (int y = 0; y < wh; y++) for (int x = 0; x < ww; x++) System.arraycopy(a, at(0, y, x, 0), r.a, r.at(0, y0 + y, x0 + x, 0), c * m);
			return r;
		}
	}

	/** Height, width and channels of a node's output ([1, K] counts as 1 x 1 x K). */
	static int[] dims(Box b) {
		long[] s = b.shape();
		if (s.length == 4) return new int[] { (int) s[1], (int) s[2], (int) s[3] };
		if (s.length == 2) return new int[] { 1, 1, (int) s[1] };
		throw new UnsupportedOperationException("Linear bounds handle tensors of rank 2 or 4, not " + java.util.Arrays.toString(s)
			+ " (token layers); use bounds=interval, or Occlusion, RISE or Integrated Gradients.");
	}

	// ---------------------------------------------------------------- intermediate bounds

	/**
	 * Bounds of every node's output for inputs in {@code input}: interval bounds, and for each
	 * node that feeds a ReLU, ReLU6 or max pooling, the intersection with its CROWN bounds.
	 *
	 * @throws IllegalArgumentException when the estimated cost exceeds {@link #MAX_COST}
	 * @throws CancellationException when progress asks to stop
	 */
	public static Map<String, Box> intermediate(GraphProgram p, Box input, Progress progress) {
		Set<String> relaxed = relaxedInputs(p);
		Map<String, Box> bounds = new HashMap<>();
		List<Step> crown = new ArrayList<>();
		for (Step s : p.steps) {
			bounds.put(s.name(), s.op().equals("Placeholder") ? input : IntervalPropagation.apply(p, s, bounds));
		}
		for (Step s : p.steps) {
			int rank = bounds.get(s.name()).shape().length;
			if (rank != 2 && rank != 4) {
				throw new UnsupportedOperationException("Operation " + s.op() + " (node '" + s.name() + "') gives a tensor of rank " + rank
					+ " (tokens): linear bounds handle rank 2 and 4; use bounds=interval, or Occlusion, RISE or Integrated Gradients.");
			}
		}
		for (Step s : p.steps) if (relaxed.contains(s.name())) crown.add(s);
		double cost = estimatedCost(p, bounds);
		if (cost > MAX_COST) {
			throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "CROWN bounds for this model would take about %.0f"
				+ " billion multiply-adds per image (neurons times receptive field); use bounds=interval for a model this large.", cost / 1e9));
		}
		long total = 0, done = 0;
		for (Step s : crown) total += positions(bounds.get(s.name()));
		// Recompute in order: every node's interval bounds use the refined bounds of its inputs.
		Map<String, Box> refined = new HashMap<>();
		for (Step s : p.steps) {
			Box v = s.op().equals("Placeholder") ? input : IntervalPropagation.apply(p, s, refined);
			if (relaxed.contains(s.name())) {
				refined.put(s.name(), v);
				v = intersect(v, neuronBounds(p, refined, s.name(), done, total, progress), s.name());
				done += positions(v);
			}
			refined.put(s.name(), v);
		}
		return refined;
	}

	/** Linear nodes whose output feeds a relaxed non-linearity: the nodes that need their own CROWN bounds. */
	static Set<String> relaxedInputs(GraphProgram p) {
		Set<String> out = new HashSet<>();
		Map<String, String> ops = new HashMap<>();
		for (Step s : p.steps) ops.put(s.name(), s.op());
		for (Step s : p.steps) {
			if (!s.op().equals("Relu") && !s.op().equals("Relu6") && !s.op().equals("MaxPool")) continue;
			String in = s.inputs().get(0);
			String op = ops.get(in);
			// Outputs of a ReLU, max pool or the input itself are bounded as well by intervals from their own inputs.
			if (!op.equals("Placeholder") && !op.equals("Relu") && !op.equals("Relu6") && !op.equals("MaxPool")) out.add(in);
		}
		return out;
	}

	private static int positions(Box b) {
		int[] d = dims(b);
		return d[0] * d[1];
	}

	/** CROWN lower and upper bounds of every neuron of one node, one backward pass per position (all channels together). */
	private static Box neuronBounds(GraphProgram p, Map<String, Box> bounds, String node, long done, long total, Progress progress) {
		Box b = bounds.get(node);
		int[] d = dims(b);
		int h = d[0], w = d[1], c = d[2];
		double[] lo = new double[b.size()], hi = new double[b.size()];
		Map<String, Integer> index = index(p);
		int chunk = Math.max(1, Math.min(h * w, 64));
		for (int from = 0; from < h * w; from += chunk) {
			int to = Math.min(h * w, from + chunk);
			IntStream.range(from, to).parallel().forEach(pos -> {
				double[] r = lower(p, bounds, index, node, unitSpecs(pos / w, pos % w, c));
				for (int ch = 0; ch < c; ch++) {
					lo[pos * c + ch] = r[ch];
					hi[pos * c + ch] = -r[c + ch];
				}
			});
			if (!progress.report(done + to, total, "linear bounds of " + node)) throw new CancellationException("Linear bounds cancelled.");
		}
		return new Box(b.shape(), lo, hi);
	}

	/** +e_c and -e_c for every channel c at one position: lower bounds of both give the neuron's lower and upper bounds. */
	private static Coeffs unitSpecs(int y, int x, int c) {
		Coeffs s = new Coeffs(2 * c, y, x, 1, 1, c, new double[2 * c]);
		for (int ch = 0; ch < c; ch++) {
			s.a[s.at(ch, 0, 0, ch)] = 1;
			s.a[s.at(c + ch, 0, 0, ch)] = -1;
		}
		return s;
	}

	/** Largest relative gap between two sound bounds of one value that rounding can explain. */
	static final double ROUNDING_GAP = 1e-9;

	/**
	 * The intersection of two sound bounds of node {@code node}. They must overlap: where the lower
	 * bound of one exceeds the upper bound of the other by no more than double rounding
	 * ({@link #ROUNDING_GAP} of the magnitude), both become the midpoint.
	 *
	 * @throws IllegalStateException when they miss each other by more: one of them is not sound
	 */
	static Box intersect(Box a, Box b, String node) {
		double[] lo = new double[a.size()], hi = new double[a.size()];
		for (int i = 0; i < lo.length; i++) {
			lo[i] = Math.max(a.lo()[i], b.lo()[i]);
			hi[i] = Math.min(a.hi()[i], b.hi()[i]);
			if (lo[i] > hi[i]) {
				double scale = 1 + Math.max(Math.max(Math.abs(a.lo()[i]), Math.abs(a.hi()[i])), Math.max(Math.abs(b.lo()[i]), Math.abs(b.hi()[i])));
				if (lo[i] - hi[i] > ROUNDING_GAP * scale) {
					throw new IllegalStateException("Bounds of node '" + node + "' (element " + i + ") do not overlap: [" + a.lo()[i] + ", "
						+ a.hi()[i] + "] and [" + b.lo()[i] + ", " + b.hi()[i] + "]; one bound computation is unsound.");
				}
				double mid = (lo[i] + hi[i]) / 2;
				lo[i] = mid;
				hi[i] = mid;
			}
		}
		return new Box(a.shape(), lo, hi);
	}

	/**
	 * Multiply-adds one call of {@link #intermediate} will take, estimated from one backward pass
	 * per relaxed node at the centre (the largest receptive field) times its positions.
	 */
	public static double estimatedCost(GraphProgram p, Map<String, Box> bounds) {
		Map<String, Integer> index = index(p);
		double cost = 0;
		for (String node : relaxedInputs(p)) {
			int[] d = dims(bounds.get(node));
			long[] macs = new long[1];
			lower(p, bounds, index, node, unitSpecs(d[0] / 2, d[1] / 2, d[2]), macs);
			cost += (double) macs[0] * d[0] * d[1];
		}
		return cost;
	}

	/**
	 * Bounds of every node for a smaller input box inside the one {@code outer} was computed for:
	 * interval bounds over the smaller box, intersected with the outer bounds (still sound, since
	 * every input of the smaller box is one of the outer box). Costs one interval pass.
	 */
	public static Map<String, Box> restrict(GraphProgram p, Map<String, Box> outer, Box smaller) {
		Map<String, Box> out = new HashMap<>();
		for (Step s : p.steps) {
			Box v = s.op().equals("Placeholder") ? smaller : intersect(IntervalPropagation.apply(p, s, out), outer.get(s.name()), s.name());
			out.put(s.name(), v);
		}
		return out;
	}

	// ---------------------------------------------------------------- margin

	/**
	 * CROWN bounds of the margin logit_t - max_{j != t} logit_j over the input box held in
	 * {@code bounds} (the Placeholder's entry), with the relaxations given by {@code bounds}.
	 */
	public static MarginBounds.Bounds margin(GraphProgram p, Map<String, Box> bounds, int target) {
		int k = dims(bounds.get(p.output))[2];
		if (target < 0 || target >= k) throw new IllegalArgumentException("Target class " + target + " outside 0.." + (k - 1) + ".");
		Coeffs specs = new Coeffs(2 * (k - 1), 0, 0, 1, 1, k, new double[2 * (k - 1)]);
		int q = 0;
		for (int j = 0; j < k; j++) {
			if (j == target) continue;
			specs.a[specs.at(2 * q, 0, 0, target)] = 1;
			specs.a[specs.at(2 * q, 0, 0, j)] = -1;
			specs.a[specs.at(2 * q + 1, 0, 0, target)] = -1;
			specs.a[specs.at(2 * q + 1, 0, 0, j)] = 1;
			q++;
		}
		double[] r = lower(p, bounds, index(p), p.output, specs);
		double lo = Double.POSITIVE_INFINITY, hi = Double.POSITIVE_INFINITY;
		for (int i = 0; i < k - 1; i++) {
			lo = Math.min(lo, r[2 * i]);
			hi = Math.min(hi, -r[2 * i + 1]);
		}
		return new MarginBounds.Bounds(lo, hi);
	}

	// ---------------------------------------------------------------- backward pass

	private static Map<String, Integer> index(GraphProgram p) {
		Map<String, Integer> index = new HashMap<>();
		for (int i = 0; i < p.steps.size(); i++) index.put(p.steps.get(i).name(), i);
		return index;
	}

	static double[] lower(GraphProgram p, Map<String, Box> bounds, Map<String, Integer> index, String node, Coeffs specs) {
		return lower(p, bounds, index, node, specs, null);
	}

	/**
	 * Lower bounds of specs over {@code node}'s output for all inputs in the Placeholder's box:
	 * carries them backwards in reverse program order (a node's consumers come after it), adding
	 * up what reaches a node from several consumers, and bounds them over the input box.
	 */
	static double[] lower(GraphProgram p, Map<String, Box> bounds, Map<String, Integer> index, String node, Coeffs specs, long[] macs) {
		Map<String, Coeffs> pending = new HashMap<>();
		pending.put(node, specs);
		for (int i = index.get(node); i >= 0; i--) {
			Step s = p.steps.get(i);
			Coeffs a = pending.remove(s.name());
			if (a == null) continue;
			if (s.op().equals("Placeholder")) return concretize(a, bounds.get(s.name()));
			backward(p, s, a, bounds, pending, macs);
		}
		throw new IllegalStateException("Node '" + node + "' does not depend on the input.");
	}

	private static double[] concretize(Coeffs a, Box box) {
		int[] d = dims(box);
		double[] out = a.bias.clone();
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int g = ((a.y0 + y) * d[1] + a.x0 + x) * d[2];
			for (int ch = 0; ch < a.c; ch++) {
				double lo = box.lo()[g + ch], hi = box.hi()[g + ch];
				int l = a.at(0, y, x, ch);
				for (int s = 0; s < a.m; s++) {
					double v = a.a[l + s];
					out[s] += v > 0 ? v * lo : v * hi;
				}
			}
		}
		return out;
	}

	static void add(Map<String, Coeffs> pending, String node, Coeffs a) {
		pending.merge(node, a, Coeffs::plus);
	}

	private static void backward(GraphProgram p, Step s, Coeffs a, Map<String, Box> bounds, Map<String, Coeffs> pending, long[] macs) {
		List<String> in = s.inputs();
		switch (s.op()) {
			case "Identity":
				add(pending, in.get(0), a);
				return;
			case "Relu":
			case "Relu6":
				add(pending, in.get(0), relu(a, bounds.get(in.get(0)), s.op().equals("Relu6")));
				return;
			case "Conv2D":
				add(pending, in.get(0), conv2d(a, bounds.get(in.get(0)), IntervalPropagation.param(p, s, 1), s.attrs(), macs));
				return;
			case "BiasAdd":
				add(pending, in.get(0), addParam(a, IntervalPropagation.param(p, s, 1), 1, bounds.get(s.name())));
				return;
			case "Add":
			case "AddV2":
			case "Sub": {
				boolean sub = s.op().equals("Sub");
				boolean first = bounds.containsKey(in.get(0)), second = bounds.containsKey(in.get(1));
				if (first && second) {
					add(pending, in.get(0), a);
					add(pending, in.get(1), scaled(a, sub ? -1 : 1, false)); // the constant goes one way only
				} else if (first) {
					add(pending, in.get(0), addParam(a, p.params.get(in.get(1)), sub ? -1 : 1, bounds.get(s.name())));
				} else {
					// c + x, or c - x: coefficients -a on x, and the constant a . c
					Coeffs x = sub ? scaled(a, -1, true) : a;
					add(pending, in.get(1), addParam(x, p.params.get(in.get(0)), sub ? -1 : 1, bounds.get(s.name())));
				}
				return;
			}
			case "StopGradient":
				add(pending, in.get(0), a);
				return;
			case "Pad":
				add(pending, in.get(0), KerasLinear.pad(a, bounds.get(in.get(0)), IntervalPropagation.param(p, s, 1), s));
				return;
			case "ConcatV2":
				KerasLinear.concat(p, s, a, bounds, pending);
				return;
			case "DepthwiseConv2dNative":
				add(pending, in.get(0), KerasLinear.depthwise(a, bounds.get(in.get(0)), IntervalPropagation.param(p, s, 1), s.attrs(), macs));
				return;
			case "Mul": {
				if (bounds.containsKey(in.get(0)) && bounds.containsKey(in.get(1))) {
					throw new UnsupportedOperationException("Operation Mul (node '" + s.name() + "') multiplies two tensors that depend on the"
						+ " image (swish, squeeze-and-excitation): it has no linear relaxation in ConceptScope; use Occlusion, RISE or"
						+ " Integrated Gradients.");
				}
				boolean first = bounds.containsKey(in.get(0));
				add(pending, first ? in.get(0) : in.get(1), mulParam(a, p.params.get(first ? in.get(1) : in.get(0)), bounds.get(s.name())));
				return;
			}
			case "MaxPool":
			case "AvgPool":
				add(pending, in.get(0), pool(a, bounds.get(in.get(0)), s.attrs(), s.op().equals("MaxPool")));
				return;
			case "FusedBatchNorm":
			case "FusedBatchNormV3": {
				double[][] ab = IntervalPropagation.batchNormAffine(p, s);
				add(pending, in.get(0), channelAffine(a, ab[0], ab[1]));
				return;
			}
			case "Mean":
				add(pending, in.get(0), mean(a, bounds.get(in.get(0))));
				return;
			case "Reshape": {
				int[] d = dims(bounds.get(s.name())), di = dims(bounds.get(in.get(0)));
				Coeffs f = a.full(d[0], d[1]);
				Coeffs r = new Coeffs(a.m, 0, 0, di[0], di[1], di[2], a.bias);
				System.arraycopy(f.a, 0, r.a, 0, r.a.length); // NHWC order is the flat order (specs innermost in both)
				add(pending, in.get(0), r);
				return;
			}
			case "MatMul":
				add(pending, in.get(0), matMul(a, IntervalPropagation.param(p, s, 1), s.attrs(), macs));
				return;
			default:
				throw new UnsupportedOperationException("Operation " + s.op() + " (node '" + s.name() + "') has no linear relaxation in"
					+ " ConceptScope; use bounds=interval, or Occlusion, RISE or Integrated Gradients.");
		}
	}

	/** Coefficients times k; the constants kept as they are or dropped. */
	private static Coeffs scaled(Coeffs a, double k, boolean keepBias) {
		Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, a.c, keepBias ? a.bias : new double[a.m]);
		for (int i = 0; i < a.a.length; i++) r.a[i] = k * a.a[i];
		return r;
	}

	/** Index into a parameter broadcast like {@link IntervalPropagation#addParam}: scalar, per channel, or full. */
	private static int paramIndex(float[] d, int c, int global, int ch) {
		return d.length == 1 ? 0 : d.length == c ? ch : global;
	}

	private static void checkBroadcast(float[] d, Box out) {
		int c = dims(out)[2];
		if (!(d.length == 1 || d.length == c || d.length == out.size())) {
			throw new UnsupportedOperationException("Cannot broadcast a parameter of " + d.length + " values over " + out + ".");
		}
	}

	/** y = x + sign * b: the spec's constant gains a . (sign * b). */
	private static Coeffs addParam(Coeffs a, FloatTensor b, double sign, Box out) {
		float[] d = b.data();
		checkBroadcast(d, out);
		int w = dims(out)[1];
		double[] bias = a.bias.clone();
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int g = ((a.y0 + y) * w + a.x0 + x) * a.c;
			for (int ch = 0; ch < a.c; ch++) {
				double v = sign * d[paramIndex(d, a.c, g + ch, ch)];
				int l = a.at(0, y, x, ch);
				for (int s = 0; s < a.m; s++) bias[s] += a.a[l + s] * v;
			}
		}
		Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, a.c, bias);
		System.arraycopy(a.a, 0, r.a, 0, a.a.length);
		return r;
	}

	private static Coeffs mulParam(Coeffs a, FloatTensor k, Box out) {
		float[] d = k.data();
		checkBroadcast(d, out);
		int w = dims(out)[1];
		Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, a.c, a.bias);
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int g = ((a.y0 + y) * w + a.x0 + x) * a.c;
			for (int ch = 0; ch < a.c; ch++) {
				double v = d[paramIndex(d, a.c, g + ch, ch)];
				int l = a.at(0, y, x, ch);
				for (int s = 0; s < a.m; s++) r.a[l + s] = a.a[l + s] * v;
			}
		}
		return r;
	}

	private static Coeffs channelAffine(Coeffs a, double[] scale, double[] shift) {
		double[] bias = a.bias.clone();
		Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, a.c, bias);
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) for (int ch = 0; ch < a.c; ch++) {
			int l = a.at(0, y, x, ch);
			for (int s = 0; s < a.m; s++) {
				r.bias[s] += a.a[l + s] * shift[ch];
				r.a[l + s] = a.a[l + s] * scale[ch];
			}
		}
		return r;
	}

	/**
	 * ReLU (or ReLU6) relaxed for a lower bound: a positive coefficient takes the lower line, a
	 * negative one the upper line, from the bounds [l, u] of the pre-activation.
	 */
	private static Coeffs relu(Coeffs a, Box pre, boolean six) {
		int w = dims(pre)[1];
		Coeffs r = new Coeffs(a.m, a.y0, a.x0, a.wh, a.ww, a.c, a.bias);
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int g = ((a.y0 + y) * w + a.x0 + x) * a.c;
			for (int ch = 0; ch < a.c; ch++) {
				double[] line = lines(pre.lo()[g + ch], pre.hi()[g + ch], six);
				double lowSlope = line[0], lowShift = line[1], upSlope = line[2], upShift = line[3];
				for (int s = 0; s < a.m; s++) {
					int l0 = a.at(s, y, x, ch);
					double v = a.a[l0];
					if (v == 0) continue;
					if (v > 0) {
						r.a[l0] = v * lowSlope;
						r.bias[s] += v * lowShift;
					} else {
						r.a[l0] = v * upSlope;
						r.bias[s] += v * upShift;
					}
				}
			}
		}
		return r;
	}

	/**
	 * Lines around ReLU (or ReLU6) on [l, u]: {lowSlope, lowShift, upSlope, upShift} with
	 * lowSlope x + lowShift <= f(x) <= upSlope x + upShift for every x in [l, u].
	 */
	static double[] lines(double l, double u, boolean six) {
		if (six && l >= 6) return new double[] { 0, 6, 0, 6 };
		if (u <= 0) return new double[] { 0, 0, 0, 0 };
		if (l >= 0 && (!six || u <= 6)) return new double[] { 1, 0, 1, 0 };
		if (!six || u <= 6) { // l < 0 < u: triangle, adaptive lower slope
			double up = u / (u - l);
			return new double[] { u >= -l ? 1 : 0, 0, up, -up * l };
		}
		if (l >= 0) { // 0 <= l < 6 < u: min(x, 6) is concave, so its chord lies below
			double low = (6 - l) / (u - l);
			boolean identity = u - 6 < 6 - l;
			return new double[] { low, l - low * l, identity ? 1 : 0, identity ? 0 : 6 };
		}
		return new double[] { 0, 0, 0, 6 }; // both kinks inside: constant bounds
	}

	/** The input window a window of outputs reads through a k-wide, s-strided, p-padded operation, clipped to the input. */
	static int[] window(int o0, int on, int k, int stride, int pad, int size) {
		int from = Math.max(0, o0 * stride - pad), to = Math.min(size, (o0 + on - 1) * stride - pad + k);
		return new int[] { from, Math.max(0, to - from) };
	}

	/** Transposed convolution of the coefficients. */
	private static Coeffs conv2d(Coeffs a, Box in, FloatTensor kernel, Map<String, AttrValue> attrs, long[] macs) {
		int[] d = dims(in);
		int h = d[0], w = d[1], cin = d[2];
		int[] st = IntervalPropagation.ints(attrs.get("strides"));
		String padding = attrs.get("padding").getS().toStringUtf8();
		long[] ks = kernel.shape();
		int kh = (int) ks[0], kw = (int) ks[1], cout = (int) ks[3];
		int py = IntervalPropagation.outAndPad(h, kh, st[1], padding)[1], px = IntervalPropagation.outAndPad(w, kw, st[2], padding)[1];
		int[] wy = window(a.y0, a.wh, kh, st[1], py, h), wx = window(a.x0, a.ww, kw, st[2], px, w);
		Coeffs r = new Coeffs(a.m, wy[0], wx[0], wy[1], wx[1], cin, a.bias);
		float[] k = kernel.data();
		int m = a.m;
		boolean[] nonZero = new boolean[cout];
		long count = 0;
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int src = a.at(0, y, x, 0);
			boolean any = false;
			for (int co = 0; co < cout; co++) {
				boolean nz = false;
				for (int s = 0; s < m && !nz; s++) nz = a.a[src + co * m + s] != 0;
				nonZero[co] = nz; // inactive ReLUs leave whole channels at zero
				any |= nz;
			}
			if (!any) continue;
			for (int dy = 0; dy < kh; dy++) {
				int iy = (a.y0 + y) * st[1] + dy - py;
				if (iy < 0 || iy >= h) continue;
				for (int dx = 0; dx < kw; dx++) {
					int ix = (a.x0 + x) * st[2] + dx - px;
					if (ix < 0 || ix >= w) continue;
					int dst = r.at(0, iy - wy[0], ix - wx[0], 0), tap = (dy * kw + dx) * cin;
					for (int ci = 0; ci < cin; ci++) {
						int kb = (tap + ci) * cout, to = dst + ci * m;
						for (int co = 0; co < cout; co++) {
							if (!nonZero[co]) continue;
							double kv = k[kb + co];
							int from = src + co * m;
							for (int s = 0; s < m; s++) r.a[to + s] += kv * a.a[from + s];
							count += m;
						}
					}
				}
			}
		}
		if (macs != null) macs[0] += count;
		return r;
	}

	/** Average pooling transposed; max pooling relaxed (lower: the entry with the largest lower bound; upper: the largest upper bound). */
	private static Coeffs pool(Coeffs a, Box in, Map<String, AttrValue> attrs, boolean max) {
		int[] d = dims(in);
		int h = d[0], w = d[1], c = d[2];
		int[] ks = IntervalPropagation.ints(attrs.get("ksize")), st = IntervalPropagation.ints(attrs.get("strides"));
		String padding = attrs.get("padding").getS().toStringUtf8();
		int py = IntervalPropagation.outAndPad(h, ks[1], st[1], padding)[1], px = IntervalPropagation.outAndPad(w, ks[2], st[2], padding)[1];
		int[] wy = window(a.y0, a.wh, ks[1], st[1], py, h), wx = window(a.x0, a.ww, ks[2], st[2], px, w);
		Coeffs r = new Coeffs(a.m, wy[0], wx[0], wy[1], wx[1], c, a.bias);
		int[] cells = new int[ks[1] * ks[2]];
		for (int y = 0; y < a.wh; y++) for (int x = 0; x < a.ww; x++) {
			int n = 0;
			for (int dy = 0; dy < ks[1]; dy++) {
				int iy = (a.y0 + y) * st[1] + dy - py;
				if (iy < 0 || iy >= h) continue;
				for (int dx = 0; dx < ks[2]; dx++) {
					int ix = (a.x0 + x) * st[2] + dx - px;
					if (ix >= 0 && ix < w) cells[n++] = (iy - wy[0]) * wx[1] + ix - wx[0]; // position inside r's window
				}
			}
			for (int ch = 0; ch < c; ch++) {
				int best = -1;
				double upper = Double.NEGATIVE_INFINITY, upperOthers = Double.NEGATIVE_INFINITY;
				if (max) {
					for (int j = 0; j < n; j++) {
						int g = global(cells[j], wy[0], wx[0], wx[1], w) * c + ch;
						if (best < 0 || in.lo()[g] > in.lo()[global(cells[best], wy[0], wx[0], wx[1], w) * c + ch]) best = j;
						upper = Math.max(upper, in.hi()[g]);
					}
					for (int j = 0; j < n; j++) {
						if (j != best) upperOthers = Math.max(upperOthers, in.hi()[global(cells[j], wy[0], wx[0], wx[1], w) * c + ch]);
					}
				}
				boolean exact = max && in.lo()[global(cells[best], wy[0], wx[0], wx[1], w) * c + ch] >= upperOthers;
				int from = a.at(0, y, x, ch);
				for (int s = 0; s < a.m; s++) {
					double v = a.a[from + s];
					if (v == 0) continue;
					if (!max) {
						for (int j = 0; j < n; j++) r.a[(cells[j] * c + ch) * a.m + s] += v / n;
					} else if (exact || v > 0) {
						r.a[(cells[best] * c + ch) * a.m + s] += v;
					} else {
						r.bias[s] += v * upper;
					}
				}
			}
		}
		return r;
	}

	/** Global position index of a cell inside a window. */
	private static int global(int cell, int y0, int x0, int ww, int w) {
		return (y0 + cell / ww) * w + x0 + cell % ww;
	}

	/** Spatial mean transposed: every position gets 1 / (h w) of the channel's coefficient. */
	private static Coeffs mean(Coeffs a, Box in) {
		int[] d = dims(in);
		int h = d[0], w = d[1], c = d[2];
		if (a.c != c) throw new UnsupportedOperationException("Mean with " + a.c + " outputs over " + c + " channels.");
		Coeffs r = new Coeffs(a.m, 0, 0, h, w, c, a.bias);
		for (int pos = 0; pos < h * w; pos++) for (int ch = 0; ch < c; ch++) for (int s = 0; s < a.m; s++) {
			r.a[(pos * c + ch) * a.m + s] = a.a[a.at(s, 0, 0, ch)] / (h * w);
		}
		return r;
	}

	private static Coeffs matMul(Coeffs a, FloatTensor wt, Map<String, AttrValue> attrs, long[] macs) {
		boolean tb = attrs.containsKey("transpose_b") && attrs.get("transpose_b").getB();
		long[] ws = wt.shape();
		int in = (int) (tb ? ws[1] : ws[0]), out = (int) (tb ? ws[0] : ws[1]);
		float[] w = wt.data();
		Coeffs r = new Coeffs(a.m, 0, 0, 1, 1, in, a.bias);
		int m = a.m;
		for (int j = 0; j < out; j++) for (int i = 0; i < in; i++) {
			double wv = tb ? w[j * in + i] : w[i * out + j];
			for (int s = 0; s < m; s++) r.a[i * m + s] += wv * a.a[j * m + s];
		}
		if (macs != null) macs[0] += (long) a.m * in * out;
		return r;
	}
}
