package org.conceptscope.model.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.conceptscope.model.EngineClassifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;

/**
 * An ONNX model on ONNX Runtime 1.21.1 (through DJL's ONNX Runtime engine, offline): forward
 * passes only, since ONNX Runtime has no gradients.
 * <p>
 * The forward-only methods work (Occlusion, RISE, Sobol, HSIC, deletion and insertion); every
 * gradient method is refused with a sentence that names them. Layers (for CRAFT and the other
 * concept methods, which need g and h but no gradient) are the outputs of the graph's nodes where
 * the graph can be cut: everything from there to the logits depends on the input only through that
 * tensor. g runs the graph with the layer as an extra output; h runs a copy of the graph cut at the
 * layer, which becomes its input, built on first use and checked then (h(g(x)) must give the
 * model's output). The model is checked by {@link OnnxSafety} before ONNX Runtime reads it.
 */
public final class OnnxClassifier extends EngineClassifier {

	/** Largest model file read whole (ONNX protobufs are limited to 2 GB; larger weights sit in external files). */
	static final long MAX_BYTES = Integer.MAX_VALUE - 8L;

	private final Path file;
	private final OrtEnvironment env;
	private final OrtSession session;
	private final String inputName;
	private final String outputName;
	/** The graph's own output (outputName may be the input of its final softmax). */
	private final String networkOutputName;
	private final OnnxModel graph;
	private final List<LayerInfo> layers;
	private final Map<String, String> layerTensor;
	private final String noLayers;
	private final Map<String, OrtSession> cuts = new HashMap<>();
	/** Whether a map output is the graph's final Softmax over the output's channel axis, or its final Sigmoid. */
	private final boolean denseProbabilities;
	/** Whether the graph ends in a Sigmoid (multi-label: the probabilities are its outputs), left out of a classifier's logits. */
	private final boolean multiLabel;

	private OnnxClassifier(Path file, Description d, OrtEnvironment env, OrtSession session, String inputName, String outputName,
		String networkOutputName, OnnxModel graph, List<LayerInfo> layers, Map<String, String> layerTensor, String noLayers, long[] denseOutput, boolean denseProbabilities, boolean multiLabel) {
		super(d, "ONNX", denseOutput);
		this.denseProbabilities = denseProbabilities;
		this.multiLabel = multiLabel;
		this.file = file;
		this.env = env;
		this.session = session;
		this.inputName = inputName;
		this.outputName = outputName;
		this.networkOutputName = networkOutputName;
		this.graph = graph;
		this.layers = layers;
		this.layerTensor = layerTensor;
		this.noLayers = noLayers;
	}

	/** Loads an ONNX file with its model card ({@value ModelConfig#FILE_NAME} beside it, optional: the graph says its input). */
	public static OnnxClassifier load(Path file, LoadOptions options) {
		Path dir = file.toAbsolutePath().getParent();
		ModelConfig card = ModelConfig.read(dir);
		// the card's logits names the graph output to explain when the graph has several
		return load(file, card, dir.resolve(ModelConfig.FILE_NAME).toString(), null, card.logits, options);
	}

	/**
	 * Loads an ONNX file described by a bioimage.io rdf (or a caller).
	 *
	 * @param output the graph output holding the logits; null: the only (or first) output
	 */
	public static OnnxClassifier load(Path file, Description description, String output, LoadOptions options) {
		return load(file, null, null, description, output, options);
	}

	private static OnnxClassifier load(Path file, ModelConfig card, String cardFile, Description description, String output, LoadOptions options) {
		if (options == null) options = LoadOptions.defaults();
		byte[] bytes;
		try {
			if (!Files.isRegularFile(file)) throw new ModelLoadException(file + " is not a file.");
			if (Files.size(file) > MAX_BYTES) throw new ModelLoadException(file + " is larger than 2 GB, which no ONNX protobuf can be.");
			bytes = Files.readAllBytes(file);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
		}
		OnnxModel m = OnnxModel.parse(bytes, file.toString());
		boolean external = options.trustModel() || OnnxSafety.check(m, file);
		if (m.inputs.size() != 1) {
			throw new ModelLoadException("The ONNX model " + file + " has " + m.inputs.size() + " inputs " + m.inputs.stream().map(OnnxModel.Value::name).toList()
				+ "; ConceptScope explains models with one image input.");
		}
		OnnxModel.Value in = m.inputs.get(0);
		// a bioimage.io 0.5 input may have no batch axis: the graph then takes one image [C, H, W] (or [H, W, C])
		boolean batchFree = description != null && !description.input().batchAxis();
		if (in.elemType() != OnnxModel.ELEM_FLOAT || in.dims() == null || in.dims().length != (batchFree ? 3 : 4)) {
			throw new ModelLoadException("The input '" + in.name() + "' of the ONNX model " + file + " is " + (in.elemType() != OnnxModel.ELEM_FLOAT
				? "not float32" : "of shape " + Arrays.toString(in.dims())) + "; ConceptScope feeds float32 images " + (batchFree
					? "without a batch axis, [C, H, W] or [H, W, C], as its rdf.yaml declares." : "[N, C, H, W] or [N, H, W, C]."));
		}
		OnnxModel.Value out = null;
		for (OnnxModel.Value v : m.outputs) if (output == null ? out == null : v.name().equals(output)) out = v;
		if (out == null) {
			if (output == null) throw new ModelLoadException("The ONNX model " + file + " has no output: ConceptScope explains a model's output.");
			boolean fromCard = card != null && output.equals(card.logits);
			throw new ModelLoadException("The ONNX model " + file + " has no output '" + output + "'" + (fromCard ? ", which \"logits\" in "
				+ cardFile + " names" : "") + "; its outputs are " + m.outputs.stream().map(OnnxModel.Value::name).toList()
				+ (fromCard ? ": set \"logits\" to one of them, or leave it out for the first." : "."));
		}
		// A graph ending in a Softmax (or a Sigmoid: multi-label) gives probabilities: its logits are that node's input
		// (checked on the probe below).
		String softmaxInput = softmaxInput(m, out.name());
		String sigmoidInput = softmaxInput == null ? activationInput(m, out.name(), "Sigmoid") : null;
		String finalInput = softmaxInput != null ? softmaxInput : sigmoidInput;
		Description d = (description != null ? description : Description.fromCard(card, inferred(in.dims()), cardFile)).namedAfter(file);
		OrtEnvironment env = OnnxEngine.start();
		Input input = d.input();
		long[] probeShape = input.channelsFirst()
			? new long[] { 1, input.channels(), input.probeHeight(), input.probeWidth() }
			: new long[] { 1, input.probeHeight(), input.probeWidth(), input.channels() };
		float[] probe = new float[(int) FloatTensor.sizeOf(probeShape)];
		Random r = new Random(1);
		for (int i = 0; i < probe.length; i++) probe[i] = (float) r.nextGaussian();
		FloatTensor x = new FloatTensor(probeShape, probe);
		// candidate layers: node outputs that depend on the input and cut the graph in two
		Set<String> fromInput = m.fromInput();
		Map<String, OnnxModel.Node> candidates = new LinkedHashMap<>();
		Set<String> names = new HashSet<>();
		for (OnnxModel.Node n : m.nodes) {
			if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) continue;
			String t = n.outputs().get(0);
			if (t.equals(out.name()) || t.equals(finalInput) || !fromInput.contains(t) || m.slice(out.name(), t) == null) continue;
			candidates.put(t, n);
			if (!n.name().isEmpty()) names.add(n.name());
		}
		String noLayers = null;
		OrtSession session = null;
		List<LayerInfo> layers = new ArrayList<>();
		Map<String, String> layerTensor = new LinkedHashMap<>();
		try {
			if (external) {
				noLayers = "it keeps tensors in external files, which ConceptScope does not copy into the graphs it derives";
			} else if (batchFree) {
				noLayers = "its input has no batch axis (ConceptScope runs it one image at a time and does not cut such graphs)";
			} else if (candidates.isEmpty()) {
				noLayers = "no inner tensor of its graph cuts it in two";
			}
			if (!external && (noLayers == null || finalInput != null)) {
				List<String> extra = new ArrayList<>(noLayers == null ? candidates.keySet() : List.of());
				if (finalInput != null) extra.add(finalInput);
				try {
					session = env.createSession(m.withOutputs(extra), new OrtSession.SessionOptions());
				} catch (OrtException e) {
					if (noLayers == null) noLayers = "ONNX Runtime did not accept its inner tensors as outputs (" + e.getMessage() + ")";
				}
			}
			if (session == null) session = external ? env.createSession(file.toString(), new OrtSession.SessionOptions())
				: env.createSession(bytes, new OrtSession.SessionOptions());
			// one probe run: the output, the Softmax's input and every candidate layer
			boolean softmaxFetched = softmaxInput != null && session.getOutputNames().contains(softmaxInput);
			boolean sigmoidFetched = sigmoidInput != null && session.getOutputNames().contains(sigmoidInput);
			Set<String> fetch = new LinkedHashSet<>();
			fetch.add(out.name());
			if (softmaxFetched) fetch.add(softmaxInput);
			if (sigmoidFetched) fetch.add(sigmoidInput);
			if (noLayers == null) fetch.addAll(candidates.keySet());
			Map<String, FloatTensor> onProbe = runAll(env, session, in.name(), x, fetch, batchFree);
			FloatTensor logits = onProbe.get(out.name());
			if (logits == null) {
				throw new ModelLoadException("The ONNX model " + file + " returns no float tensor from '" + out.name() + "'; ConceptScope explains"
					+ " float32 outputs.");
			}
			String logitsName = out.name();
			boolean denseProbabilities = false;
			if (softmaxFetched && logits.rank() >= 2) {
				FloatTensor z = onProbe.get(softmaxInput);
				if (z != null && logits.rank() == 2 && Arrays.equals(z.shape(), logits.shape()) && agreesOnProbe(TensorFlowClassifier.softmax(z), logits)) {
					logitsName = softmaxInput;
					logits = z;
				}
				// a map is explained as the model gives it, its softmax included; over the channels it is probabilities
				if (z != null && logits.rank() >= 3) denseProbabilities = isSoftmaxOverChannels(z, logits, input);
			}
			boolean multiLabel = false;
			if (sigmoidFetched && logits.rank() >= 2) {
				// a classifier ending in a Sigmoid (multi-label, or a one-output binary model): explained on the logits before it,
				// its probabilities each label's own sigmoid; a map ending in one is explained as it is (as a TensorFlow one, in
				// [0, 1] as Xplique's segmentation operator expects), each entry its channel's own probability at that pixel
				FloatTensor z = onProbe.get(sigmoidInput);
				if (z != null && isSigmoidOf(z, logits)) {
					if (logits.rank() == 2) {
						logitsName = sigmoidInput;
						logits = z;
					} else {
						denseProbabilities = true;
					}
					multiLabel = true;
				}
			}
			if (logits.rank() < 2 || logits.dim(0) != 1 || logits.dim(logits.rank() - 1) < 1) {
				throw new ModelLoadException("The ONNX model " + file + " returns " + Arrays.toString(logits.shape()) + " from '" + out.name()
					+ "' for one image; ConceptScope explains classifiers, whose output is [N, classes], and dense models, whose output is a map"
					+ " such as [N, C, H, W].");
			}
			long[] denseOutput = logits.rank() >= 3 ? logits.shape() : null;
			int k = denseOutput == null ? (int) logits.dim(1) : outputChannels(denseOutput, input);
			if (noLayers == null) {
				OnnxClassifier shaper = new OnnxClassifier(file, d.withNames(names(d, k, file)), env, session, in.name(), logitsName, out.name(), m,
					List.of(), Map.of(), null, denseOutput, denseProbabilities, multiLabel);
				for (Map.Entry<String, OnnxModel.Node> e : candidates.entrySet()) {
					FloatTensor a = onProbe.get(e.getKey());
					if (a == null || !(a.rank() == 2 || a.rank() == 4) || a.dim(0) != 1) continue;
					OnnxModel.Node n = e.getValue();
					String name = !n.name().isEmpty() && names.contains(n.name()) && countName(m, n.name()) == 1 ? n.name() : e.getKey();
					layers.add(shaper.layerFromModelShape(name, n.opType(), a.shape()));
					layerTensor.put(name, e.getKey());
				}
				if (layers.isEmpty()) noLayers = "none of its inner tensors that cut it in two is a float tensor of rank 2 or 4";
			}
			return new OnnxClassifier(file, d.withNames(names(d, k, file)), env, session, in.name(), logitsName, out.name(), m,
				Collections.unmodifiableList(layers), Collections.unmodifiableMap(layerTensor), noLayers, denseOutput, denseProbabilities, multiLabel);
		} catch (OrtException | RuntimeException e) {
			if (session != null) {
				try {
					session.close();
				} catch (OrtException ignored) {
					// nothing more to release
				}
			}
			if (e instanceof ModelLoadException mle) throw mle;
			throw new ModelLoadException("ONNX Runtime " + OnnxEngine.ONNXRUNTIME_VERSION + " could not run the ONNX model " + file + " on an input "
				+ Arrays.toString(probeShape) + ": " + e.getMessage() + " Check the input size and axes in its model card or rdf.yaml.", e);
		}
	}

	/**
	 * The input of the ONNX Softmax node (default domain, one input) that computes {@code output}, or null.
	 * Its semantics (the axis, flattened before opset 13) are not read here: the caller keeps it as the
	 * logits only where the model's output equals its softmax over the classes on the probe.
	 */
	static String softmaxInput(OnnxModel m, String output) {
		return activationInput(m, output, "Softmax");
	}

	/** The input of the ONNX node of type {@code op} (default domain, one input) that computes {@code output}, or null. */
	static String activationInput(OnnxModel m, String output, String op) {
		for (OnnxModel.Node n : m.nodes) {
			if (!n.outputs().contains(output)) continue;
			boolean match = n.opType().equals(op) && (n.domain().isEmpty() || n.domain().equals("ai.onnx")) && n.inputs().size() == 1;
			return match ? n.inputs().get(0) : null;
		}
		return null;
	}

	/**
	 * Whether the graph ends in a Sigmoid (checked on the load's probe): a classifier's logits leave it out and its
	 * probabilities are each class's own sigmoid of its logit, not a softmax over the classes; a map keeps it, and its
	 * entries are each channel's own probability ({@link #mapHoldsProbabilities()}).
	 */
	@Override
	public boolean isMultiLabel() {
		return multiLabel;
	}

	/** [N, C, H, W] unless the dims say channels come last (a last dim of 1..4 and a second that is not). */
	private static Input inferred(long[] dims) {
		boolean firstSmall = dims[1] > 0 && dims[1] <= 4, lastSmall = dims[3] > 0 && dims[3] <= 4;
		boolean channelsFirst = firstSmall || !lastSmall;
		long c = channelsFirst ? dims[1] : dims[3];
		if (c < 1) return null;
		return channelsFirst ? new Input(dims[2], dims[3], c, true) : new Input(dims[1], dims[2], c, false);
	}

	private static List<String> names(Description d, int k, Path file) {
		if (d.classes().isEmpty()) {
			List<String> n = new ArrayList<>();
			for (int i = 0; i < k; i++) n.add("class " + i);
			return n;
		}
		if (d.classes().size() != k) {
			throw new ModelLoadException(d.classCountMismatch(file, k, " outputs."));
		}
		return d.classes();
	}

	private static int countName(OnnxModel m, String name) {
		int c = 0;
		for (OnnxModel.Node n : m.nodes) if (n.name().equals(name)) c++;
		return c;
	}

	private FloatTensor run(OrtSession s, String input, FloatTensor x, String output) throws OrtException {
		return runAll(env, s, input, x, Set.of(output), !input().batchAxis()).get(output);
	}

	/**
	 * Runs a session for the requested outputs; outputs that are not float tensors map to null. A graph without a batch
	 * axis ({@code batchFree}) runs once per image of the batch x, and each output gets its batch axis back.
	 */
	private static Map<String, FloatTensor> runAll(OrtEnvironment env, OrtSession s, String input, FloatTensor x, Set<String> outputs,
		boolean batchFree) throws OrtException {
		if (!batchFree) return runAll(env, s, input, x, outputs);
		List<Map<String, FloatTensor>> images = new ArrayList<>();
		for (int i = 0; i < x.dim(0); i++) {
			FloatTensor one = x.range(i, i + 1);
			images.add(runAll(env, s, input, new FloatTensor(Arrays.copyOfRange(one.shape(), 1, one.rank()), one.data()), outputs));
		}
		Map<String, FloatTensor> out = new LinkedHashMap<>();
		for (String name : images.get(0).keySet()) {
			List<FloatTensor> parts = new ArrayList<>();
			for (Map<String, FloatTensor> r : images) {
				FloatTensor t = r.get(name);
				if (t == null) break;
				long[] shape = new long[t.rank() + 1];
				shape[0] = 1;
				System.arraycopy(t.shape(), 0, shape, 1, t.rank());
				parts.add(new FloatTensor(shape, t.data()));
			}
			out.put(name, parts.size() == images.size() ? FloatTensor.concat(parts) : null);
		}
		return out;
	}

	private static Map<String, FloatTensor> runAll(OrtEnvironment env, OrtSession s, String input, FloatTensor x, Set<String> outputs)
		throws OrtException {
		Map<String, FloatTensor> out = new LinkedHashMap<>();
		try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), x.shape());
			OrtSession.Result r = s.run(Map.of(input, t), outputs)) {
			for (Map.Entry<String, OnnxValue> e : r) {
				if (!(e.getValue() instanceof OnnxTensor o)) {
					out.put(e.getKey(), null);
					continue;
				}
				long[] shape = o.getInfo().getShape();
				OnnxJavaType type = o.getInfo().type;
				if (type == OnnxJavaType.FLOAT) {
					FloatBuffer b = o.getFloatBuffer();
					float[] v = new float[b.remaining()];
					b.get(v);
					out.put(e.getKey(), new FloatTensor(shape, v));
				} else if (type == OnnxJavaType.DOUBLE) {
					java.nio.DoubleBuffer b = o.getDoubleBuffer();
					float[] v = new float[b.remaining()];
					for (int i = 0; i < v.length; i++) v[i] = (float) b.get();
					out.put(e.getKey(), new FloatTensor(shape, v));
				} else {
					out.put(e.getKey(), null);
				}
			}
		}
		return out;
	}

	@Override
	protected FloatTensor run(Part part, LayerInfo layer, FloatTensor x) {
		try {
			return switch (part) {
				case FORWARD -> run(session, inputName, x, outputName);
				case OUTPUT -> run(session, inputName, x, networkOutputName);
				case TO_LAYER -> run(session, inputName, x, layerTensor.get(layer.name()));
				case FROM_LAYER -> run(cut(layer), layerTensor.get(layer.name()), x, outputName);
			};
		} catch (OrtException e) {
			throw new IllegalStateException("ONNX Runtime failed on the model " + name() + ": " + e.getMessage(), e);
		}
	}

	/** The graph cut at a layer, built once and checked: h(g(x)) must give the model's output. */
	private OrtSession cut(LayerInfo layer) throws OrtException {
		synchronized (cuts) {
			OrtSession s = cuts.get(layer.name());
			if (s != null) return s;
			String tensor = layerTensor.get(layer.name());
			long[] probe = modelShapeOf(layer);
			byte[] bytes = graph.cutAt(tensor, probe, outputName);
			if (bytes == null) throw new IllegalStateException("The ONNX model " + name() + " cannot be cut at '" + layer.name() + "'.");
			s = env.createSession(bytes, new OrtSession.SessionOptions());
			cuts.put(layer.name(), s);
			return s;
		}
	}

	/** The layer's dims inside the model, batch as -1. */
	private long[] modelShapeOf(LayerInfo layer) {
		long[] s = layer.shape();
		if (s.length == 4 && layersChannelsFirst()) return new long[] { -1, s[3], s[1], s[2] };
		return s;
	}

	/**
	 * Whether a map output is a Softmax over its channels or a Sigmoid (checked on the load's probe), so its entries are
	 * probabilities.
	 */
	@Override
	public boolean mapHoldsProbabilities() {
		return denseProbabilities;
	}

	@Override
	public boolean supportsGradients() {
		return false;
	}

	@Override
	protected FloatTensor gradient(Part part, LayerInfo layer, FloatTensor x, FloatTensor weights) {
		requireGradients("Every gradient method (Saliency, Gradient x Input, Integrated Gradients, SmoothGrad, Grad-CAM, ...)");
		throw new IllegalStateException("unreachable: " + name() + " has no gradients");
	}

	@Override
	public List<LayerInfo> layers() {
		return layers;
	}

	@Override
	protected String noLayersReason() {
		return "The ONNX model " + name() + " offers no layer because " + noLayers + "; " + org.conceptscope.model.ForwardOnlyMethods.inWords("and") + " work without one.";
	}

	@Override
	protected void release() {
		synchronized (cuts) {
			for (OrtSession s : cuts.values()) close(s);
			cuts.clear();
		}
		close(session);
	}

	private static void close(OrtSession s) {
		try {
			s.close();
		} catch (OrtException e) {
			// nothing more can be released
		}
	}

	public Path file() {
		return file;
	}

	@Override
	public String toString() {
		return "OnnxClassifier[" + file + ", " + Arrays.toString(input().imageShape()) + " -> "
			+ (isDense() ? "dense output " + Arrays.toString(outputShape()) : numClasses() + " classes") + "]";
	}
}
