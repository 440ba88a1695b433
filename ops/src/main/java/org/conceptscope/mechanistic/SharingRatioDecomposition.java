package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.GraphProgram.Step;
import org.conceptscope.verify.IntervalPropagation;
import org.tensorflow.proto.AttrValue;

/**
 * Sharing Ratio Decomposition (SRD, Han et al. 2024). Each spatial position of a layer holds a
 * pointwise feature vector (PFV). The relevance of a PFV q is shared among the PFVs p of the
 * layer below that feed it, in proportion to how much p's contribution c_pq points along q's
 * pre-activation vector z_q: mu_pq = &lt;c_pq, z_q&gt; / |z_q|^2. Ratios are taken on the
 * pre-activation (before the ReLU), so a PFV whose neurons are switched off still passes
 * relevance on. Relevance flows down to the input pixels (a relevance map) and, started from a
 * single PFV, gives its effective receptive field (ERF). Bias terms keep their share
 * &lt;b, z_q&gt; / |z_q|^2, reported as {@code biasRelevance}: the input relevance plus the bias
 * share equals the starting relevance.
 * <p>
 * PFVs: every position of a [1, h, w, c] tensor; a global pooling output is one PFV; a hidden
 * dense layer's output is one PFV (the vector of its units, shared with the same ratio as a
 * convolution's); only the output layer splits into one PFV per unit, so relevance starts from
 * one logit. Walks the graph ConceptScope reads
 * itself ({@link GraphProgram}): Conv2D (+BiasAdd), ReLU, max/average pooling, batch
 * normalisation, Add (residual), Mean, Reshape and MatMul; any other operation is named.
 * <p>
 * A layer is the linear map up to the next non-linearity: a convolution followed by its bias and
 * an inference-mode batch norm is one affine layer z = a * (W x + b - mean) + beta (a = gamma /
 * sqrt(var + eps) per channel), so c_pq = a * (W x_p) and z_q is the batch norm's output, and
 * relevance is shared once, as SRD's ratio for that layer. Sharing against the convolution's own
 * output and again at the batch norm would differ whenever the channels' scales differ. A batch
 * norm that does not directly follow a convolution is its own affine layer.
 */
public final class SharingRatioDecomposition {

	/** Relevance per input pixel [1, H, W], the starting relevance and the bias share lost on the way. */
	public record Decomposition(FloatTensor map, double start, double biasRelevance) {

		/** Input relevance plus bias share minus the start: zero when relevance is conserved. */
		public double conservationError() {
			double s = 0;
			for (float v : map.data()) s += v;
			return s + biasRelevance - start;
		}
	}

	/** How a tensor's values group into PFVs: P vectors of C values, position-major. */
	record Layout(int positions, int channels) {}

	private final GraphProgram program;
	private final List<Step> order;
	private final Map<String, Step> byName = new HashMap<>();
	private final Map<String, String> preActivationOf = new HashMap<>(); // linear step -> last step of its affine layer
	private final Map<String, double[]> foldedScale = new HashMap<>(); // conv step -> per-channel scale of its batch norm
	private final java.util.Set<String> folded = new java.util.HashSet<>(); // bias and batch-norm steps folded into a layer

	public SharingRatioDecomposition(TensorFlowClassifier classifier) {
		this(GraphProgram.of(classifier));
	}

	public SharingRatioDecomposition(GraphProgram program) {
		this.program = program;
		this.order = program.steps();
		for (Step s : order) byName.put(s.name(), s);
		Map<String, Integer> consumers = new HashMap<>();
		for (Step s : order) for (String in : s.inputs()) consumers.merge(in, 1, Integer::sum);
		for (Step s : order) {
			if (!s.op().equals("Conv2D") && !s.op().equals("MatMul") && !s.op().equals("DepthwiseConv2dNative")) continue;
			// fold only a chain that nothing else reads in between: relevance can then arrive only at its end
			String end = s.name();
			Step next = soleConsumer(end, consumers);
			if (next != null && isBias(next)) {
				folded.add(next.name());
				end = next.name();
				next = soleConsumer(end, consumers);
			}
			if (next != null && !s.op().equals("MatMul") && (next.op().equals("FusedBatchNorm") || next.op().equals("FusedBatchNormV3"))
				&& next.inputs().get(0).equals(end)) {
				foldedScale.put(s.name(), IntervalPropagation.batchNormAffine(program, next)[0]);
				folded.add(next.name());
				end = next.name();
			}
			preActivationOf.put(s.name(), end);
		}
	}

	/**
	 * A dense layer whose affine output is the network's output: each of its units (each logit) is
	 * its own PFV, so relevance starts from one class. A hidden dense layer's output is one PFV,
	 * the vector of all its units, as SRD treats every layer.
	 */
	private boolean isOutputLayer(Step s) {
		return preActivationOf.getOrDefault(s.name(), s.name()).equals(order.get(order.size() - 1).name());
	}

	private boolean isBias(Step s) {
		return s.op().equals("BiasAdd") || ((s.op().equals("Add") || s.op().equals("AddV2")) && program.parameter(s.inputs().get(1)) != null);
	}

	/** The one step that reads {@code name}, or null when none or several do. */
	private Step soleConsumer(String name, Map<String, Integer> consumers) {
		if (consumers.getOrDefault(name, 0) != 1) return null;
		for (Step s : order) if (s.inputs().contains(name)) return s;
		return null;
	}

	/** Relevance of the target logit, shared down to the pixels of one image [1, H, W, C]. */
	public Decomposition classRelevance(FloatTensor image, int target) {
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		Step out = order.get(order.size() - 1);
		Box logits = values.get(out.name());
		if (target < 0 || target >= logits.size()) throw new IllegalArgumentException("Class " + target + " does not exist.");
		double[] r = new double[logits.size()];
		r[target] = logits.lo()[target];
		return backward(values, out.name(), r, r[target], image);
	}

	/** The effective receptive field of the PFV at {@code position} (y * w + x) of a layer, with relevance 1. */
	public Decomposition effectiveReceptiveField(FloatTensor image, String layer, int position) {
		if (!byName.containsKey(layer)) throw new IllegalArgumentException("Layer '" + layer + "' is not on the path from input to logits.");
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		Layout l = layouts(values).get(layer);
		if (position < 0 || position >= l.positions()) {
			throw new IllegalArgumentException("Position " + position + " outside 0.." + (l.positions() - 1) + " of layer '" + layer + "'.");
		}
		double[] r = new double[l.positions()];
		r[position] = 1;
		return backward(values, layer, r, 1, image);
	}

	/** The theoretical receptive field (input pixels) of the PFV at {@code position} of a spatial layer, unclipped. */
	public ReceptiveField.Rect receptiveField(FloatTensor image, String layer, int position) {
		if (!byName.containsKey(layer)) throw new IllegalArgumentException("Layer '" + layer + "' is not on the path from input to logits.");
		return ReceptiveField.of(program, IntervalPropagation.propagate(program, Box.point(image.shape(), image.data())), layer, position);
	}

	private Map<String, Layout> layouts(Map<String, Box> values) {
		Map<String, Layout> m = new HashMap<>();
		for (Step s : order) {
			long[] shape = values.get(s.name()).shape();
			Layout in = s.inputs().isEmpty() ? null : m.get(s.inputs().get(0));
			Layout l;
			if (shape.length == 3) {
				throw new UnsupportedOperationException("SRD shares relevance between the feature vectors of feature maps; " + s.op() + " (node '"
					+ s.name() + "') gives tokens " + java.util.Arrays.toString(shape) + ". Grad-CAM (on tokens) and Integrated Gradients"
					+ " explain this model.");
			}
			if (shape.length == 4) l = new Layout((int) (shape[1] * shape[2]), (int) shape[3]);
			else if (s.op().equals("MatMul")) l = isOutputLayer(s) ? new Layout((int) shape[shape.length - 1], 1) : new Layout(1, (int) shape[shape.length - 1]);
			else if (s.op().equals("Mean")) l = new Layout(1, (int) shape[shape.length - 1]);
			else if (in != null && in.positions() * in.channels() == values.get(s.name()).size()) l = in;
			else l = new Layout(1, values.get(s.name()).size());
			m.put(s.name(), l);
		}
		return m;
	}

	private Decomposition backward(Map<String, Box> values, String from, double[] start, double startTotal, FloatTensor image) {
		Map<String, double[]> rel = new HashMap<>();
		double bias = backward(values, from, start, rel);
		double[] pix = rel.getOrDefault(order.get(0).name(), new double[0]);
		int h = (int) image.dim(1), w = (int) image.dim(2);
		float[] map = new float[h * w];
		for (int p = 0; p < Math.min(pix.length, map.length); p++) map[p] = (float) pix[p];
		return new Decomposition(new FloatTensor(new long[] { 1, h, w }, map), startTotal, bias);
	}

	/** Shares relevance from step {@code from} down to the input, filling {@code rel} per step; returns the bias share. */
	private double backward(Map<String, Box> values, String from, double[] start, Map<String, double[]> rel) {
		return backward(values, from, start, rel, null);
	}

	/**
	 * The same, stopping at step {@code stop} (null: the input): the steps from {@code stop} down keep the relevance they
	 * received and share nothing, so the bias share returned is the one kept above {@code stop}.
	 */
	private double backward(Map<String, Box> values, String from, double[] start, Map<String, double[]> rel, String stop) {
		Map<String, Layout> layouts = layouts(values);
		rel.put(from, start);
		double bias = 0;
		boolean active = false;
		int last = stop == null ? -1 : order.indexOf(byName.get(stop));
		for (int i = order.size() - 1; i > last; i--) {
			Step s = order.get(i);
			if (s.name().equals(from)) active = true;
			double[] r = rel.get(s.name());
			if (!active || r == null || s.op().equals("Placeholder")) continue;
			bias += share(s, values, layouts, rel, r);
		}
		return bias;
	}

	/**
	 * The relevance of the target logit at the PFVs of a spatial layer [1, h, w]: the decomposition
	 * read at that layer instead of at the pixels (each PFV's share of the logit).
	 */
	public FloatTensor classRelevanceAt(FloatTensor image, int target, String layer) {
		return classRelevance(image, target, layer).map();
	}

	/**
	 * Refuses a start layer that is not on the decomposed path (null or blank: the pixels, always fine), naming the
	 * spatial layers given (those on the path), before any image is decomposed.
	 */
	public void checkStartLayer(String layer, List<String> spatialLayers) {
		if (layer == null || layer.isBlank() || byName.containsKey(layer)) return;
		throw new IllegalArgumentException("The start layer '" + layer + "' is not on the path from the input to the logits"
			+ (spatialLayers == null ? "." : "; spatial layers on it: " + spatialLayers.stream().filter(byName::containsKey).toList() + "."));
	}

	/**
	 * The decomposition of the target logit started at the PFVs of a spatial layer instead of the pixels (null or blank:
	 * {@link #classRelevance(FloatTensor, int)}): the map [1, h, w] is each PFV's share of the logit, and the bias share is
	 * the one kept by the biases above the layer, so map sum plus bias share is the logit on a network without skips around it.
	 */
	public Decomposition classRelevance(FloatTensor image, int target, String layer) {
		if (layer == null || layer.isBlank()) return classRelevance(image, target);
		checkStartLayer(layer, null);
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		long[] shape = values.get(layer).shape();
		if (shape.length != 4) {
			throw new IllegalArgumentException("Layer '" + layer + "' has shape " + java.util.Arrays.toString(shape)
				+ ": SRD maps are read at a spatial layer [1, h, w, c]; pick a convolution, ReLU or pooling layer.");
		}
		Step out = order.get(order.size() - 1);
		Box logits = values.get(out.name());
		if (target < 0 || target >= logits.size()) throw new IllegalArgumentException("Class " + target + " does not exist.");
		double[] r = new double[logits.size()];
		r[target] = logits.lo()[target];
		Map<String, double[]> rel = new HashMap<>();
		double bias = backward(values, out.name(), r, rel, layer);
		int lh = (int) shape[1], lw = (int) shape[2];
		double[] at = rel.getOrDefault(layer, new double[lh * lw]);
		float[] map = new float[lh * lw];
		for (int p = 0; p < map.length; p++) map[p] = (float) at[p];
		return new Decomposition(new FloatTensor(new long[] { 1, lh, lw }, map), r[target], bias);
	}

	/**
	 * A layer's map [1, h, w] spread over an image of height x width: each pixel gets its cell's relevance divided by the
	 * cell's pixel count (cells split the image evenly), so the sum is kept (a decomposition, not a smoothed picture).
	 */
	public static FloatTensor spread(FloatTensor layerMap, int height, int width) {
		int lh = (int) layerMap.dim(1), lw = (int) layerMap.dim(2);
		int[] count = new int[lh * lw];
		for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) count[(int) ((long) y * lh / height) * lw + (int) ((long) x * lw / width)]++;
		float[] out = new float[height * width];
		for (int y = 0; y < height; y++) for (int x = 0; x < width; x++) {
			int cell = (int) ((long) y * lh / height) * lw + (int) ((long) x * lw / width);
			out[y * width + x] = layerMap.data()[cell] / count[cell];
		}
		return new FloatTensor(new long[] { 1, height, width }, out);
	}

	/** Shares the relevance of step s's PFVs with its input PFVs; returns the relevance kept by biases. */
	private double share(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r) {
		String in0 = s.inputs().get(0);
		switch (s.op()) {
			case "Identity":
			case "Relu":
			case "Relu6":
			case "Reshape":
			case "Mul":
				add(rel, in0, r);
				return 0;
			case "BiasAdd":
			case "Add":
			case "AddV2":
			case "FusedBatchNorm":
			case "FusedBatchNormV3":
				if (folded.contains(s.name())) { // part of the affine layer below, which shares against this pre-activation
					add(rel, in0, r);
					return 0;
				}
				return s.op().startsWith("FusedBatchNorm") ? shareBatchNorm(s, v, layouts, rel, r) : shareSum(s, v, layouts, rel, r);
			case "Conv2D":
			case "DepthwiseConv2dNative":
				return shareConv(s, v, layouts, rel, r);
			case "StopGradient":
				add(rel, in0, r);
				return 0;
			case "Pad":
				return KerasSharing.pad(s, v, rel, r, program);
			case "ConcatV2":
				return KerasSharing.concat(s, v, rel, r);
			case "MatMul":
				return shareMatMul(s, v, layouts, rel, r);
			case "Mean":
				return shareWindows(s, v, layouts, rel, r, false, true);
			case "AvgPool":
				return shareWindows(s, v, layouts, rel, r, false, false);
			case "MaxPool":
				return shareWindows(s, v, layouts, rel, r, true, false);
			default:
				throw new UnsupportedOperationException("SRD does not support " + s.op() + " (node '" + s.name() + "'); Grad-CAM and"
					+ " Integrated Gradients explain this model.");
		}
	}

	private static void add(Map<String, double[]> rel, String name, double[] r) {
		double[] cur = rel.get(name);
		if (cur == null) rel.put(name, r.clone());
		else for (int i = 0; i < r.length; i++) cur[i] += r[i];
	}

	private static void addAt(Map<String, double[]> rel, String name, int size, int index, double value) {
		rel.computeIfAbsent(name, k -> new double[size])[index] += value;
	}

	/** Pre-activation values of a linear step: the output of the last step of its affine layer (bias, batch norm). */
	private double[] preActivation(Step s, Map<String, Box> v) {
		return v.get(preActivationOf.getOrDefault(s.name(), s.name())).lo();
	}

	private double shareConv(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r) {
		Box x = v.get(s.inputs().get(0));
		FloatTensor k = program.parameter(s.inputs().get(1));
		double[] z = preActivation(s, v);
		double[] scale = foldedScale.get(s.name()); // batch norm folded into the kernel, or null
		int h = (int) x.shape()[1], w = (int) x.shape()[2], cin = (int) x.shape()[3];
		long[] ks = k.shape();
		boolean depthwise = s.op().equals("DepthwiseConv2dNative");
		int kh = (int) ks[0], kw = (int) ks[1], mult = (int) ks[3], cout = depthwise ? cin * mult : (int) ks[3];
		long[] os = v.get(s.name()).shape();
		int oh = (int) os[1], ow = (int) os[2];
		int[] st = ints(s.attrs().get("strides"));
		boolean same = s.attrs().get("padding").getS().toStringUtf8().equals("SAME");
		int padY = same ? Math.max((oh - 1) * st[1] + kh - h, 0) / 2 : 0, padX = same ? Math.max((ow - 1) * st[2] + kw - w, 0) / 2 : 0;
		String in = s.inputs().get(0);
		double lost = 0;
		double[] c = new double[cout];
		for (int q = 0; q < oh * ow; q++) {
			if (r[q] == 0) continue;
			int qy = q / ow, qx = q % ow;
			double zz = norm2(z, q * cout, cout), shared = 0;
			if (zz == 0) {
				lost += r[q];
				continue;
			}
			for (int dy = 0; dy < kh; dy++) {
				int sy = qy * st[1] + dy - padY;
				if (sy < 0 || sy >= h) continue;
				for (int dx = 0; dx < kw; dx++) {
					int sx = qx * st[2] + dx - padX;
					if (sx < 0 || sx >= w) continue;
					java.util.Arrays.fill(c, 0);
					int p = sy * w + sx;
					for (int ci = 0; ci < cin; ci++) {
						double a = x.lo()[p * cin + ci];
						if (a == 0) continue;
						if (depthwise) { // output channel ci * mult + q reads input channel ci only
							int kb = ((dy * kw + dx) * cin + ci) * mult;
							for (int j = 0; j < mult; j++) c[ci * mult + j] += a * k.data()[kb + j];
							continue;
						}
						int kb = ((dy * kw + dx) * cin + ci) * cout;
						for (int co = 0; co < cout; co++) c[co] += a * k.data()[kb + co];
					}
					if (scale != null) for (int co = 0; co < cout; co++) c[co] *= scale[co];
					double mu = dot(c, 0, z, q * cout, cout) / zz;
					addAt(rel, in, h * w, p, mu * r[q]);
					shared += mu;
				}
			}
			lost += (1 - shared) * r[q];
		}
		return lost;
	}

	/**
	 * A dense layer: the contribution of input PFV p to output PFV q is c_pq[k] = sum over p's
	 * channels of x * W for the units k of q. The output layer has one unit per PFV (the ratio is
	 * then the contribution to that logit over the logit); a hidden dense layer is one PFV of all
	 * its units, and its ratio is the projection &lt;c_p, z&gt; / |z|^2 on its pre-activation vector.
	 */
	private double shareMatMul(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r) {
		String in = s.inputs().get(0);
		Box x = v.get(in);
		Layout li = layouts.get(in), lo = layouts.get(s.name());
		FloatTensor wt = program.parameter(s.inputs().get(1));
		boolean tb = s.attrs().containsKey("transpose_b") && s.attrs().get("transpose_b").getB();
		int n = x.size(), units = lo.positions() * lo.channels(), co = lo.channels();
		double[] z = preActivation(s, v);
		double lost = 0;
		double[] c = new double[co];
		for (int q = 0; q < lo.positions(); q++) {
			if (r[q] == 0) continue;
			double zz = norm2(z, q * co, co);
			if (zz == 0) {
				lost += r[q];
				continue;
			}
			double shared = 0;
			for (int p = 0; p < li.positions(); p++) {
				java.util.Arrays.fill(c, 0);
				for (int ch = 0; ch < li.channels(); ch++) {
					int i = p * li.channels() + ch;
					double xi = x.lo()[i];
					if (xi == 0) continue;
					for (int k = 0; k < co; k++) {
						int j = q * co + k;
						c[k] += xi * (tb ? wt.data()[j * n + i] : wt.data()[i * units + j]);
					}
				}
				double mu = dot(c, 0, z, q * co, co) / zz;
				addAt(rel, in, li.positions(), p, mu * r[q]);
				shared += mu;
			}
			lost += (1 - shared) * r[q];
		}
		return lost;
	}

	/** Add / BiasAdd with a parameter or two data inputs: each addend's projection on the sum. */
	private double shareSum(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r) {
		Layout l = layouts.get(s.name());
		double[] z = v.get(s.name()).lo();
		double lost = 0;
		for (int q = 0; q < l.positions(); q++) {
			if (r[q] == 0) continue;
			double zz = norm2(z, q * l.channels(), l.channels()), shared = 0;
			if (zz == 0) {
				lost += r[q];
				continue;
			}
			for (String in : s.inputs()) {
				if (!v.containsKey(in)) continue; // the bias parameter keeps its own share
				double mu = dot(v.get(in).lo(), q * l.channels(), z, q * l.channels(), l.channels()) / zz;
				addAt(rel, in, l.positions(), q, mu * r[q]);
				shared += mu;
			}
			lost += (1 - shared) * r[q];
		}
		return lost;
	}

	/** A batch norm on its own (not after a convolution): contribution a * x of its input PFV, the offset keeps the rest. */
	private double shareBatchNorm(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r) {
		Layout l = layouts.get(s.name());
		double[] x = v.get(s.inputs().get(0)).lo(), z = v.get(s.name()).lo();
		double[] a = IntervalPropagation.batchNormAffine(program, s)[0];
		int c = l.channels();
		double lost = 0;
		for (int q = 0; q < l.positions(); q++) {
			if (r[q] == 0) continue;
			double zz = norm2(z, q * c, c), d = 0;
			if (zz == 0) {
				lost += r[q];
				continue;
			}
			for (int ch = 0; ch < c; ch++) d += a[ch] * x[q * c + ch] * z[q * c + ch];
			addAt(rel, s.inputs().get(0), l.positions(), q, d / zz * r[q]);
			lost += (1 - d / zz) * r[q];
		}
		return lost;
	}

	/** Pooling windows (and the global mean as one window): contributions are the averaged or arg-max inputs. */
	private double shareWindows(Step s, Map<String, Box> v, Map<String, Layout> layouts, Map<String, double[]> rel, double[] r,
		boolean max, boolean global) {
		String in = s.inputs().get(0);
		Box x = v.get(in);
		int h = (int) x.shape()[1], w = (int) x.shape()[2], c = (int) x.shape()[3];
		double[] z = v.get(s.name()).lo();
		int[] ks = global ? new int[] { 1, h, w, 1 } : ints(s.attrs().get("ksize"));
		int[] st = global ? new int[] { 1, h, w, 1 } : ints(s.attrs().get("strides"));
		boolean same = !global && s.attrs().get("padding").getS().toStringUtf8().equals("SAME");
		int oh = global ? 1 : (int) v.get(s.name()).shape()[1], ow = global ? 1 : (int) v.get(s.name()).shape()[2];
		int padY = same ? Math.max((oh - 1) * st[1] + ks[1] - h, 0) / 2 : 0, padX = same ? Math.max((ow - 1) * st[2] + ks[2] - w, 0) / 2 : 0;
		double lost = 0;
		double[] contrib = new double[c];
		for (int q = 0; q < oh * ow; q++) {
			if (r[q] == 0) continue;
			int qy = q / ow, qx = q % ow;
			double zz = norm2(z, q * c, c), shared = 0;
			if (zz == 0) {
				lost += r[q];
				continue;
			}
			List<Integer> window = new ArrayList<>();
			for (int dy = 0; dy < ks[1]; dy++) for (int dx = 0; dx < ks[2]; dx++) {
				int sy = qy * st[1] + dy - padY, sx = qx * st[2] + dx - padX;
				if (sy >= 0 && sy < h && sx >= 0 && sx < w) window.add(sy * w + sx);
			}
			int[] argmax = new int[c];
			if (max) {
				for (int ch = 0; ch < c; ch++) {
					int best = window.get(0);
					for (int p : window) if (x.lo()[p * c + ch] > x.lo()[best * c + ch]) best = p;
					argmax[ch] = best;
				}
			}
			for (int p : window) {
				for (int ch = 0; ch < c; ch++) {
					double a = x.lo()[p * c + ch];
					contrib[ch] = max ? (argmax[ch] == p ? a : 0) : a / window.size();
				}
				double mu = dot(contrib, 0, z, q * c, c) / zz;
				addAt(rel, in, h * w, p, mu * r[q]);
				shared += mu;
			}
			lost += (1 - shared) * r[q];
		}
		return lost;
	}

	private static double norm2(double[] a, int off, int n) {
		return dot(a, off, a, off, n);
	}

	private static double dot(double[] a, int ao, double[] b, int bo, int n) {
		double s = 0;
		for (int i = 0; i < n; i++) s += a[ao + i] * b[bo + i];
		return s;
	}

	private static int[] ints(AttrValue a) {
		return a.getList().getIList().stream().mapToInt(Long::intValue).toArray();
	}
}
