package org.conceptscope.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Softmax;
import org.conceptscope.tensor.Normalization;

/**
 * What the classifiers on DJL's PyTorch and ONNX Runtime engines share: every tensor checked in
 * Java before the runtime sees it, images in ConceptScope's layout [N, H, W, C] turned into the
 * model's own layout ([N, C, H, W] for channel-first models) and gradients turned back, layers of
 * rank 4 shown as [N, H, W, C] whatever the model keeps, calls split into batches, and a lock so
 * that {@link #close()} never frees the model under a running call.
 * <p>
 * A subclass runs three functions on tensors in the model's layout: the forward pass, g (input to
 * a layer) and h (a layer to the logits), and the gradient of {@code sum weights * output} of the
 * forward pass and of h; the layer gradient is the gradient of h at g(x).
 */
public abstract class EngineClassifier implements RawOutputClassifier {

	/**
	 * What a subclass runs: the whole model, or one side of a layer split. FORWARD: the logits (before a
	 * final softmax the engine found); OUTPUT: what the network itself returns.
	 */
	protected enum Part { FORWARD, OUTPUT, TO_LAYER, FROM_LAYER }

	/**
	 * The model's image input.
	 *
	 * @param height        rows, -1: any
	 * @param width         columns, -1: any
	 * @param channels      channels (must be known)
	 * @param channelsFirst the model takes [N, C, H, W] (PyTorch's convention), else [N, H, W, C]
	 * @param probeHeight   rows of the image that tries the model when it loads: the fixed height, else one the model accepts
	 * @param probeWidth    columns of that image
	 * @param batchAxis     the model's input has a batch axis; without one (bioimage.io 0.5, where it is optional) the
	 *                      model takes one image [C, H, W] (or [H, W, C]) per call and returns its output without a batch axis
	 */
	public record Input(long height, long width, long channels, boolean channelsFirst, long probeHeight, long probeWidth, boolean batchAxis) {
		/** Tried at 64 x 64 where the size is free. */
		public static final long PROBE = 64;

		public Input {
			if (channels < 1) throw new IllegalArgumentException("The model's input channel count must be known.");
		}

		public Input(long height, long width, long channels, boolean channelsFirst, long probeHeight, long probeWidth) {
			this(height, width, channels, channelsFirst, probeHeight, probeWidth, true);
		}

		public Input(long height, long width, long channels, boolean channelsFirst) {
			this(height, width, channels, channelsFirst, height > 0 ? height : PROBE, width > 0 ? width : PROBE);
		}

		/** The same input, tried at h x w when it loads (a size its minimum and step allow). */
		public Input probedAt(long h, long w) {
			return new Input(height, width, channels, channelsFirst, h, w, batchAxis);
		}

		/** The same input without a batch axis: the model takes one image per call. */
		public Input withoutBatchAxis() {
			return new Input(height, width, channels, channelsFirst, probeHeight, probeWidth, false);
		}

		/**
		 * The input a model card declares ({@code "input": {"axes": "bcyx", "height": 224, "width": 224, "channels": 3}});
		 * null card fields fall back to {@code fallback} (null: none).
		 *
		 * @throws ModelLoadException naming the card and the key when the input cannot be known
		 */
		public static Input fromCard(ModelConfig.InputCard card, Input fallback, String cardFile) {
			String example = " e.g. \"input\": {\"axes\": \"bcyx\", \"height\": 224, \"width\": 224, \"channels\": 3}";
			if (card == null && fallback == null) {
				throw new ModelLoadException(cardFile + " must describe the model's image input," + example + ".");
			}
			if (card == null) return fallback;
			String axes = card.axes == null ? (fallback == null || fallback.channelsFirst() ? "bcyx" : "byxc") : card.axes.strip().toLowerCase(java.util.Locale.ROOT);
			if (!axes.equals("bcyx") && !axes.equals("byxc")) {
				throw new ModelLoadException(cardFile + ": \"input\".\"axes\" is '" + card.axes + "'; ConceptScope feeds 2D images as \"bcyx\""
					+ " (channels first, PyTorch's convention) or \"byxc\".");
			}
			Long c = card.channels != null ? card.channels : fallback == null ? null : (Long) fallback.channels();
			if (c == null || c < 1) throw new ModelLoadException(cardFile + " must give the input's \"channels\" (1 or more)," + example + ".");
			long h = card.height != null ? card.height : fallback == null ? -1 : fallback.height();
			long w = card.width != null ? card.width : fallback == null ? -1 : fallback.width();
			if (h == 0 || w == 0 || h < -1 || w < -1) throw new ModelLoadException(cardFile + ": the input height and width must be positive, or -1 for any.");
			return new Input(h, w, c, axes.equals("bcyx"));
		}

		/** [-1, H, W, C] in ConceptScope's layout. */
		public long[] imageShape() {
			return new long[] { -1, height, width, channels };
		}
	}

	/**
	 * What a loader knows about a model besides its file.
	 *
	 * @param name          for tables and logs; null: the file name
	 * @param classes       one name per output; null or empty: "class 0", "class 1", ...
	 * @param normalization how raw pixels become the input
	 * @param pixelSize     the pixel size the model was trained at, or null
	 * @param inputDomain   the card's input statistics (out-of-domain warning), or null
	 * @param classesOrigin where the class names are declared, for messages (null: the card file; a package's rdf and key)
	 */
	public record Description(String name, Input input, List<String> classes, Normalization normalization, PixelSize pixelSize,
		org.conceptscope.tensor.InputDomain inputDomain, String classesOrigin) {
		public Description {
			classes = classes == null ? List.of() : List.copyOf(classes);
			normalization = normalization == null ? new Normalization.None() : normalization;
		}

		public Description(String name, Input input, List<String> classes, Normalization normalization, PixelSize pixelSize,
			org.conceptscope.tensor.InputDomain inputDomain) {
			this(name, input, classes, normalization, pixelSize, inputDomain, null);
		}

		/** Without input statistics: nothing to warn against. */
		public Description(String name, Input input, List<String> classes, Normalization normalization, PixelSize pixelSize) {
			this(name, input, classes, normalization, pixelSize, null);
		}

		/** The same facts, their class names declared in {@code origin}. */
		public Description declaredIn(String origin) {
			return new Description(name, input, classes, normalization, pixelSize, inputDomain, origin);
		}

		/** "&lt;origin&gt; names N classes but the model has ...", for a model whose outputs do not match its class names. */
		public String classCountMismatch(java.nio.file.Path file, int k, String outputs) {
			return (classesOrigin != null ? classesOrigin : "The model card of " + file) + " names " + classes.size() + " classes but the model has "
				+ k + outputs;
		}

		/** From a model card (conceptscope.json) beside a TorchScript or ONNX file; {@code fallback} for an input the file itself declares. */
		public static Description fromCard(ModelConfig card, Input fallback, String cardFile) {
			try {
				return new Description(card.name, Input.fromCard(card.input, fallback, cardFile), card.classes, card.parsedNormalization(),
					card.parsedPixelSize(), card.parsedInputDomain(), null);
			} catch (IllegalArgumentException e) {
				throw new ModelLoadException(cardFile + ": " + e.getMessage() + ".", e);
			}
		}

		public Description withNames(List<String> classNames) {
			return new Description(name, input, classNames, normalization, pixelSize, inputDomain, classesOrigin);
		}

		/** This description, named after the model file ("weights" for weights.onnx) when the card gives no name. */
		public Description namedAfter(java.nio.file.Path file) {
			if (name != null && !name.isBlank()) return this;
			String n = file.getFileName().toString();
			int dot = n.lastIndexOf('.');
			return new Description(dot > 0 ? n.substring(0, dot) : n, input, classes, normalization, pixelSize, inputDomain, classesOrigin);
		}
	}

	private final String name;
	private final Input input;
	private final List<String> classNames;
	private final Normalization normalization;
	private final PixelSize pixelSize;
	private final org.conceptscope.tensor.InputDomain inputDomain;
	private final ModelSignature signature;
	/** The output's shape in ConceptScope's layout, batch -1 ([-1, K] for a classifier). */
	private final long[] outputShape;
	private final boolean dense;
	private final ReentrantReadWriteLock lifetime = new ReentrantReadWriteLock();
	private boolean closed;
	private volatile long memoryBudget = TensorFlowClassifier.defaultMemoryBudget();

	/** A classifier: @param d with the class names filled in (one per output) */
	protected EngineClassifier(Description d, String engine) {
		this(d, engine, null);
	}

	/**
	 * @param d           with the class names filled in (one per output channel)
	 * @param modelOutput the output's shape as the model gives it for one image (batch first), or null for [N, classes]
	 */
	protected EngineClassifier(Description d, String engine, long[] modelOutput) {
		this.name = d.name();
		this.input = d.input();
		this.classNames = d.classes();
		this.normalization = d.normalization();
		this.pixelSize = d.pixelSize();
		this.inputDomain = d.inputDomain();
		Input input = d.input();
		TensorSpec in = new TensorSpec("input", engine + " input", input.imageShape(), "float32");
		this.outputShape = modelOutput == null ? new long[] { -1, classNames.size() } : imageOutputShape(modelOutput, input);
		this.dense = outputShape.length >= 3;
		TensorSpec logits = new TensorSpec(dense ? "output" : "logits", engine + " output", outputShape, "float32");
		this.signature = new ModelSignature("forward", in, logits, null, List.of(logits));
	}

	/**
	 * A model's output shape (one image, the model's layout) in ConceptScope's layout with batch -1:
	 * a rank-4 output of a channel-first model is [N, C, H, W] and shown as [N, H, W, C]; its spatial
	 * sizes are -1 when the input's are not fixed.
	 */
	static long[] imageOutputShape(long[] modelOutput, Input input) {
		long[] s = modelOutput.clone();
		if (s.length == 4 && input.channelsFirst()) s = new long[] { s[0], s[2], s[3], s[1] };
		s[0] = -1;
		if (s.length == 4) {
			if (input.height() < 0) s[1] = -1;
			if (input.width() < 0) s[2] = -1;
		}
		return s;
	}

	/** The number of output channels of a model's output for one image (its last axis, or axis 1 of a channel-first map). */
	protected static int outputChannels(long[] modelOutput, Input input) {
		return (int) modelOutput[channelAxis(modelOutput, input)];
	}

	/** The axis of a model's output that holds its channels (as {@link #outputChannels} counts them). */
	protected static int channelAxis(long[] modelOutput, Input input) {
		return modelOutput.length == 4 && input.channelsFirst() ? 1 : modelOutput.length - 1;
	}

	/**
	 * Whether a map output is the softmax over its channel axis of what precedes it (the model ends in
	 * such a softmax, checked on a probe), so that its entries are probabilities.
	 */
	protected static boolean isSoftmaxOverChannels(FloatTensor before, FloatTensor out, Input input) {
		if (out.rank() < 3 || !Arrays.equals(before.shape(), out.shape())) return false;
		return agreesOnProbe(Softmax.overAxis(before, channelAxis(out.shape(), input)), out);
	}

	/** 1 / (1 + exp(-z)) of each entry. */
	protected static FloatTensor sigmoid(FloatTensor z) {
		float[] p = new float[z.size()];
		for (int i = 0; i < p.length; i++) p[i] = (float) (1 / (1 + Math.exp(-z.data()[i])));
		return new FloatTensor(z.shape(), p);
	}

	/**
	 * Whether an output is the sigmoid of each entry of what precedes it (the model ends in a sigmoid, checked on a
	 * probe): a map's entries are then each channel's own probability.
	 */
	protected static boolean isSigmoidOf(FloatTensor before, FloatTensor out) {
		return Arrays.equals(before.shape(), out.shape()) && agreesOnProbe(sigmoid(before), out);
	}

	/**
	 * Whether a value recomputed another way on a probe (a softmax, a model cut in two parts) is the
	 * engine's own output up to the float noise of the two paths: same shape, and each entry within
	 * 1e-4 (1 + |entry|). One tolerance for every such check of the engines' structure.
	 */
	protected static boolean agreesOnProbe(FloatTensor recomputed, FloatTensor out) {
		if (!Arrays.equals(recomputed.shape(), out.shape())) return false;
		for (int i = 0; i < out.size(); i++) {
			if (!(Math.abs(recomputed.data()[i] - out.data()[i]) <= 1e-4 * (1 + Math.abs(out.data()[i])))) return false;
		}
		return true;
	}

	/** Runs a part of the model on a batch in the model's layout. */
	protected abstract FloatTensor run(Part part, LayerInfo layer, FloatTensor modelInput);

	/** d(sum weights * part(x)) / dx for FORWARD or FROM_LAYER, x in the model's layout. */
	protected abstract FloatTensor gradient(Part part, LayerInfo layer, FloatTensor modelInput, FloatTensor weights);

	/** Releases the runtime's model (called once, with no call running). */
	protected abstract void release();

	/** Whether rank-4 layers are [N, C, H, W] inside the model. */
	protected boolean layersChannelsFirst() {
		return input.channelsFirst();
	}

	public Input input() {
		return input;
	}

	@Override
	public String name() {
		return name;
	}

	@Override
	public ModelSignature signature() {
		return signature;
	}

	@Override
	public List<String> classNames() {
		return classNames;
	}

	@Override
	public Normalization normalization() {
		return normalization;
	}

	@Override
	public PixelSize pixelSize() {
		return pixelSize;
	}

	/** Native memory one batch may use; the default is {@link TensorFlowClassifier#DEFAULT_MEMORY_BUDGET} or its system property. */
	public void setMemoryBudget(long bytes) {
		if (bytes < 1) throw new IllegalArgumentException("The memory budget must be positive, got " + bytes + " bytes.");
		memoryBudget = bytes;
	}

	@Override
	public int preferredBatchSize() {
		return batch(1);
	}

	/** Images per call for gradients, which keep every activation for the backward pass. */
	public int gradientBatchSize() {
		return batch(4);
	}

	/** From the memory budget: input plus twice the largest layer per image (times a factor for gradients). */
	private int batch(int factor) {
		long in = 1;
		for (long d : input.imageShape()) in *= d < 0 ? 1 : d;
		if (input.height() < 0 || input.width() < 0) return TensorFlowClassifier.DEFAULT_MAX_BATCH;
		long largest = 0;
		for (LayerInfo l : layers()) {
			long s = 1;
			for (int i = 1; i < l.shape().length; i++) s *= Math.max(1, l.shape()[i]);
			largest = Math.max(largest, s);
		}
		long perImage = 4L * factor * (2 * in + 2 * largest);
		return (int) Math.max(1, Math.min(TensorFlowClassifier.MAX_AUTOMATIC_BATCH, memoryBudget / Math.max(1, perImage)));
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		return whole(Part.FORWARD, images);
	}

	/**
	 * What the network itself returns, its final softmax included (the logits leave it out): the output a
	 * package's test tensor was made from.
	 */
	public FloatTensor networkOutput(FloatTensor images) {
		return whole(Part.OUTPUT, images);
	}

	/** The whole model run on images in batches: its logits (FORWARD) or its own output (OUTPUT), in image space. */
	private FloatTensor whole(Part part, FloatTensor images) {
		return guarded(() -> {
			checkImages(images);
			return batched(images, null, preferredBatchSize(), (x, w) -> checkedLogits(toImageOutput(run(part, null, toModel(x))), x.dim(0)));
		});
	}

	/**
	 * The softmax of the logits over the last axis (the classes; each pixel's channels of a map), or a probability map as
	 * it is; a multi-label classifier's ({@link #isMultiLabel()}: it ends in a sigmoid that {@link #logits} leaves out)
	 * each class's own sigmoid of its logit.
	 */
	@Override
	public FloatTensor probabilities(FloatTensor images) {
		if (isMultiLabel() && !isDense()) return sigmoid(logits(images));
		return DenseModel.probabilitiesOf(logits(images), mapHoldsProbabilities());
	}

	// ---- DenseModel: the raw output ----

	/** Whether the output is a map (rank 3 or more) rather than logits [N, classes]. */
	@Override
	public boolean isDense() {
		return dense;
	}

	@Override
	public long[] outputShape() {
		return outputShape.clone();
	}

	/** No: a map is taken as logits (a final softmax is the model's business; subclasses that check for one say otherwise). */
	@Override
	public boolean mapHoldsProbabilities() {
		return false;
	}

	/** The card's input statistics (conceptscope.json's {@code input_statistics}), or null. */
	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return inputDomain;
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		return guarded(() -> {
			checkImages(images);
			checkClassWeights(classWeights, images.dim(0));
			return batched(images, classWeights, gradientBatchSize(), (x, w) -> toImage(gradient(Part.FORWARD, null, toModel(x), toModelOutput(w))));
		});
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		return guarded(() -> {
			LayerInfo l = layerInfo(layer);
			checkImages(images);
			return batched(images, null, preferredBatchSize(), (x, w) -> toImageLayer(run(Part.TO_LAYER, l, toModel(x))));
		});
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		return guarded(() -> {
			LayerInfo l = layerInfo(layer);
			checkImages(images);
			checkClassWeights(classWeights, images.dim(0));
			return batched(images, classWeights, gradientBatchSize(),
				(x, w) -> toImageLayer(gradient(Part.FROM_LAYER, l, run(Part.TO_LAYER, l, toModel(x)), toModelOutput(w))));
		});
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return guarded(() -> {
			LayerInfo l = layerInfo(layer);
			checkActivations(l, activations);
			return batched(activations, null, preferredBatchSize(),
				(a, w) -> checkedLogits(toImageOutput(run(Part.FROM_LAYER, l, toModelLayer(a))), a.dim(0)));
		});
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return guarded(() -> {
			LayerInfo l = layerInfo(layer);
			checkActivations(l, activations);
			checkClassWeights(classWeights, activations.dim(0));
			return batched(activations, classWeights, gradientBatchSize(),
				(a, w) -> toImageLayer(gradient(Part.FROM_LAYER, l, toModelLayer(a), toModelOutput(w))));
		});
	}

	@Override
	public final void close() {
		Lock w = lifetime.writeLock();
		w.lock();
		try {
			if (closed) return;
			closed = true;
			release();
		} finally {
			w.unlock();
		}
	}

	/** Runs a call unless the model is closed; {@link #close()} waits for running calls. */
	protected <T> T guarded(java.util.function.Supplier<T> call) {
		Lock r = lifetime.readLock();
		r.lock();
		try {
			if (closed) throw new IllegalStateException("The model " + name + " has been closed; load it again.");
			return call.get();
		} finally {
			r.unlock();
		}
	}

	// ---- layouts ----

	private FloatTensor toModel(FloatTensor nhwc) {
		return input.channelsFirst() ? channelsFirst(nhwc) : nhwc;
	}

	private FloatTensor toImage(FloatTensor modelLayout) {
		return input.channelsFirst() ? channelsLast(modelLayout) : modelLayout;
	}

	/** A rank-4 output of a channel-first model ([N, C, H, W]) to [N, H, W, C]. */
	private FloatTensor toImageOutput(FloatTensor out) {
		return dense && out.rank() == 4 && input.channelsFirst() ? channelsLast(out) : out;
	}

	/** Output weights [N, H, W, C] to the model's output layout. */
	private FloatTensor toModelOutput(FloatTensor w) {
		return dense && w.rank() == 4 && input.channelsFirst() ? channelsFirst(w) : w;
	}

	private FloatTensor toModelLayer(FloatTensor a) {
		return a.rank() == 4 && layersChannelsFirst() ? channelsFirst(a) : a;
	}

	private FloatTensor toImageLayer(FloatTensor a) {
		return a.rank() == 4 && layersChannelsFirst() ? channelsLast(a) : a;
	}

	/** [N, H, W, C] to [N, C, H, W]. */
	public static FloatTensor channelsFirst(FloatTensor t) {
		int n = (int) t.dim(0), h = (int) t.dim(1), w = (int) t.dim(2), c = (int) t.dim(3);
		float[] in = t.data(), out = new float[in.length];
		int hw = h * w;
		for (int i = 0; i < n; i++) {
			int base = i * hw * c;
			for (int p = 0; p < hw; p++) {
				for (int k = 0; k < c; k++) out[base + k * hw + p] = in[base + p * c + k];
			}
		}
		return new FloatTensor(new long[] { n, c, h, w }, out);
	}

	/** [N, C, H, W] to [N, H, W, C]. */
	public static FloatTensor channelsLast(FloatTensor t) {
		int n = (int) t.dim(0), c = (int) t.dim(1), h = (int) t.dim(2), w = (int) t.dim(3);
		float[] in = t.data(), out = new float[in.length];
		int hw = h * w;
		for (int i = 0; i < n; i++) {
			int base = i * hw * c;
			for (int k = 0; k < c; k++) {
				for (int p = 0; p < hw; p++) out[base + p * c + k] = in[base + k * hw + p];
			}
		}
		return new FloatTensor(new long[] { n, h, w, c }, out);
	}

	/** A layer as a user sees it, from its shape inside the model ([N, C, H, W] shown as [-1, H, W, C]). */
	protected LayerInfo layerFromModelShape(String layerName, String kind, long[] modelShape) {
		long[] s = modelShape.clone();
		s[0] = -1;
		if (s.length == 4 && layersChannelsFirst()) s = new long[] { -1, modelShape[2], modelShape[3], modelShape[1] };
		if (s.length == 4) {
			// spatial sizes follow the input's when the input size is not fixed
			if (input.height() < 0) s[1] = -1;
			if (input.width() < 0) s[2] = -1;
		}
		return new LayerInfo(layerName, kind, s);
	}

	// ---- batching ----

	private interface BatchCall {
		FloatTensor apply(FloatTensor x, FloatTensor w);
	}

	private static FloatTensor batched(FloatTensor x, FloatTensor w, int batch, BatchCall call) {
		int n = (int) x.dim(0);
		if (n <= batch) return call.apply(x, w);
		List<FloatTensor> parts = new ArrayList<>();
		for (int from = 0; from < n; from += batch) {
			int to = Math.min(n, from + batch);
			parts.add(call.apply(x.range(from, to), w == null ? null : w.range(from, to)));
		}
		return FloatTensor.concat(parts);
	}

	// ---- validation ----

	protected LayerInfo layerInfo(String layer) {
		if (layer == null || layer.isBlank()) throw new IllegalArgumentException("No layer name given. " + layerHint());
		for (LayerInfo l : layers()) if (l.name().equals(layer)) return l;
		throw new IllegalArgumentException("Unknown layer '" + layer + "'. " + layerHint());
	}

	/** The sentence listing the layers, or saying why there are none. */
	protected String layerHint() {
		List<LayerInfo> ls = layers();
		if (ls.isEmpty()) return noLayersReason();
		return "Layers of this model: " + ls.stream().map(LayerInfo::name).collect(Collectors.joining(", ")) + ".";
	}

	/** Why {@link #layers()} is empty, as a sentence naming a method that works without layers. */
	protected abstract String noLayersReason();

	private FloatTensor checkedLogits(FloatTensor out, long batch) {
		if (dense) {
			boolean ok = out.rank() == outputShape.length && out.dim(0) == batch;
			for (int i = 1; ok && i < outputShape.length; i++) ok = outputShape[i] < 0 || out.dim(i) == outputShape[i];
			if (!ok) {
				throw new IllegalStateException("The model " + name + " returned " + Arrays.toString(out.shape()) + " for " + batch
					+ " images; its output was " + Arrays.toString(outputShape) + " when it loaded.");
			}
			return out;
		}
		if (out.rank() != 2 || out.dim(0) != batch || out.dim(1) != classNames.size()) {
			throw new IllegalStateException("The model " + name + " returned " + Arrays.toString(out.shape()) + " for " + batch
				+ " images; a classifier returns [N, " + classNames.size() + "] logits.");
		}
		return out;
	}

	protected void checkImages(FloatTensor images) {
		TensorChecks.images(input.imageShape(), images);
	}

	private void checkClassWeights(FloatTensor weights, long batch) {
		if (dense) TensorChecks.outputWeights(weights, batch, outputShape);
		else TensorChecks.classWeights(weights, batch, classNames.size());
	}

	private void checkActivations(LayerInfo layer, FloatTensor acts) {
		TensorChecks.activations(layer.name(), layer.shape(), acts);
	}
}
