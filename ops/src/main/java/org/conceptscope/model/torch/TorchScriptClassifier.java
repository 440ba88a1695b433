package org.conceptscope.model.torch;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.conceptscope.model.EngineClassifier;
import org.conceptscope.model.EngineEnvironment;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Folders;

/**
 * A TorchScript model ({@code torch.jit.trace} or {@code torch.jit.script}, saved with
 * {@code torch.jit.save}) on DJL's PyTorch engine (libtorch 2.7.1, CPU, offline).
 * <p>
 * Before libtorch sees the file, {@link TorchScriptSafety} reads its code and pickles and refuses
 * anything but tensor computation. Every gradient comes from libtorch's autograd: the input (or a
 * layer's activations) is a leaf that requires a gradient, the module runs with autograd on (in
 * eval mode: batch norm uses its running statistics, dropout is off), and
 * {@code sum(weights * output)} is back-propagated. Layers are the outputs of the top-level
 * module's submodules where the model can be cut there ({@link TorchScriptLayers}); each offered
 * layer is checked when the model loads: h(g(x)) must give forward(x).
 * <p>
 * A model without a batch axis (a bioimage.io 0.5 input that leaves it out: it takes one image [C, H, W] and gives
 * [K]) runs one image per call: the batch axis is dropped from each image (and from the output weights of a
 * gradient) on the way in and put back on what comes out, so the rest of ConceptScope sees a batch as for any model.
 */
public final class TorchScriptClassifier extends EngineClassifier {

	private final Path file;
	private final ZooModel<NDList, NDList> model;
	private final PtSymbolBlock block;
	private final List<LayerInfo> layers;
	private final Map<String, Integer> layerIndex;
	private final String noLayers;
	/** The method that gives the logits: forward, or the part of forward before its final softmax or sigmoid. */
	private final String logitsMethod;
	/** Whether a map output is forward's final softmax over the output's channel axis, or its final sigmoid. */
	private final boolean denseProbabilities;
	/** Whether forward ends in torch.sigmoid (checked on the probe): multi-label, each class its own probability. */
	private final boolean multiLabel;

	private TorchScriptClassifier(Path file, Description d, ZooModel<NDList, NDList> model, PtSymbolBlock block, List<LayerInfo> layers,
		Map<String, Integer> layerIndex, String noLayers, String logitsMethod, long[] denseOutput, boolean denseProbabilities, boolean multiLabel) {
		super(d, "TorchScript", denseOutput);
		this.logitsMethod = logitsMethod;
		this.denseProbabilities = denseProbabilities;
		this.multiLabel = multiLabel;
		this.file = file;
		this.model = model;
		this.block = block;
		this.layers = layers;
		this.layerIndex = layerIndex;
		this.noLayers = noLayers;
	}

	/**
	 * Loads a TorchScript file with its model card: {@value ModelConfig#FILE_NAME} in the same folder,
	 * which must say the input (see {@link Input#fromCard}).
	 */
	public static TorchScriptClassifier load(Path file, LoadOptions options) {
		Path dir = file.toAbsolutePath().getParent();
		ModelConfig card = ModelConfig.read(dir);
		String where = dir.resolve(ModelConfig.FILE_NAME).toString();
		if (!java.nio.file.Files.exists(dir.resolve(ModelConfig.FILE_NAME))) {
			where = "A TorchScript model needs a model card: " + where + ", which";
		}
		return load(file, Description.fromCard(card, null, where), options);
	}

	/**
	 * Loads a TorchScript file.
	 *
	 * @throws ModelLoadException naming what is wrong with the file
	 * @throws org.conceptscope.model.UnsafeModelException when its code does more than tensor computation
	 */
	public static TorchScriptClassifier load(Path file, Description description, LoadOptions options) {
		if (options == null) options = LoadOptions.defaults();
		TorchScriptArchive archive = TorchScriptArchive.read(file, options.maxUnpackedBytes());
		if (!options.trustModel()) TorchScriptSafety.check(archive);
		String root;
		try {
			List<String> globals = PickleScan.globals(archive.pickles().get("data.pkl"));
			root = globals.isEmpty() ? null : globals.get(0);
		} catch (PickleScan.BadPickle e) {
			throw new ModelLoadException(file + ": its data.pkl " + e.getMessage() + ".");
		}
		if (root == null || !root.startsWith("__torch__.")) {
			throw new ModelLoadException(file + ": its data.pkl does not hold a TorchScript module (it starts with " + root + ").");
		}
		TorchScriptLayers.Result splits = TorchScriptLayers.of(archive, root);
		PyTorchEngine.start();
		ZooModel<NDList, NDList> model = null;
		String noLayers = splits.whyNone();
		List<TorchScriptLayers.Layer> offered = splits.layers();
		boolean logits = splits.logits(), sigmoid = splits.sigmoid();
		if (splits.code() != null) {
			Path tmp = null;
			try {
				Files.createDirectories(options.workDirOrDefault());
				tmp = Files.createTempDirectory(options.workDirOrDefault(), "conceptscope-torchscript-");
				Path rewritten = tmp.resolve(file.getFileName().toString());
				archive.writeWith(rewritten, splits.code());
				if (!options.trustModel()) TorchScriptSafety.check(TorchScriptArchive.read(rewritten, options.maxUnpackedBytes()));
				model = loadModel(rewritten, file);
			} catch (IOException e) {
				throw new ModelLoadException("Cannot write a temporary copy of " + file + " into " + options.workDirOrDefault() + ": " + e.getMessage(), e);
			} catch (ModelLoadException e) {
				if (e instanceof org.conceptscope.model.UnsafeModelException) throw e;
				noLayers = "libtorch did not compile the layer split ConceptScope wrote for it (" + e.getMessage() + ")";
				offered = List.of();
				logits = false;
				sigmoid = false;
			} finally {
				Folders.deleteTreeQuietly(tmp);
			}
		}
		if (model == null) model = loadModel(file, file);
		try {
			PtSymbolBlock block = (PtSymbolBlock) model.getBlock();
			block.freezeParameters(true);
			Description d = description.namedAfter(file);
			return probe(file, d, model, block, offered, noLayers, logits ? TorchScriptLayers.LOGITS : "forward", sigmoid);
		} catch (RuntimeException e) {
			model.close();
			throw e;
		}
	}

	private static ZooModel<NDList, NDList> loadModel(Path path, Path original) {
		return EngineEnvironment.withOwnClassLoader(() -> {
			try {
				Criteria<NDList, NDList> criteria = Criteria.builder()
					.setTypes(NDList.class, NDList.class)
					.optModelPath(path)
					.optEngine("PyTorch")
					.optOption("mapLocation", "true")
					// parameters loaded outside inference mode, so autograd can differentiate through them (they are frozen below)
					.optOption("trainParam", "true")
					.optTranslator(new NoopTranslator())
					.build();
				return criteria.loadModel();
			} catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
				throw new ModelLoadException("libtorch " + PyTorchEngine.LIBTORCH_VERSION + " could not load the TorchScript file " + original + ": "
					+ firstLine(e.getMessage()), e);
			}
		});
	}

	/**
	 * Runs a one-image probe: the output must be [1, K] or a map; each layer's shape is read and its split checked.
	 *
	 * @param sigmoid whether {@code logitsMethod} leaves out a final torch.sigmoid rather than a softmax
	 */
	private static TorchScriptClassifier probe(Path file, Description d, ZooModel<NDList, NDList> model, PtSymbolBlock block,
		List<TorchScriptLayers.Layer> offered, String noLayers, String logitsMethod, boolean sigmoid) {
		Input input = d.input();
		List<String> classes = d.classes();
		long h = input.probeHeight(), w = input.probeWidth(), c = input.channels();
		long[] shape = input.channelsFirst() ? new long[] { 1, c, h, w } : new long[] { 1, h, w, c };
		float[] values = new float[(int) (c * h * w)];
		java.util.Random r = new java.util.Random(1);
		for (int i = 0; i < values.length; i++) values[i] = (float) r.nextGaussian();
		FloatTensor x = new FloatTensor(shape, values);
		FloatTensor out;
		try {
			out = call(model, block, input.batchAxis(), logitsMethod, x, false, null);
		} catch (RuntimeException e) {
			throw new ModelLoadException("The TorchScript model " + file + " fails on an input " + Arrays.toString(shape) + " (declared axes "
				+ (input.batchAxis() ? "b" : "") + (input.channelsFirst() ? "cyx" : "yxc") + "): " + firstLine(e.getMessage()) + " Check the input size and axes in its model card or rdf.yaml.", e);
		}
		boolean denseProbabilities = false, multiLabel = false;
		if (out.rank() != 2 && !logitsMethod.equals("forward")) {
			// a dense output (a segmentation map) is explained as the model gives it, its softmax or sigmoid included
			FloatTensor before = out;
			logitsMethod = "forward";
			offered = List.of();
			noLayers = "its output is a map and ConceptScope splits TorchScript models before a final softmax or sigmoid only";
			out = call(model, block, input.batchAxis(), logitsMethod, x, false, null);
			// its entries are probabilities when that softmax runs over the map's channel axis (not, say, over x), or each
			// entry is its channel's own sigmoid (multi-label per pixel)
			denseProbabilities = sigmoid ? isSigmoidOf(before, out) : isSoftmaxOverChannels(before, out, input);
			multiLabel = sigmoid && denseProbabilities;
		} else if (sigmoid) {
			// a classifier ending in torch.sigmoid (multi-label, or a one-output binary model): explained on the logits before
			// it, whose gradients the sigmoid's saturation does not flatten; its probabilities are each class's own sigmoid
			FloatTensor own = call(model, block, input.batchAxis(), "forward", x, false, null);
			multiLabel = isSigmoidOf(out, own);
			if (!multiLabel) {
				// not what the code said: the model's own output is explained, and the layers (which end before it) are dropped below
				logitsMethod = "forward";
				out = own;
			}
		}
		if (out.rank() < 2 || out.dim(0) != 1 || out.dim(out.rank() - 1) < 1) {
			throw new ModelLoadException("The TorchScript model " + file + " returns " + Arrays.toString(out.shape()) + " for one image; ConceptScope"
				+ " explains classifiers, whose output is [N, classes], and dense models, whose output is a map such as [N, C, H, W].");
		}
		long[] denseOutput = out.rank() >= 3 ? out.shape() : null;
		int k = denseOutput == null ? (int) out.dim(1) : outputChannels(denseOutput, input);
		List<String> names = classes;
		if (names == null || names.isEmpty()) {
			names = new ArrayList<>();
			for (int i = 0; i < k; i++) names.add("class " + i);
		} else if (names.size() != k) {
			throw new ModelLoadException(d.classCountMismatch(file, k, "")
				+ (denseOutput == null ? " outputs." : " output channels (its output " + Arrays.toString(denseOutput) + " is a map; name one class per channel)."));
		}
		List<LayerInfo> layers = new ArrayList<>();
		Map<String, Integer> index = new HashMap<>();
		d = d.withNames(names);
		TorchScriptClassifier tmp = new TorchScriptClassifier(file, d, model, block, List.of(), Map.of(), noLayers, logitsMethod, denseOutput,
			denseProbabilities, multiLabel);
		List<String> dropped = new ArrayList<>();
		for (TorchScriptLayers.Layer l : offered) {
			try {
				FloatTensor a = call(model, block, input.batchAxis(), TorchScriptLayers.G + l.index(), x, false, null);
				FloatTensor back = call(model, block, input.batchAxis(), TorchScriptLayers.H + l.index(), a, false, null);
				if (!agreesOnProbe(back, out) || !(a.rank() == 2 || a.rank() == 4)) {
					dropped.add(l.name());
					continue;
				}
				String kind = l.moduleClass().substring(l.moduleClass().lastIndexOf('.') + 1);
				layers.add(tmp.layerFromModelShape(l.name(), kind, a.shape()));
				index.put(l.name(), l.index());
			} catch (RuntimeException e) {
				dropped.add(l.name());
			}
		}
		if (layers.isEmpty() && noLayers == null) {
			noLayers = "its submodule outputs " + dropped + (input.batchAxis() ? "" : " for one image (its input has no batch axis: ConceptScope"
				+ " runs it one image at a time, and a layer's output must be that image's, without a batch axis of its own)")
				+ " do not split it into two parts that give its output again";
		}
		return new TorchScriptClassifier(file, d, model, block, Collections.unmodifiableList(layers), Collections.unmodifiableMap(index), noLayers,
			logitsMethod, denseOutput, denseProbabilities, multiLabel);
	}

	/**
	 * Runs a method of the module on a float tensor; with weights, returns d(sum weights * output) / d(input)
	 * by libtorch's autograd instead of the output.
	 */
	private static FloatTensor call(ZooModel<NDList, NDList> model, PtSymbolBlock block, boolean batchAxis, String method, FloatTensor x,
		boolean grad, FloatTensor weights) {
		if (batchAxis) return call(model, block, method, x, grad, weights);
		// a bioimage.io 0.5 input without a batch axis: one image per call, the batch axis dropped on the way in (of the
		// tensor and of the output weights) and put back on what comes out
		List<FloatTensor> parts = new ArrayList<>();
		for (int i = 0; i < x.dim(0); i++) {
			FloatTensor one = call(model, block, method, dropBatch(x.range(i, i + 1)), grad, weights == null ? null : dropBatch(weights.range(i, i + 1)));
			long[] shape = new long[one.rank() + 1];
			shape[0] = 1;
			System.arraycopy(one.shape(), 0, shape, 1, one.rank());
			parts.add(new FloatTensor(shape, one.data()));
		}
		return parts.size() == 1 ? parts.get(0) : FloatTensor.concat(parts);
	}

	/** [1, ...] without its batch axis. */
	private static FloatTensor dropBatch(FloatTensor one) {
		return new FloatTensor(Arrays.copyOfRange(one.shape(), 1, one.rank()), one.data());
	}

	private static FloatTensor call(ZooModel<NDList, NDList> model, PtSymbolBlock block, String method, FloatTensor x, boolean grad,
		FloatTensor weights) {
		boolean gradMode = JniUtils.isGradMode();
		if (grad) JniUtils.setGradMode(true);
		try (NDManager m = model.getNDManager().newSubManager()) {
			NDArray in = m.create(x.data(), new Shape(x.shape()));
			if (grad) in.setRequiresGradient(true);
			NDList inputs = new NDList(in);
			if (!method.equals("forward")) {
				NDArray select = m.create(0f);
				select.setName("module_method:" + method);
				inputs.add(select);
			}
			NDList out = IValueUtils.forward(block, inputs, grad);
			if (out.size() != 1) throw new IllegalStateException("The method " + method + " returned " + out.size() + " tensors instead of one.");
			NDArray y = out.get(0);
			if (y.getDataType() != DataType.FLOAT32) y = y.toType(DataType.FLOAT32, false);
			if (!grad) return new FloatTensor(y.getShape().getShape(), y.toFloatArray());
			NDArray target = y.mul(m.create(weights.data(), new Shape(weights.shape()))).sum();
			JniUtils.backward((PtNDArray) target, (PtNDArray) m.ones(target.getShape()), false, false);
			NDArray g = in.getGradient();
			return new FloatTensor(g.getShape().getShape(), g.toFloatArray());
		} finally {
			if (grad) JniUtils.setGradMode(gradMode);
		}
	}

	@Override
	protected FloatTensor run(Part part, LayerInfo layer, FloatTensor x) {
		return call(model, block, input().batchAxis(), method(part, layer), x, false, null);
	}

	@Override
	protected FloatTensor gradient(Part part, LayerInfo layer, FloatTensor x, FloatTensor weights) {
		return call(model, block, input().batchAxis(), method(part, layer), x, true, weights);
	}

	private String method(Part part, LayerInfo layer) {
		return switch (part) {
			case FORWARD -> logitsMethod;
			case OUTPUT -> "forward";
			case TO_LAYER -> TorchScriptLayers.G + layerIndex.get(layer.name());
			case FROM_LAYER -> TorchScriptLayers.H + layerIndex.get(layer.name());
		};
	}

	@Override
	public List<LayerInfo> layers() {
		return layers;
	}

	@Override
	protected String noLayersReason() {
		return "The TorchScript model " + name() + " offers no layer because " + noLayers + "; Saliency, Integrated Gradients and the other"
			+ " input-gradient and perturbation methods work without one.";
	}

	@Override
	protected void release() {
		model.close();
	}

	/**
	 * Whether a map output is a softmax over its channels or a sigmoid, so its entries are probabilities (forward ends in
	 * {@code torch.softmax(z, c)} over the channel axis c, or in {@code torch.sigmoid(z)}, checked on the load's probe image).
	 */
	@Override
	public boolean mapHoldsProbabilities() {
		return denseProbabilities;
	}

	/**
	 * Whether forward ends in {@code torch.sigmoid} (checked on the load's probe): a classifier's {@link #logits} leave it
	 * out and its {@link #probabilities} are each class's own sigmoid of its logit, not a softmax over the classes; a map
	 * keeps it, and its entries are each channel's own probability ({@link #mapHoldsProbabilities()}).
	 */
	@Override
	public boolean isMultiLabel() {
		return multiLabel;
	}

	/**
	 * Whether a classifier's forward ends in a softmax or a sigmoid that {@link #logits} leaves out (they are what precedes
	 * it) and {@link #probabilities} puts back. A map model's final softmax or sigmoid is never left out: see
	 * {@link #mapHoldsProbabilities()}.
	 */
	public boolean logitsLeaveOutFinalSoftmax() {
		return !logitsMethod.equals("forward");
	}

	/** The file the model was loaded from. */
	public Path file() {
		return file;
	}

	@Override
	public String toString() {
		return "TorchScriptClassifier[" + file + ", " + Arrays.toString(input().imageShape()) + " -> "
			+ (isDense() ? "dense output " + Arrays.toString(outputShape()) : numClasses() + " classes") + "]";
	}

	/** libtorch's messages hold a TorchScript trace; the error itself follows the last "Error:". */
	static String firstLine(String s) {
		if (s == null) return "";
		int e = Math.max(s.lastIndexOf("Error: "), s.lastIndexOf("error: "));
		if (e >= 0) s = s.substring(e + 7);
		int nl = s.indexOf('\n');
		return (nl < 0 ? s : s.substring(0, nl)).strip();
	}
}
