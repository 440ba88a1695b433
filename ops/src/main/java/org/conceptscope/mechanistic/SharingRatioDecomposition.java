package org.conceptscope.mechanistic;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Limits;
import org.conceptscope.verify.Box;
import org.conceptscope.verify.GraphProgram;
import org.conceptscope.verify.GraphProgram.Step;
import org.conceptscope.verify.IntervalPropagation;
import org.tensorflow.proto.AttrValue;

/**
 * Sharing Ratio Decomposition (SRD, Han et al. 2024). Each spatial position of a layer holds a
 * pointwise feature vector (PFV). The relevance of a PFV q is shared among the PFVs p of the
 * layer below that feed it, in proportion to how much p's contribution c_pq points along q's
 * pre-activation vector z_q: mu_pq = &lt;c_pq + b_pq, z_q&gt; / |z_q|^2, where the layer's bias b
 * is spread over the contributions in proportion to their norms, b_pq = b |c_pq| / sum_p' |c_p'q|
 * (the authors' code, {@code bias_bunbae}): the ratios of a PFV add up to one and the relevance
 * reaching the pixels is the logit. Ratios are taken on the pre-activation (before the ReLU), so a
 * PFV whose neurons are switched off still passes relevance on. Relevance flows down to the input
 * pixels (a relevance map) and, started from a single PFV, gives its effective receptive field
 * (ERF). Relevance no input carries (a PFV fed by a bias alone, or a zero pre-activation) is
 * reported as {@code biasRelevance}: the input relevance plus it equals the starting relevance.
 * <p>
 * PFVs: every position of a [1, h, w, c] tensor; a global pooling output is one PFV; a dense
 * layer's output is one PFV (the vector of its units, shared with the same ratio as a
 * convolution's). <b>The class.</b> Relevance starts at the logits restricted to the target's
 * component: the PFV that holds the logit is taken as the one-hot vector of the target class
 * (the authors' code starts from the one-hot class vector), and that class channel is followed
 * down through the operations that keep channels apart (bias, batch norm, ReLU, reshape, pooling,
 * the global mean) to the last convolution or dense layer, which shares the logit alone. So a head
 * of global mean over a conv map (fully convolutional), of global mean, 1x1 convolution and
 * reshape, or of a dense layer, all start from the one class. An operation on that path that
 * moves the class axis or mixes classes is refused before any work. Walks the graph ConceptScope
 * reads itself ({@link GraphProgram}): Conv2D (+BiasAdd), ReLU, max/average pooling, batch
 * normalisation, Add (residual, with broadcasting of a whole axis), Mul by a constant, Mean,
 * Reshape, Squeeze and MatMul; any other operation on the path is named before any work.
 * <p>
 * A layer is the linear map up to the next non-linearity: a convolution followed by its bias and
 * an inference-mode batch norm is one affine layer z = a * (W x + b - mean) + beta (a = gamma /
 * sqrt(var + eps) per channel), so c_pq = a * (W x_p) and z_q is the batch norm's output, and
 * relevance is shared once, as SRD's ratio for that layer. Sharing against the convolution's own
 * output and again at the batch norm would differ whenever the channels' scales differ. A batch
 * norm that does not directly follow a convolution is its own affine layer. Likewise a global
 * mean read by a dense layer (or a 1x1 convolution of the pooled map) is one linear layer with it
 * (the authors' code folds average pooling into the fully connected layer): each position p of
 * the pooled map contributes W x_p / n. Shared at the pooled vector instead, every class would get
 * the same map up to its scale, since the pooled vector does not depend on the class.
 */
public final class SharingRatioDecomposition {

	/** Relevance per input pixel [1, H, W], the starting relevance and the relevance no input carried. */
	public record Decomposition(FloatTensor map, double start, double biasRelevance) {

		/** Input relevance plus the relevance no input carried minus the start: zero (rounding) when relevance is conserved. */
		public double conservationError() {
			double s = 0;
			for (float v : map.data()) s += v;
			return s + biasRelevance - start;
		}
	}

	/** How a tensor's values group into PFVs: P vectors of C values, position-major. */
	record Layout(int positions, int channels) {}

	/** Bytes per value of SRD's forward pass: a lower and an upper bound in double precision (equal for an image). */
	static final long BYTES_PER_VALUE = 16;

	/** No class channel: the PFV is the whole vector. */
	private static final int WHOLE = -1;

	private final GraphProgram program;
	private final TensorFlowClassifier classifier; // for the memory estimate; null when built from a program alone
	private final List<Step> order;
	private final Map<String, Step> byName = new HashMap<>();
	private final Map<String, Integer> index = new HashMap<>();
	private final Map<String, String> preActivationOf = new HashMap<>(); // linear step -> last step of its affine layer
	private final Map<String, double[]> foldedScale = new HashMap<>(); // conv step -> per-channel scale of its batch norm
	private final Set<String> folded = new HashSet<>(); // bias and batch-norm steps folded into a layer
	private final Map<String, String> pooledFrom = new HashMap<>(); // dense / 1x1 conv step -> the map its global mean pools

	public SharingRatioDecomposition(TensorFlowClassifier classifier) {
		this(GraphProgram.of(classifier), classifier);
	}

	public SharingRatioDecomposition(GraphProgram program) {
		this(program, null);
	}

	private SharingRatioDecomposition(GraphProgram program, TensorFlowClassifier classifier) {
		this.program = program;
		this.classifier = classifier;
		this.order = program.steps();
		for (int i = 0; i < order.size(); i++) {
			byName.put(order.get(i).name(), order.get(i));
			index.put(order.get(i).name(), i);
		}
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
			String pooled = globalMeanRead(s, consumers);
			if (pooled != null) pooledFrom.put(s.name(), pooled);
		}
	}

	/**
	 * The map a dense layer or a 1x1 convolution reads through a spatial global mean (with only reshapes between, each read
	 * by the next step alone), or null: the mean and the layer are then one linear layer.
	 */
	private String globalMeanRead(Step s, Map<String, Integer> consumers) {
		if (s.op().equals("MatMul")) {
			AttrValue ta = s.attrs().get("transpose_a");
			if (ta != null && ta.getB()) return null;
		} else if (s.op().equals("Conv2D")) {
			FloatTensor k = program.parameter(s.inputs().get(1));
			if (k == null || k.shape()[0] != 1 || k.shape()[1] != 1) return null;
		} else {
			return null;
		}
		if (program.parameter(s.inputs().get(1)) == null) return null;
		Step src = byName.get(s.inputs().get(0));
		while (src != null && consumers.getOrDefault(src.name(), 0) == 1 && PASS_VALUES.contains(src.op())) src = byName.get(src.inputs().get(0));
		if (src == null || !src.op().equals("Mean") || consumers.getOrDefault(src.name(), 0) != 1) return null;
		FloatTensor axes = program.parameter(src.inputs().get(1));
		if (axes == null || axes.size() != 2) return null;
		int a0 = Math.floorMod((int) axes.data()[0], 4), a1 = Math.floorMod((int) axes.data()[1], 4);
		return Math.min(a0, a1) == 1 && Math.max(a0, a1) == 2 ? src.inputs().get(0) : null;
	}

	/** Operations that keep every value and its order: relevance passes them unchanged. */
	private static final Set<String> PASS_VALUES = Set.of("Identity", "StopGradient", "Reshape", "Squeeze", "ExpandDims");

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
		checkMemory(image, 1);
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		Pass pass = startAtClass(values, target, null);
		double bias = pass.run();
		return new Decomposition(pixels(pass.rel, image), pass.start, bias);
	}

	/** The effective receptive field of the PFV at {@code position} (y * w + x) of a layer, with relevance 1. */
	public Decomposition effectiveReceptiveField(FloatTensor image, String layer, int position) {
		if (!byName.containsKey(layer)) throw new IllegalArgumentException("Layer '" + layer + "' is not on the path from input to logits.");
		checkMemory(image, 1);
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		Map<String, Layout> layouts = layouts(values);
		Layout l = layouts.get(layer);
		if (position < 0 || position >= l.positions()) {
			throw new IllegalArgumentException("Position " + position + " outside 0.." + (l.positions() - 1) + " of layer '" + layer + "'.");
		}
		double[] r = new double[l.positions()];
		r[position] = 1;
		Pass pass = new Pass(values, layouts, layer, r, WHOLE, null, 1);
		double bias = pass.run();
		return new Decomposition(pixels(pass.rel, image), 1, bias);
	}

	/** The theoretical receptive field (input pixels) of the PFV at {@code position} of a spatial layer, unclipped. */
	public ReceptiveField.Rect receptiveField(FloatTensor image, String layer, int position) {
		if (!byName.containsKey(layer)) throw new IllegalArgumentException("Layer '" + layer + "' is not on the path from input to logits.");
		return ReceptiveField.of(program, IntervalPropagation.propagate(program, Box.point(image.shape(), image.data())), layer, position);
	}

	/**
	 * The decomposition of the target logit from the output, planned and checked (every operation on the way, the class
	 * channel) before anything is shared: the output's PFV holding the target is restricted to the target's component.
	 */
	private Pass startAtClass(Map<String, Box> values, int target, String stop) {
		Step out = order.get(order.size() - 1);
		Box logits = values.get(out.name());
		if (target < 0 || target >= logits.size()) throw new IllegalArgumentException("Class " + target + " does not exist.");
		Map<String, Layout> layouts = layouts(values);
		Layout l = layouts.get(out.name());
		double[] r = new double[l.positions()];
		r[target / l.channels()] = logits.lo()[target];
		return new Pass(values, layouts, out.name(), r, target % l.channels(), stop, logits.lo()[target]);
	}

	private FloatTensor pixels(Map<String, double[]> rel, FloatTensor image) {
		double[] pix = rel.getOrDefault(order.get(0).name(), new double[0]);
		int h = (int) image.dim(1), w = (int) image.dim(2);
		float[] map = new float[h * w];
		for (int p = 0; p < Math.min(pix.length, map.length); p++) map[p] = (float) pix[p];
		return new FloatTensor(new long[] { 1, h, w }, map);
	}

	/**
	 * Heap bytes one decomposition of an image of {@code height} x {@code width} holds, from the model's layer shapes: every
	 * layer's values twice in double precision (SRD's forward pass keeps a lower and an upper bound, equal for an image)
	 * and one relevance per PFV. A layer whose static shape is not known (a model without a fixed input size) is left
	 * out, so the estimate is then a lower bound.
	 */
	public static long bytesNeeded(TensorFlowClassifier classifier, long height, long width) {
		long[] in = classifier.signature().input().shape();
		long values = height * width * Math.max(1, in.length == 4 ? in[3] : 1), positions = height * width;
		for (LayerInfo l : classifier.layers()) {
			long[] s = l.shape();
			long size = 1;
			for (int i = 1; i < s.length && size > 0; i++) size = s[i] < 1 ? 0 : size * s[i];
			values += size;
			positions += s.length == 4 ? size / Math.max(1, s[3]) : size > 0 ? 1 : 0;
		}
		return values * BYTES_PER_VALUE + positions * Double.BYTES;
	}

	/**
	 * Refuses, in one sentence and before any work, an image whose decomposition would not fit in the Java heap that is
	 * left: {@code passes} forward passes held together (SRD 1; the command's APOP diagnostic 2, the real image's and the
	 * blank image's). Does nothing for a decomposition built from a program alone.
	 */
	public void checkMemory(FloatTensor image, int passes) {
		if (classifier == null) return;
		long need = passes * bytesNeeded(classifier, image.dim(1), image.dim(2));
		checkMemory(need, Limits.heapLeft(need), image.dim(1), image.dim(2));
	}

	static void checkMemory(long need, long left, long height, long width) {
		if (need <= left) return;
		throw new IllegalStateException("SRD needs about " + mb(need) + " MB of Java heap for one " + width + " x " + height
			+ " image of this model (every layer's values in double precision) but " + mb(left) + " MB are left: give ImageJ more"
			+ " memory (Edit > Options > Memory & Threads) or explain a smaller image or model.");
	}

	private static long mb(long bytes) {
		return Math.max(0, (bytes + (1 << 20) - 1) >> 20);
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
			else if (s.op().equals("MatMul") || s.op().equals("Mean")) l = new Layout(1, (int) shape[shape.length - 1]);
			else if (in != null && in.positions() * in.channels() == values.get(s.name()).size()) l = in;
			else l = new Layout(1, values.get(s.name()).size());
			m.put(s.name(), l);
		}
		return m;
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
	 * Checks, on one image, everything a decomposition of {@code target} (started at {@code layer}; null or blank: the pixels)
	 * needs before a batch is decomposed: the memory, the start layer, every operation on the way and the class channel of
	 * the head. Throws the sentence the first image would; shares nothing.
	 */
	public void check(FloatTensor image, int target, String layer) {
		checkMemory(image, 1);
		checkStartLayer(layer, null);
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		boolean toPixels = layer == null || layer.isBlank();
		if (!toPixels) spatialShape(values, layer);
		startAtClass(values, target, toPixels ? null : layer);
	}

	private long[] spatialShape(Map<String, Box> values, String layer) {
		long[] shape = values.get(layer).shape();
		if (shape.length != 4) {
			throw new IllegalArgumentException("Layer '" + layer + "' has shape " + java.util.Arrays.toString(shape)
				+ ": SRD maps are read at a spatial layer [1, h, w, c]; pick a convolution, ReLU or pooling layer.");
		}
		return shape;
	}

	/**
	 * The decomposition of the target logit started at the PFVs of a spatial layer instead of the pixels (null or blank:
	 * {@link #classRelevance(FloatTensor, int)}): the map [1, h, w] is each PFV's share of the logit, and the bias share is
	 * the relevance no PFV carried above the layer, so map sum plus bias share is the logit on a network without skips
	 * around it.
	 */
	public Decomposition classRelevance(FloatTensor image, int target, String layer) {
		if (layer == null || layer.isBlank()) return classRelevance(image, target);
		checkStartLayer(layer, null);
		checkMemory(image, 1);
		Map<String, Box> values = IntervalPropagation.propagate(program, Box.point(image.shape(), image.data()));
		long[] shape = spatialShape(values, layer);
		Pass pass = startAtClass(values, target, layer);
		double bias = pass.run();
		int lh = (int) shape[1], lw = (int) shape[2];
		double[] at = pass.rel.getOrDefault(layer, new double[lh * lw]);
		float[] map = new float[lh * lw];
		for (int p = 0; p < map.length; p++) map[p] = (float) at[p];
		return new Decomposition(new FloatTensor(new long[] { 1, lh, lw }, map), pass.start, bias);
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


	/** Operations whose output channels each read several input channels: the class channel of the head ends at them. */
	private static final Set<String> MIXES = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul");

	/**
	 * One decomposition: the forward values, the relevance per step and the class channel per step the relevance reaches
	 * ({@link #WHOLE} below the head). Planned when made: every operation on the way is checked, and the class channel
	 * followed, before anything is shared.
	 */
	private final class Pass {

		final Map<String, Box> v;
		final Map<String, Layout> layouts;
		final String from, stop;
		final double start;
		final Map<String, double[]> rel = new HashMap<>();
		final Map<String, Integer> channel = new HashMap<>();
		final Shares shares = new Shares();

		Pass(Map<String, Box> values, Map<String, Layout> layouts, String from, double[] r, int cls, String stop, double start) {
			this.v = values;
			this.layouts = layouts;
			this.from = from;
			this.stop = stop;
			this.start = start;
			rel.put(from, r);
			plan(cls);
		}

		private int last() {
			return stop == null ? -1 : index.get(stop);
		}

		private void plan(int cls) {
			channel.put(from, cls);
			for (int i = index.get(from); i > last(); i--) {
				Step s = order.get(i);
				Integer c = channel.get(s.name());
				if (c == null || s.op().equals("Placeholder")) continue;
				for (String in : receivers(s)) {
					int ci = WHOLE;
					if (c != WHOLE && !MIXES.contains(s.op())) {
						if (s.op().equals("ConcatV2") || layouts.get(in).channels() != layouts.get(s.name()).channels()) {
							throw new UnsupportedOperationException("SRD follows class " + c + " from the logits down to the last convolution or"
								+ " dense layer, but " + s.op() + " (node '" + s.name() + "') moves or joins the class axis on the way;"
								+ " Grad-CAM and Integrated Gradients explain this model.");
						}
						ci = c;
					}
					Integer before = channel.putIfAbsent(in, ci);
					if (before != null && before != ci) {
						throw new UnsupportedOperationException("SRD follows one class from the logits down to the last convolution or dense"
							+ " layer, but " + byName.get(in).op() + " (node '" + in + "') reaches the logits both through that class alone and through the whole"
							+ " feature vector (a skip around the last layer); Grad-CAM and Integrated Gradients explain this model.");
					}
				}
			}
		}

		/** The inputs step s passes relevance to; refuses an operation (or shapes) SRD cannot share, naming it and its node. */
		private List<String> receivers(Step s) {
			String in0 = s.inputs().get(0);
			switch (s.op()) {
				case "Identity", "StopGradient", "Reshape", "Squeeze", "ExpandDims", "Relu", "Relu6" -> {
					return List.of(samePfvs(s, in0));
				}
				case "Mul" -> {
					for (String in : s.inputs()) if (v.containsKey(in) && layouts.get(in).equals(layouts.get(s.name()))) return List.of(in);
					throw unsupported(s, "multiplies tensors of shapes " + shapes(s) + " (relevance passes to a factor of the product's shape)");
				}
				case "BiasAdd", "Add", "AddV2" -> {
					if (folded.contains(s.name())) return List.of(in0);
					List<String> data = new ArrayList<>();
					Layout l = layouts.get(s.name());
					for (String in : s.inputs()) {
						if (!v.containsKey(in)) continue;
						Layout a = layouts.get(in);
						boolean broadcast = (a.positions() == l.positions() || a.positions() == 1) && (a.channels() == l.channels() || a.channels() == 1)
							&& (long) a.positions() * a.channels() == v.get(in).size();
						if (!broadcast) {
							throw unsupported(s, "adds tensors of shapes " + shapes(s) + " (SRD shares a sum of feature maps of one shape, or one"
								+ " with a feature vector or a value per position added everywhere)");
						}
						data.add(in);
					}
					return data;
				}
				case "FusedBatchNorm", "FusedBatchNormV3", "AvgPool", "MaxPool" -> {
					return List.of(in0);
				}
				case "Conv2D", "DepthwiseConv2dNative", "MatMul" -> {
					return List.of(pooledFrom.getOrDefault(s.name(), in0));
				}
				case "Mean" -> {
					FloatTensor axes = program.parameter(s.inputs().get(1));
					boolean spatial = v.get(in0).shape().length == 4 && axes != null && axes.size() == 2
						&& Math.min(Math.floorMod((int) axes.data()[0], 4), Math.floorMod((int) axes.data()[1], 4)) == 1
						&& Math.max(Math.floorMod((int) axes.data()[0], 4), Math.floorMod((int) axes.data()[1], 4)) == 2;
					if (!spatial) throw unsupported(s, "is not a mean over the rows and columns of a feature map");
					return List.of(in0);
				}
				case "Pad" -> {
					return List.of(in0);
				}
				case "ConcatV2" -> {
					List<String> parts = s.inputs().subList(0, s.inputs().size() - 1);
					for (String in : parts) if (!v.containsKey(in)) throw unsupported(s, "joins a constant to the feature maps");
					return parts;
				}
				default -> throw unsupported(s, "is not an operation SRD shares relevance through");
			}
		}

		/** The input of a pass-through step, whose PFVs must be the step's own (a flatten keeps them; a regrouping does not). */
		private String samePfvs(Step s, String in) {
			Layout a = layouts.get(in), l = layouts.get(s.name());
			if (a.equals(l)) return in;
			throw unsupported(s, "regroups the feature vectors (" + shapes(s) + ")");
		}

		private String shapes(Step s) {
			List<String> out = new ArrayList<>();
			for (String in : s.inputs()) if (v.containsKey(in)) out.add(java.util.Arrays.toString(v.get(in).shape()));
			out.add("-> " + java.util.Arrays.toString(v.get(s.name()).shape()));
			return String.join(" ", out);
		}

		private UnsupportedOperationException unsupported(Step s, String why) {
			return new UnsupportedOperationException("SRD does not support " + s.op() + " (node '" + s.name() + "'), which " + why
				+ "; Grad-CAM and Integrated Gradients explain this model.");
		}

		/** Shares the relevance down to the input (or to the stop layer); returns the relevance no input carried. */
		double run() {
			double bias = 0;
			for (int i = index.get(from); i > last(); i--) {
				Step s = order.get(i);
				double[] r = rel.get(s.name());
				if (r == null || s.op().equals("Placeholder")) continue;
				bias += share(s, r, channel.get(s.name()));
			}
			return bias;
		}

		/** Shares the relevance of step s's PFVs with its input PFVs; returns the relevance no input carried. */
		private double share(Step s, double[] r, int cls) {
			String in0 = s.inputs().get(0);
			switch (s.op()) {
				case "Identity", "StopGradient", "Reshape", "Squeeze", "ExpandDims", "Relu", "Relu6", "Mul":
					add(rel, receivers(s).get(0), r); // a ReLU passes on what its pre-activation gets; a product by a constant a * x is ratio 1
					return 0;
				case "BiasAdd", "Add", "AddV2", "FusedBatchNorm", "FusedBatchNormV3":
					if (folded.contains(s.name())) { // part of the affine layer below, which shares against this pre-activation
						add(rel, in0, r);
						return 0;
					}
					return s.op().startsWith("FusedBatchNorm") ? shareBatchNorm(s, r, cls) : shareSum(s, r, cls);
				case "Conv2D", "DepthwiseConv2dNative":
					return pooledFrom.containsKey(s.name()) ? sharePooled(s, r, cls) : shareConv(s, r, cls);
				case "MatMul":
					return pooledFrom.containsKey(s.name()) ? sharePooled(s, r, cls) : shareMatMul(s, r, cls);
				case "Pad":
					return KerasSharing.pad(s, v, rel, r, program);
				case "ConcatV2":
					return KerasSharing.concat(s, v, rel, r);
				case "Mean":
					return shareWindows(s, r, cls, false, true);
				case "AvgPool":
					return shareWindows(s, r, cls, false, false);
				case "MaxPool":
					return shareWindows(s, r, cls, true, false);
				default:
					throw unsupported(s, "is not an operation SRD shares relevance through");
			}
		}

		/** Pre-activation values of a linear step: the output of the last step of its affine layer (bias, batch norm). */
		private double[] preActivation(Step s) {
			return v.get(preActivationOf.getOrDefault(s.name(), s.name())).lo();
		}

		private double shareConv(Step s, double[] r, int cls) {
			Box x = v.get(s.inputs().get(0));
			FloatTensor k = program.parameter(s.inputs().get(1));
			double[] z = preActivation(s);
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
			float[] kd = k.data();
			double[] xd = x.lo();
			for (int q = 0; q < oh * ow; q++) {
				if (r[q] == 0) continue;
				int qy = q / ow, qx = q % ow;
				double zz = squared(z, q * cout, cout, cls);
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
						int p = sy * w + sx, tap = dy * kw + dx;
						if (cls != WHOLE) { // the head: only the class channel counts
							if (depthwise) c[cls] = xd[p * cin + cls / mult] * kd[(tap * cin + cls / mult) * mult + cls % mult];
							else for (int ci = 0; ci < cin; ci++) c[cls] += xd[p * cin + ci] * kd[(tap * cin + ci) * cout + cls];
						} else {
							for (int ci = 0; ci < cin; ci++) {
								double a = xd[p * cin + ci];
								if (a == 0) continue;
								if (depthwise) { // output channel ci * mult + j reads input channel ci only
									int kb = (tap * cin + ci) * mult;
									for (int j = 0; j < mult; j++) c[ci * mult + j] += a * kd[kb + j];
									continue;
								}
								int kb = (tap * cin + ci) * cout;
								for (int co = 0; co < cout; co++) c[co] += a * kd[kb + co];
							}
						}
						if (scale != null) for (int co = 0; co < cout; co++) c[co] *= scale[co];
						shares.add(in, h * w, p, along(c, z, q * cout, cout, cls) / zz, length(c, cout, cls));
					}
				}
				lost += shares.commit(rel, r[q]);
			}
			return lost;
		}

		/**
		 * A dense layer: the contribution of input PFV p (a position of a flattened map, or the whole input vector) to the
		 * output PFV is c_p[k] = sum over p's channels of x * W for the units k; its ratio is the projection on the
		 * pre-activation vector (on the class's logit alone in the head).
		 */
		private double shareMatMul(Step s, double[] r, int cls) {
			String in = s.inputs().get(0);
			Box x = v.get(in);
			Layout li = layouts.get(in), lo = layouts.get(s.name());
			float[] wt = program.parameter(s.inputs().get(1)).data();
			boolean tb = s.attrs().containsKey("transpose_b") && s.attrs().get("transpose_b").getB();
			int n = x.size(), units = lo.positions() * lo.channels(), co = lo.channels();
			double[] z = preActivation(s);
			double lost = 0;
			double[] c = new double[co];
			for (int q = 0; q < lo.positions(); q++) {
				if (r[q] == 0) continue;
				double zz = squared(z, q * co, co, cls);
				if (zz == 0) {
					lost += r[q];
					continue;
				}
				for (int p = 0; p < li.positions(); p++) {
					java.util.Arrays.fill(c, 0);
					for (int ch = 0; ch < li.channels(); ch++) {
						int i = p * li.channels() + ch;
						double xi = x.lo()[i];
						if (xi == 0) continue;
						for (int k = cls == WHOLE ? 0 : cls; k < (cls == WHOLE ? co : cls + 1); k++) {
							int j = q * co + k;
							c[k] += xi * (tb ? wt[j * n + i] : wt[i * units + j]);
						}
					}
					shares.add(in, li.positions(), p, along(c, z, q * co, co, cls) / zz, length(c, co, cls));
				}
				lost += shares.commit(rel, r[q]);
			}
			return lost;
		}

		/**
		 * A dense layer or a 1x1 convolution reading a global mean of a map [1, h, w, C]: one linear layer with the mean, whose
		 * input PFVs are the map's positions; position p contributes c_p[k] = sum over channels of x_p * W / (h w).
		 */
		private double sharePooled(Step s, double[] r, int cls) {
			String src = pooledFrom.get(s.name());
			Box x = v.get(src);
			int positions = (int) (x.shape()[1] * x.shape()[2]), cin = (int) x.shape()[3];
			FloatTensor k = program.parameter(s.inputs().get(1));
			float[] wt = k.data();
			boolean conv = !s.op().equals("MatMul");
			boolean tb = !conv && s.attrs().containsKey("transpose_b") && s.attrs().get("transpose_b").getB();
			double[] z = preActivation(s);
			int units = z.length;
			if (r[0] == 0) return 0;
			double zz = squared(z, 0, units, cls);
			if (zz == 0) return r[0];
			double[] scale = foldedScale.get(s.name());
			double[] c = new double[units];
			for (int p = 0; p < positions; p++) {
				java.util.Arrays.fill(c, 0);
				for (int ci = 0; ci < cin; ci++) {
					double a = x.lo()[p * cin + ci] / positions;
					if (a == 0) continue;
					for (int u = cls == WHOLE ? 0 : cls; u < (cls == WHOLE ? units : cls + 1); u++) {
						c[u] += a * wt[tb ? u * cin + ci : ci * units + u]; // MatMul [C, units] (or transposed), conv [1, 1, C, units]
					}
				}
				if (scale != null) for (int u = 0; u < units; u++) c[u] *= scale[u];
				shares.add(src, positions, p, along(c, z, 0, units, cls) / zz, length(c, units, cls));
			}
			return shares.commit(rel, r[0]);
		}

		/**
		 * Add / BiasAdd with a parameter or data inputs: each data addend's projection on the sum (an addend broadcast over
		 * positions or channels contributes its one PFV, or its value per position, at each), the parameter spread over them.
		 */
		private double shareSum(Step s, double[] r, int cls) {
			Layout l = layouts.get(s.name());
			int ch = l.channels();
			double[] z = v.get(s.name()).lo();
			double[] c = new double[ch];
			double lost = 0;
			for (int q = 0; q < l.positions(); q++) {
				if (r[q] == 0) continue;
				double zz = squared(z, q * ch, ch, cls);
				if (zz == 0) {
					lost += r[q];
					continue;
				}
				for (String in : s.inputs()) {
					if (!v.containsKey(in)) continue; // a parameter: the bias, spread over the data addends
					Layout a = layouts.get(in);
					double[] y = v.get(in).lo();
					int pa = a.positions() == 1 ? 0 : q;
					for (int k = 0; k < ch; k++) c[k] = y[pa * a.channels() + (a.channels() == 1 ? 0 : k)];
					shares.add(in, a.positions(), pa, along(c, z, q * ch, ch, cls) / zz, length(c, ch, cls));
				}
				lost += shares.commit(rel, r[q]);
			}
			return lost;
		}

		/** A batch norm on its own (not after a convolution): the contribution a * x of its input PFV, the offset spread over it. */
		private double shareBatchNorm(Step s, double[] r, int cls) {
			Layout l = layouts.get(s.name());
			double[] x = v.get(s.inputs().get(0)).lo(), z = v.get(s.name()).lo();
			double[] a = IntervalPropagation.batchNormAffine(program, s)[0];
			int ch = l.channels();
			double[] c = new double[ch];
			double lost = 0;
			for (int q = 0; q < l.positions(); q++) {
				if (r[q] == 0) continue;
				double zz = squared(z, q * ch, ch, cls);
				if (zz == 0) {
					lost += r[q];
					continue;
				}
				for (int k = 0; k < ch; k++) c[k] = a[k] * x[q * ch + k];
				shares.add(s.inputs().get(0), l.positions(), q, along(c, z, q * ch, ch, cls) / zz, length(c, ch, cls));
				lost += shares.commit(rel, r[q]);
			}
			return lost;
		}

		/** Pooling windows (and the global mean as one window): contributions are the averaged or arg-max inputs. */
		private double shareWindows(Step s, double[] r, int cls, boolean max, boolean global) {
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
				double zz = squared(z, q * c, c, cls);
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
					shares.add(in, h * w, p, along(contrib, z, q * c, c, cls) / zz, length(contrib, c, cls));
				}
				lost += shares.commit(rel, r[q]);
			}
			return lost;
		}
	}

	/**
	 * The ratios of one output PFV, gathered input by input, then committed with the layer's bias spread over the
	 * contributions in proportion to their norms (the authors' {@code bias_bunbae}): ratio_p = mu_p + |c_p| / sum |c| *
	 * (1 - sum mu), so the ratios add up to one. The bias is the pre-activation minus the contributions, so it needs no
	 * reading of the weights, and it covers a batch norm's offset too.
	 */
	private static final class Shares {

		private String[] names = new String[16];
		private int[] sizes = new int[16], at = new int[16];
		private double[] mu = new double[16], norm = new double[16];
		private int n;

		void add(String name, int size, int index, double ratio, double contributionNorm) {
			if (n == names.length) {
				names = java.util.Arrays.copyOf(names, 2 * n);
				sizes = java.util.Arrays.copyOf(sizes, 2 * n);
				at = java.util.Arrays.copyOf(at, 2 * n);
				mu = java.util.Arrays.copyOf(mu, 2 * n);
				norm = java.util.Arrays.copyOf(norm, 2 * n);
			}
			names[n] = name;
			sizes[n] = size;
			at[n] = index;
			mu[n] = ratio;
			norm[n] = contributionNorm;
			n++;
		}

		/** Adds r times each ratio to its input; returns the relevance no input carried (all of r when no input contributes). */
		double commit(Map<String, double[]> rel, double r) {
			int count = n;
			n = 0;
			double shared = 0, total = 0;
			for (int i = 0; i < count; i++) {
				shared += mu[i];
				total += norm[i];
			}
			if (total == 0) return r;
			double rest = 1 - shared;
			for (int i = 0; i < count; i++) addAt(rel, names[i], sizes[i], at[i], (mu[i] + norm[i] / total * rest) * r);
			return 0;
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

	/** |z_q|^2 of the PFV at {@code off}, or of its class channel alone. */
	private static double squared(double[] z, int off, int n, int cls) {
		return cls == WHOLE ? norm2(z, off, n) : z[off + cls] * z[off + cls];
	}

	/** &lt;c, z_q&gt;, or the product of their class components. */
	private static double along(double[] c, double[] z, int off, int n, int cls) {
		return cls == WHOLE ? dot(c, 0, z, off, n) : c[cls] * z[off + cls];
	}

	/** |c|, or |c| of the class component. */
	private static double length(double[] c, int n, int cls) {
		return cls == WHOLE ? Math.sqrt(norm2(c, 0, n)) : Math.abs(c[cls]);
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
