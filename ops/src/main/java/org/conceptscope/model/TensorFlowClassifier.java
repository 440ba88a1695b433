package org.conceptscope.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.tensorflow.engine.SavedModelBundle;
import ai.djl.tensorflow.engine.TfSymbolBlock;
import ai.djl.translate.NoopTranslator;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;

import org.conceptscope.model.GraphSession.Endpoint;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Softmax;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.util.Folders;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * A TensorFlow SavedModel loaded through DJL's TensorFlow engine.
 * <p>
 * DJL loads the model and owns its graph and session. Forward passes, layer fetch/feed and
 * gradients run on that session through {@link GraphSession}: TensorFlow sessions are
 * thread-safe for runs, so there is no per-thread predictor to manage. Every tensor is checked
 * in Java before TensorFlow sees it (a wrong rank aborts the JVM inside TensorFlow), and a
 * read/write lock keeps {@link #close()} from freeing the session under a running call.
 * <p>
 * A model whose output is not [N, classes] (a segmentation map [N, H, W, C], any output of rank 3
 * or more) loads as a <em>dense</em> model ({@link #isDense()}): its {@link DenseModel} side is the
 * output (the model's softmax or sigmoid output when it has one, as Xplique advises for segmentation, else its
 * single output), {@link #classNames()} name the output's channels, and "logits" and "class weights"
 * of the {@link Classifier} methods have the output's shape. Explain it through a
 * {@link TargetOperator} ({@link OperatorClassifier}); {@link Classifiers#open} does so.
 * <p>
 * A classifier whose output is a Softmax or a Sigmoid (multi-label) is explained on the logits that
 * feed it, not after the activation, whose saturation gives a confident class near-zero gradients
 * (Xplique and Captum explain the output as the model gives it); {@link #probabilities} is that
 * output as it is (for a sigmoid, each class on its own, not a softmax over the classes).
 * <p>
 * A SavedModel whose signature takes one image without a batch axis, [H, W, C] (a bioimage.io 0.5 input declared
 * without one: {@link ModelConfig#inputWithoutBatchAxis}), is rewritten before loading into a model with a batch of one
 * ({@link BatchOfOne}): it runs one image per call, with every method (gradients, layers, layer feeding) as any model;
 * its layers are the tensors with the batch axis of one its graph makes itself.
 */
public final class TensorFlowClassifier implements RawOutputClassifier {

	/**
	 * Batch size for models whose memory per image cannot be estimated (an input of unknown
	 * height or width); other models get theirs from the memory budget.
	 */
	public static final int DEFAULT_MAX_BATCH = 64;
	/** Default native memory one batch may use: {@value} bytes (256 MiB; on CPUs larger batches of large images run no faster). */
	public static final long DEFAULT_MEMORY_BUDGET = 256L << 20;
	/** Largest automatic batch: beyond it TensorFlow runs no faster on CPUs, and the Java-side buffers only grow. */
	public static final int MAX_AUTOMATIC_BATCH = 256;
	/** System property overriding the default memory budget, in bytes or with a k, m or g suffix (e.g. "2g"). */
	public static final String MEMORY_BUDGET_PROPERTY = "conceptscope.batch.memory";
	private static final String PREFIX = "conceptscope_";
	private static final AtomicInteger OP_IDS = new AtomicInteger();

	private final Path dir;
	private final ZooModel<NDList, NDList> model;
	private final GraphSession graph;
	private final ModelSignature signature;
	private final ModelConfig config;
	private final LoadOptions options;
	private final int inlinedCalls;
	private final List<String> classNames;
	private final Normalization normalization;
	private final Endpoint input;
	private final Endpoint logits;
	private final Endpoint probabilities;
	/** Whether the explained output is a map (rank 3 or more) rather than logits [N, K]. */
	private final boolean dense;
	/**
	 * Whether the SavedModel takes one image without a batch axis ({@link ModelConfig#inputWithoutBatchAxis}): it was rewritten
	 * ({@link BatchOfOne}) into a model with a batch of one, which runs one image per call.
	 */
	private final boolean batchOfOne;
	/** Whether the explained output of a dense model is its softmax (or sigmoid) output. */
	private final boolean denseProbabilities;
	/** Whether the probabilities are the model's own Sigmoid output (multi-label: independent per class, not a softmax). */
	private final boolean multiLabel;
	private final Map<String, Endpoint> outputEndpoints = new java.util.LinkedHashMap<>();
	private final Map<String, Endpoint> gradientOps = new ConcurrentHashMap<>();
	private final Map<String, Endpoint> layerGradientOps = new ConcurrentHashMap<>();
	private final Map<ReluBackward, Endpoint> reluBackwardOps = new ConcurrentHashMap<>();
	private volatile Endpoint upstreamWeights;
	private volatile Endpoint classWeights;
	private volatile List<LayerInfo> layers;
	private volatile List<String> variables;
	private volatile Set<String> varianceVariables;
	private final Map<String, Endpoint> variableReads = new ConcurrentHashMap<>();
	/** Per fed layer tensor, the Identity op that keeps it in the graph TensorFlow optimises (see {@link #feedKeepers}). */
	private final Map<String, TF_Operation> feedKeepers = new ConcurrentHashMap<>();
	private final ReentrantReadWriteLock lifetime = new ReentrantReadWriteLock();
	private boolean closed;
	/** Fixed batch size from {@link #setMaxBatch}; 0 means automatic (from the memory budget). */
	private volatile int maxBatch;
	private volatile long memoryBudget = defaultMemoryBudget();
	/** Automatic batch sizes {forward, gradient}, computed once per budget. */
	private volatile int[] automaticBatch;

	private TensorFlowClassifier(Path dir, ZooModel<NDList, NDList> model, GraphSession graph, SignatureDef sig,
		String sigKey, ModelConfig config, LoadOptions options, int inlinedCalls) {
		this.dir = dir;
		this.model = model;
		this.graph = graph;
		this.config = config;
		this.options = options;
		this.inlinedCalls = inlinedCalls;
		this.batchOfOne = config.inputWithoutBatchAxis;
		if (sig.getInputsCount() != 1) {
			throw new ModelLoadException("The signature '" + sigKey + "' of " + dir + " has " + sig.getInputsCount()
				+ " inputs; ConceptScope explains models with exactly one image input.");
		}
		Map.Entry<String, TensorInfo> in = sig.getInputsMap().entrySet().iterator().next();
		this.input = endpoint(in.getValue().getName(), "input");
		TensorSpec inputSpec = spec(in.getKey(), input, in.getValue().getDtype());
		long[] inShape = inputSpec.shape();
		if (inShape == null || inShape.length != 4) {
			throw new ModelLoadException("The input '" + in.getKey() + "' of " + dir + " has shape "
				+ (inShape == null ? "of unknown rank" : Arrays.toString(inShape))
				+ "; ConceptScope needs a batch of images [N, height, width, channels].");
		}
		if (in.getValue().getDtype() != DataType.DT_FLOAT) {
			throw new ModelLoadException("The input '" + in.getKey() + "' of " + dir + " is " + in.getValue().getDtype()
				+ "; ConceptScope feeds float32 images. Re-export the model with a float32 input.");
		}
		List<TensorSpec> outputs = new ArrayList<>();
		Endpoint foundLogits = null, foundProbs = null;
		boolean foundSigmoid = false;
		Endpoint sigmoidLogits = null;
		for (Map.Entry<String, TensorInfo> out : new java.util.TreeMap<>(sig.getOutputsMap()).entrySet()) {
			Endpoint fetched = endpoint(out.getValue().getName(), "output '" + out.getKey() + "'");
			outputs.add(spec(out.getKey(), fetched, out.getValue().getDtype()));
			outputEndpoints.put(out.getKey(), fetched);
			// (without a batch axis: the model's own tensor with its batch of one, when the output only took that axis off)
			Endpoint e = throughBatchOfOne(fetched);
			// a Softmax (one label) or Sigmoid (multi-label) output: its input is the logits explained,
			// the output itself is the probabilities (a sigmoid's outputs need not sum to 1)
			Endpoint before = throughIdentities(activationInput(e, "Softmax"));
			boolean sigmoid = before == null && (before = throughIdentities(activationInput(e, "Sigmoid"))) != null;
			if (before != null) {
				if (foundProbs == null) {
					foundProbs = e;
					foundSigmoid = sigmoid;
					sigmoidLogits = sigmoid ? before : null;
				}
				foundLogits = foundLogits == null ? before : foundLogits;
			} else if (out.getKey().toLowerCase().contains("logit")) {
				foundLogits = e;
			}
		}
		if (config.logits != null && !config.logits.isBlank()) {
			foundLogits = endpoint(config.logits, "logits (from " + ModelConfig.FILE_NAME + ")");
			// without a batch axis: a named tensor [classes] that only took the batch axis of one off is read as the tensor before
			// (only a tensor of rank 1: a named [1, classes] keeps its batch axis, and what it squeezed was another axis of one)
			long[] named = graph.staticShape(foundLogits);
			if (batchOfOne && named != null && named.length == 1) {
				Endpoint batched = withItsBatchOfOne(throughIdentities(foundLogits));
				if (batched != null) foundLogits = batched;
			}
		}
		if (foundLogits == null && outputs.size() == 1) {
			foundLogits = throughBatchOfOne(endpoint(outputs.get(0).tensorName(), "output"));
		}
		if (foundLogits == null) {
			throw new ModelLoadException("Cannot tell which output of " + dir + " holds the logits (outputs: " + outputs
				+ "). Name it in " + ModelConfig.FILE_NAME + " as \"logits\": \"tensor name\".");
		}
		if (foundSigmoid && !throughIdentities(foundLogits).name().equals(sigmoidLogits.name())) {
			// a sigmoid of some other tensor than the explained logits says nothing about their probabilities
			foundProbs = null;
			foundSigmoid = false;
		}
		// an inlined multi-output call leaves an IdentityN, which has no gradient: take the tensor it copies
		long[] found = graph.staticShape(throughIdentities(foundLogits));
		this.dense = found != null && found.length >= 3;
		// a dense model is explained on its softmax output when it has one (Xplique's segmentation operator expects outputs in [0, 1])
		boolean useProbs = dense && foundProbs != null && (config.logits == null || config.logits.isBlank())
			&& Arrays.equals(graph.staticShape(foundProbs), found);
		this.denseProbabilities = useProbs;
		this.multiLabel = foundProbs != null && foundSigmoid;
		this.logits = throughIdentities(useProbs ? foundProbs : foundLogits);
		this.probabilities = dense ? null : foundProbs;
		TensorSpec logitSpec = spec(dense ? "output" : "logits", logits, DataType.forNumber(graph.dataType(logits)));
		long[] ls = logitSpec.shape();
		if (batchOfOne && ls != null && ls.length == 1) {
			// a tensor of the one image without its batch axis, not read back to one with it
			throw new ModelLoadException("The logits " + logits.name() + " named in the model's description (config: conceptscope: logits) of "
				+ dir + " have no batch axis (shape " + Arrays.toString(ls) + "), and ConceptScope explains the model's tensors with the batch"
				+ " axis of one its graph puts in: name the tensor with that axis ([1, classes], e.g. the one the output's Squeeze or Reshape"
				+ " reads), or leave logits out so that the model's own Softmax input is found.");
		}
		if (ls == null || ls.length < 2 || ls[ls.length - 1] < 1 || (!dense && ls.length != 2)) {
			throw new ModelLoadException("The logits " + logits.name() + " of " + dir + " have shape "
				+ (ls == null ? "of unknown rank" : Arrays.toString(ls)) + "; a classifier's logits are [N, classes] and a dense output"
				+ " [N, ..., channels] needs a known channel count.");
		}
		if (graph.dataType(logits) != DataType.DT_FLOAT_VALUE) {
			throw new ModelLoadException("The logits " + logits.name() + " of " + dir + " are not float32.");
		}
		TensorSpec probSpec = probabilities == null ? null
			: spec("probabilities", probabilities, DataType.forNumber(graph.dataType(probabilities)));
		this.signature = new ModelSignature(sigKey, inputSpec, logitSpec, probSpec, outputs);
		int k = (int) ls[ls.length - 1];
		if (config.classes.isEmpty()) {
			List<String> names = new ArrayList<>();
			for (int i = 0; i < k; i++) names.add((dense ? "channel " : "class ") + i);
			this.classNames = Collections.unmodifiableList(names);
		} else if (config.classes.size() != k) {
			String origin = config.origin != null ? config.origin : ModelConfig.FILE_NAME + " of " + dir;
			throw new ModelLoadException(origin + " names " + config.classes.size() + " classes but the model has " + k
				+ (dense ? " output channels (its output " + Arrays.toString(ls) + " is a map, not logits [N, classes]; a segmentation model names"
					+ " one class per channel)" : " logits") + ". Fix the list of class names.");
		} else {
			this.classNames = List.copyOf(config.classes);
		}
		this.normalization = config.parsedNormalization();
	}

	/**
	 * Loads a SavedModel folder (saved_model.pb + variables/), with its conceptscope.json if present,
	 * with {@link LoadOptions#defaults()}: the graph is checked against the operation allow-list
	 * before TensorFlow sees it ({@link GraphSafety}) and function calls are inlined.
	 *
	 * @throws ModelLoadException naming what is wrong with the folder or model and how to fix it
	 * @throws UnsafeModelException when the graph holds an operation that is not plain computation
	 */
	public static TensorFlowClassifier load(Path dir) {
		return load(dir, LoadOptions.defaults());
	}

	/** Loads a SavedModel folder with its conceptscope.json (if present) and the given options. */
	public static TensorFlowClassifier load(Path dir, LoadOptions options) {
		return load(dir, null, options);
	}

	/**
	 * Loads a SavedModel folder with a given config instead of its conceptscope.json (null: read
	 * the file), e.g. a config made from a bioimage.io rdf.yaml.
	 */
	public static TensorFlowClassifier load(Path dir, ModelConfig config, LoadOptions options) {
		if (options == null) options = LoadOptions.defaults();
		TensorFlowClasses.check(); // reading saved_model.pb already needs DJL's classes and a protobuf-java that runs them
		SavedModelFiles files = SavedModelFiles.check(dir);
		ModelConfig cfg = config != null ? config : ModelConfig.read(files.dir());
		List<String> extra = cfg.logits == null ? List.of() : List.of(cfg.logits);
		// a SavedModel is code: judged before TensorFlow sees it (loading runs restore and init ops)
		if (!options.trustModel()) GraphSafety.check(files.metaGraph(), files.dir(), extra);
		TensorFlowEngine.start();
		org.tensorflow.proto.MetaGraphDef meta = files.metaGraph();
		int inlined = 0;
		if (options.inlineFunctions()) {
			FunctionInliner.Result r;
			try {
				r = FunctionInliner.inline(meta, files.signatureKey(), files.dir());
			} catch (ModelLoadException e) {
				throw e;
			} catch (RuntimeException e) {
				throw new ModelLoadException("The functions of the model in " + files.dir() + " cannot be inlined (" + e
					+ "); the SavedModel looks corrupt. Load it with LoadOptions.withInlineFunctions(false) for forward passes only.", e);
			}
			meta = r.meta();
			inlined = r.inlinedCalls();
			if (inlined > 0 && !options.trustModel()) GraphSafety.check(meta, files.dir(), extra);
		}
		if (cfg.inputWithoutBatchAxis) meta = BatchOfOne.wrap(meta, files.signatureKey(), files.dir());
		Path staging = files.stage(meta, options.workDirOrDefault());
		ZooModel<NDList, NDList> model;
		try {
			Criteria<NDList, NDList> criteria = Criteria.builder()
				.setTypes(NDList.class, NDList.class)
				.optModelPath(staging)
				.optEngine("TensorFlow")
				.optOption("Tags", "serve")
				.optOption("SignatureDefKey", files.signatureKey())
				.optTranslator(new NoopTranslator())
				.build();
			model = EngineEnvironment.withOwnClassLoader(() -> {
				try {
					return criteria.loadModel();
				} catch (ModelNotFoundException | MalformedModelException | IOException e) {
					throw new java.io.UncheckedIOException(new IOException(e.getMessage(), e));
				}
			});
		} catch (java.io.UncheckedIOException e) {
			throw new ModelLoadException("TensorFlow could not load the SavedModel in " + files.dir() + ": " + e.getCause().getMessage(), e);
		} catch (RuntimeException e) {
			throw new ModelLoadException("TensorFlow could not load the SavedModel in " + files.dir() + ": " + e.getMessage(), e);
		} finally {
			// variables and assets are read during loading: the staged copy is not needed afterwards
			Folders.deleteTreeQuietly(staging);
		}
		try {
			SavedModelBundle bundle = ((TfSymbolBlock) model.getBlock()).getSavedModelBundle();
			GraphSession graph = new GraphSession(bundle.getGraph(), bundle.getSession());
			SignatureDef signature = cfg.inputWithoutBatchAxis ? meta.getSignatureDefMap().get(files.signatureKey()) : files.signature();
			return new TensorFlowClassifier(files.dir(), model, graph, signature, files.signatureKey(), cfg, options, inlined);
		} catch (RuntimeException e) {
			model.close();
			throw e;
		}
	}

	/** The graph as it runs (function bodies inlined where the loader did so), for methods that walk it. */
	public org.tensorflow.proto.GraphDef graphDef() {
		return guarded(graph::toGraphDef);
	}

	/** The config's name, else the model folder's name. */
	@Override
	public String name() {
		if (config.name != null && !config.name.isBlank()) return config.name;
		return dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
	}

	public Path directory() {
		return dir;
	}

	public ModelConfig config() {
		return config;
	}

	/** The options the model was loaded with. */
	public LoadOptions loadOptions() {
		return options;
	}

	/** How many function calls were inlined into the main graph when loading (0 for plain graphs). */
	public int inlinedCalls() {
		return inlinedCalls;
	}

	/**
	 * Fixes the largest batch sent to TensorFlow in one run, for every call; larger inputs run
	 * in batches. By default the batch size is automatic ({@link #setMemoryBudget}).
	 */
	public void setMaxBatch(int maxBatch) {
		if (maxBatch < 1) throw new IllegalArgumentException("The batch size must be at least 1.");
		this.maxBatch = maxBatch;
	}

	/**
	 * Chooses batch sizes automatically so that one batch needs about this much native memory
	 * (see {@link #estimatedBytesPerImage}); undoes {@link #setMaxBatch}. The default is
	 * {@value #DEFAULT_MEMORY_BUDGET} bytes, or the system property {@value #MEMORY_BUDGET_PROPERTY}.
	 */
	public void setMemoryBudget(long bytes) {
		if (bytes < 1) throw new IllegalArgumentException("The memory budget must be positive, got " + bytes + " bytes.");
		this.memoryBudget = bytes;
		this.automaticBatch = null;
		this.maxBatch = 0;
	}

	public long memoryBudget() {
		return memoryBudget;
	}

	/** Images per TensorFlow run for forward passes (logits, probabilities, activations). */
	@Override
	public int preferredBatchSize() {
		long modelBatch = signature.input().shape()[0];
		if (modelBatch > 0) return (int) modelBatch; // a model with a fixed batch size runs in batches of exactly that
		int fixed = maxBatch;
		return fixed > 0 ? fixed : automaticBatch()[0];
	}

	/** Images per TensorFlow run for gradients, which keep every activation for the backward pass. */
	public int gradientBatchSize() {
		long modelBatch = signature.input().shape()[0];
		if (modelBatch > 0) return (int) modelBatch;
		int fixed = maxBatch;
		return fixed > 0 ? fixed : automaticBatch()[1];
	}

	/**
	 * Estimated native memory per image {forward, gradient} in bytes, or null when the input
	 * size is not fixed. Forward: the input plus twice the largest layer (a layer and the next
	 * one are alive together). Gradient: input and input gradient, every layer (kept for the
	 * backward pass) and twice the largest layer (the gradients in flight).
	 */
	public long[] estimatedBytesPerImage() {
		long[] in = signature.input().shape();
		long input = 1;
		for (int i = 1; i < in.length; i++) {
			if (in[i] < 1) return null;
			input *= in[i];
		}
		long largest = 0, sum = 0;
		for (LayerInfo l : layers()) {
			long[] s = l.shape();
			long size = 1;
			for (int i = 1; i < s.length && size > 0; i++) size = s[i] < 1 ? 0 : size * s[i];
			largest = Math.max(largest, size);
			sum += size;
		}
		return new long[] { 4 * (input + 2 * largest), 4 * (2 * input + sum + 2 * largest) };
	}

	/** Batch size for a budget and a per-image estimate: at least 1, at most {@value #MAX_AUTOMATIC_BATCH}. */
	static int batchFor(long budget, long bytesPerImage) {
		if (bytesPerImage <= 0) return MAX_AUTOMATIC_BATCH;
		return (int) Math.max(1, Math.min(MAX_AUTOMATIC_BATCH, budget / bytesPerImage));
	}

	private int[] automaticBatch() {
		int[] b = automaticBatch;
		if (b == null) {
			long[] bytes = estimatedBytesPerImage();
			b = bytes == null ? new int[] { DEFAULT_MAX_BATCH, DEFAULT_MAX_BATCH }
				: new int[] { batchFor(memoryBudget, bytes[0]), batchFor(memoryBudget, bytes[1]) };
			automaticBatch = b;
		}
		return b;
	}

	/** The system property {@value #MEMORY_BUDGET_PROPERTY} when set and valid, else {@link #DEFAULT_MEMORY_BUDGET}. */
	static long defaultMemoryBudget() {
		String v = System.getProperty(MEMORY_BUDGET_PROPERTY);
		if (v == null || v.isBlank()) return DEFAULT_MEMORY_BUDGET;
		try {
			return parseBytes(v);
		} catch (IllegalArgumentException e) {
			return DEFAULT_MEMORY_BUDGET;
		}
	}

	/** "536870912", "512m", "2g", "900k" to bytes. */
	static long parseBytes(String text) {
		String t = text.trim().toLowerCase(Locale.ROOT);
		long unit = 1;
		if (t.endsWith("k")) unit = 1L << 10;
		else if (t.endsWith("m")) unit = 1L << 20;
		else if (t.endsWith("g")) unit = 1L << 30;
		if (unit > 1) t = t.substring(0, t.length() - 1).trim();
		long value;
		try {
			value = Long.parseLong(t);
		} catch (NumberFormatException e) {
			throw new IllegalArgumentException("Not a memory size: '" + text + "' (examples: 536870912, 512m, 2g).");
		}
		if (value < 1) throw new IllegalArgumentException("A memory size must be positive: '" + text + "'.");
		return Math.multiplyExact(value, unit);
	}

	@Override
	public ModelSignature signature() {
		return signature;
	}

	@Override
	public List<String> classNames() {
		return classNames;
	}

	/**
	 * Whether the model ends in a Sigmoid (multi-label): it is explained on the logits before the
	 * sigmoid, and {@link #probabilities} are the sigmoid outputs, not a softmax of them.
	 */
	@Override
	public boolean isMultiLabel() {
		return multiLabel;
	}

	@Override
	public Normalization normalization() {
		return normalization;
	}

	@Override
	public List<LayerInfo> layers() {
		return guarded(() -> {
			if (layers == null) layers = findLayers();
			return layers;
		});
	}

	@Override
	public FloatTensor logits(FloatTensor images) {
		checkImages(images);
		return guarded(() -> batched(new Endpoint[] { input }, images, null, logits, preferredBatchSize()));
	}

	/**
	 * The classifier's own softmax output when it has one; for a model ending in a Sigmoid
	 * (multi-label) its sigmoid outputs as they are (each in [0, 1], independent, not summing to 1);
	 * else {@link DenseModel#probabilitiesOf} of its output.
	 */
	@Override
	public FloatTensor probabilities(FloatTensor images) {
		if (probabilities == null) return DenseModel.probabilitiesOf(logits(images), denseProbabilities);
		checkImages(images);
		return guarded(() -> batched(new Endpoint[] { input }, images, null, probabilities, preferredBatchSize()));
	}

	/**
	 * A float32 output of the signature by its key (see {@link ModelSignature#outputs()}), e.g. the
	 * output a bioimage.io package describes.
	 */
	public FloatTensor output(String key, FloatTensor images) {
		Endpoint out = outputEndpoints.get(key);
		if (out == null) {
			throw new IllegalArgumentException("The model has no output '" + key + "'. Outputs: " + String.join(", ", outputEndpoints.keySet()) + ".");
		}
		if (graph.dataType(out) != DataType.DT_FLOAT_VALUE) {
			throw new IllegalArgumentException("The output '" + key + "' is not float32; ConceptScope reads float32 outputs.");
		}
		checkImages(images);
		return guarded(() -> batched(new Endpoint[] { input }, images, null, out, preferredBatchSize()));
	}

	/**
	 * Whether the model's output is a map (rank 3 or more, e.g. a segmentation [N, H, W, C]) rather
	 * than logits [N, classes]; explain such a model through an {@link OperatorClassifier}.
	 */
	@Override
	public boolean isDense() {
		return dense;
	}

	@Override
	public boolean mapHoldsProbabilities() {
		return denseProbabilities;
	}

	/** The input statistics of {@code conceptscope.json}, or null. */
	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return config.parsedInputDomain();
	}

	/** The pixel size of {@code conceptscope.json}, or null: images of another calibration get a warning. */
	@Override
	public PixelSize pixelSize() {
		return config.parsedPixelSize();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		checkImages(images);
		checkClassWeights(classWeights, images.dim(0));
		return guarded(() -> {
			Endpoint grad = gradientOf(input);
			return batched(new Endpoint[] { input, classWeights() }, images, classWeights, grad, gradientBatchSize());
		});
	}

	@Override
	public boolean supportsReluBackward() {
		return true;
	}

	/**
	 * The gradient with ReLUs passing back what {@code rule} says, through a backward pass built
	 * once per rule from the graph's operations ({@link BackwardGraph}); an operation it has no rule
	 * for is named in the exception, before anything runs.
	 */
	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return inputGradient(images, classWeights);
		checkImages(images);
		checkClassWeights(classWeights, images.dim(0));
		return guarded(() -> {
			Endpoint grad = reluBackward(rule);
			return batched(new Endpoint[] { input, classWeights() }, images, classWeights, grad, gradientBatchSize());
		});
	}

	/**
	 * Builds (once, kept for the first call) the backward pass for the rule, so that an operation
	 * without a rule or a path without ReLU is refused before any image is read.
	 */
	@Override
	public void checkReluBackward(ReluBackward rule) {
		if (rule == ReluBackward.ORDINARY) return;
		guarded(() -> reluBackward(rule));
	}

	/** The backward pass for a rule, built on first use (ORDINARY too: tests compare it with TensorFlow's gradient). */
	Endpoint reluBackward(ReluBackward rule) {
		Endpoint w = classWeights();
		return reluBackwardOps.computeIfAbsent(rule,
			r -> BackwardGraph.build(graph, input, logits, w, r, PREFIX + "backward_" + OP_IDS.incrementAndGet(), r.label()));
	}

	/** {@link #inputGradient(FloatTensor, FloatTensor, ReluBackward)} through ConceptScope's own backward pass even for ORDINARY. */
	FloatTensor builtInputGradient(FloatTensor images, FloatTensor classWeights, ReluBackward rule) {
		checkImages(images);
		checkClassWeights(classWeights, images.dim(0));
		return guarded(() -> batched(new Endpoint[] { input, classWeights() }, images, classWeights, reluBackward(rule), gradientBatchSize()));
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		checkImages(images);
		return guarded(() -> {
			Endpoint l = layer(layer);
			return batched(new Endpoint[] { input }, images, null, l, preferredBatchSize());
		});
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		checkImages(images);
		checkClassWeights(classWeights, images.dim(0));
		return guarded(() -> {
			Endpoint l = layer(layer);
			Endpoint grad = gradientOf(l);
			return batched(new Endpoint[] { input, classWeights() }, images, classWeights, grad, gradientBatchSize());
		});
	}

	/**
	 * Whether feeding layer {@code from} cuts the model before layer {@code to} (null: the logits):
	 * whether {@code to} depends on the input only through {@code from}. Inside a residual block,
	 * or in a DenseNet block whose input is concatenated again later, it does not: the skip
	 * connection reaches around it.
	 */
	public boolean splits(String from, String to) {
		return guarded(() -> {
			Endpoint f = layer(from);
			TF_Operation target = to == null ? logits.op() : layer(to).op();
			return splitCache.computeIfAbsent(from + "\0" + (to == null ? "" : to), k -> !reachesInputAround(target, GraphSession.opName(f.op())));
		});
	}

	private final Map<String, Boolean> splitCache = new ConcurrentHashMap<>();

	private boolean reachesInputAround(TF_Operation target, String cut) {
		String in = GraphSession.opName(input.op());
		Set<String> seen = new HashSet<>();
		Deque<TF_Operation> todo = new ArrayDeque<>();
		todo.add(target);
		while (!todo.isEmpty()) {
			TF_Operation op = todo.poll();
			String name = GraphSession.opName(op);
			if (name.equals(cut) || !seen.add(name)) continue;
			if (name.equals(in)) return true;
			for (int i = 0; i < graph.numInputs(op); i++) todo.add(graph.input(op, i).op());
		}
		return false;
	}

	@Override
	public void requireSplit(String layer) {
		checkSplits(layer, null);
	}

	/**
	 * Refuses, in one sentence naming the layers that do split it, a layer {@code from} that does not
	 * cut the model before {@code to} (null: the logits): one that cannot be fed.
	 */
	public void checkSplits(String from, String to) {
		if (splits(from, to)) return;
		List<String> cuts = layers().stream().filter(l -> l.isSpatial() && splits(l.name(), null)).map(LayerInfo::name).toList();
		throw new IllegalArgumentException("Layer '" + from + "' does not split the model: " + (to == null ? "the logits depend" : "layer '" + to
			+ "' depends") + " on the input also through a path around it (a skip connection or a concatenation). Layers between blocks"
			+ " split it: " + cuts.subList(Math.max(0, cuts.size() - 6), cuts.size()) + ".");
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		checkSplits(layer, null);
		return guarded(() -> {
			Endpoint l = layer(layer);
			checkActivations(layer, activations);
			return fedBatched(layer, "its logits", new Endpoint[] { l }, activations, null, logits, preferredBatchSize());
		});
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		checkSplits(layer, null);
		return guarded(() -> {
			Endpoint l = layer(layer);
			checkActivations(layer, activations);
			checkClassWeights(classWeights, activations.dim(0));
			Endpoint grad = gradientOf(l);
			return fedBatched(layer, "the gradient of its logits", new Endpoint[] { l, classWeights() }, activations, classWeights, grad,
				gradientBatchSize());
		});
	}

	/**
	 * The float variables (VariableV2 or resource variables) the logits depend on: the model's
	 * weights, nearest to the logits first, so that a prefix of this list is the "top layers"
	 * subset of cascading weight randomisation.
	 */
	public List<String> variables() {
		return guarded(() -> {
			if (variables == null) variables = findVariables();
			return variables;
		});
	}

	/**
	 * The variables of {@link #variables()} that hold variances, which must stay non-negative (the
	 * model takes their square root): those feeding the variance input of a FusedBatchNorm op
	 * (through reads and identities), whatever their name, and those named {@code moving_variance}
	 * or {@code variance} (Keras BatchNormalization and Normalization layers that compute with
	 * plain ops, {@code rsqrt(variance + epsilon)} or {@code sqrt(variance)}).
	 */
	public Set<String> varianceVariables() {
		return guarded(() -> {
			if (varianceVariables == null) varianceVariables = findVarianceVariables();
			return varianceVariables;
		});
	}

	/** The current value of a variable from {@link #variables()}. */
	public FloatTensor variable(String name) {
		return guarded(() -> {
			TF_Operation v = variableOp(name);
			Endpoint read = variableReads.computeIfAbsent(name,
				k -> graph.addVariableRead(PREFIX + "read_" + OP_IDS.incrementAndGet(), v));
			return graph.run(new Endpoint[0], new FloatTensor[0], new Endpoint[] { read })[0];
		});
	}

	/**
	 * An independent copy of this model, loaded again from {@link #directory()}, whose named
	 * variables hold the given values (weight randomisation for sanity checks). This model is not
	 * changed: the copy has its own graph and session. The caller closes the copy.
	 */
	public TensorFlowClassifier withVariables(Map<String, FloatTensor> values) {
		// checked on this model first, so a bad name or shape fails before a second load
		for (Map.Entry<String, FloatTensor> e : values.entrySet()) checkVariableValue(e.getKey(), e.getValue());
		TensorFlowClassifier copy = load(dir, config, options);
		try {
			if (maxBatch > 0) copy.setMaxBatch(maxBatch);
			else copy.setMemoryBudget(memoryBudget);
			copy.assign(values);
			return copy;
		} catch (RuntimeException e) {
			copy.close();
			throw e;
		}
	}

	/**
	 * d(sum upstreamWeights * activations of layer {@code to}) / d(activations of layer {@code from}),
	 * with layer {@code from} fed: how a later layer's (weighted) activations respond to an earlier
	 * one. Used to relate concepts of two layers (Generalized Integrated Gradients).
	 */
	public FloatTensor layerToLayerGradient(String from, FloatTensor activations, String to, FloatTensor upstreamWeights) {
		checkSplits(from, to);
		return guarded(() -> {
			Endpoint f = layer(from), t = layer(to);
			checkActivations(from, activations);
			checkUpstreamWeights(to, upstreamWeights, activations.dim(0));
			Endpoint w = upstreamWeights();
			Endpoint grad = layerGradientOps.computeIfAbsent(from + "->" + to,
				k -> graph.addGradients(PREFIX + "grad_" + OP_IDS.incrementAndGet(), t, new Endpoint[] { f }, w)[0]);
			return fedBatched(from, "the gradient of layer '" + to + "'", new Endpoint[] { f, w }, activations, upstreamWeights, grad,
				gradientBatchSize());
		});
	}

	/**
	 * d(sum upstreamWeights * activations of {@code layer}) / d(images): how the input moves a layer's weighted
	 * activations (e.g. a unit of a head trained on that layer, for feature visualisation).
	 */
	public FloatTensor layerInputGradient(FloatTensor images, String layer, FloatTensor upstreamWeights) {
		checkImages(images);
		return guarded(() -> {
			Endpoint l = layer(layer);
			checkUpstreamWeights(layer, upstreamWeights, images.dim(0));
			Endpoint w = upstreamWeights();
			// the key cannot clash with "from->to": layer names hold no NUL
			Endpoint grad = layerGradientOps.computeIfAbsent("\0input->" + layer,
				k -> graph.addGradients(PREFIX + "grad_" + OP_IDS.incrementAndGet(), l, new Endpoint[] { input }, w)[0]);
			return batched(new Endpoint[] { input, w }, images, upstreamWeights, grad, gradientBatchSize());
		});
	}

	private void checkUpstreamWeights(String to, FloatTensor upstreamWeights, long batch) {
		long[] want = layerInfo(to).shape(), got = upstreamWeights.shape();
		boolean ok = got.length == want.length && got[0] == batch;
		for (int i = 1; ok && i < want.length; i++) ok = want[i] < 0 || want[i] == got[i];
		if (!ok) {
			throw new IllegalArgumentException("Weights for layer '" + to + "' must have its shape " + Arrays.toString(want)
				+ " with batch " + batch + ", got " + Arrays.toString(got) + ".");
		}
		if (upstreamWeights.firstNonFinite() >= 0) throw new IllegalArgumentException("Layer weights contain NaN or infinite values.");
	}

	/** Activations of layer {@code to} with layer {@code from} fed: the part of the model between two layers. */
	public FloatTensor layerFromLayer(String from, FloatTensor activations, String to) {
		checkSplits(from, to);
		return guarded(() -> {
			Endpoint f = layer(from), t = layer(to);
			checkActivations(from, activations);
			return fedBatched(from, "layer '" + to + "'", new Endpoint[] { f }, activations, null, t, preferredBatchSize());
		});
	}

	private Endpoint upstreamWeights() {
		if (upstreamWeights == null) {
			synchronized (this) {
				if (upstreamWeights == null) upstreamWeights = graph.addFloatPlaceholder(PREFIX + "upstream_weights");
			}
		}
		return upstreamWeights;
	}

	@Override
	public void close() {
		Lock w = lifetime.writeLock();
		w.lock();
		try {
			if (closed) return;
			closed = true;
			model.close();
		} finally {
			w.unlock();
		}
	}

	@Override
	public String toString() {
		if (dense) return "TensorFlowClassifier[" + dir + ", " + signature.input() + " -> dense output " + signature.logits() + "]";
		return "TensorFlowClassifier[" + dir + ", " + signature.input() + " -> " + classNames.size() + " classes]";
	}

	// ---- validation: every tensor is checked here, before TensorFlow sees it ----

	private void checkImages(FloatTensor images) {
		TensorChecks.images(signature.input().shape(), images);
	}

	private void checkClassWeights(FloatTensor weights, long batch) {
		if (dense) TensorChecks.outputWeights(weights, batch, signature.logits().shape());
		else TensorChecks.classWeights(weights, batch, classNames.size());
	}

	private void checkActivations(String layer, FloatTensor acts) {
		TensorChecks.activations(layer, layerInfo(layer).shape(), acts);
	}

	// ---- variables ----

	private void checkVariableValue(String name, FloatTensor value) {
		long[] want = variable(name).shape();
		if (!Arrays.equals(want, value.shape())) {
			throw new IllegalArgumentException("Variable '" + name + "' has shape " + Arrays.toString(want) + " but the new value has "
				+ Arrays.toString(value.shape()) + "; give a value of the variable's shape.");
		}
		if (value.firstNonFinite() >= 0) throw new IllegalArgumentException("The new value of variable '" + name + "' contains NaN or infinite values.");
	}

	/** Writes the values into this model's variables in one session run. Only {@link #withVariables} calls it, on a fresh copy. */
	private void assign(Map<String, FloatTensor> values) {
		if (values.isEmpty()) return;
		guarded(() -> {
			List<Endpoint> feeds = new ArrayList<>();
			List<FloatTensor> fed = new ArrayList<>();
			List<TF_Operation> targets = new ArrayList<>();
			for (Map.Entry<String, FloatTensor> e : values.entrySet()) {
				TF_Operation v = variableOp(e.getKey());
				int id = OP_IDS.incrementAndGet();
				Endpoint value = graph.addFloatPlaceholder(PREFIX + "assign_value_" + id);
				targets.add(graph.addVariableAssign(PREFIX + "assign_" + id, v, value));
				feeds.add(value);
				fed.add(e.getValue());
			}
			graph.runTargets(feeds.toArray(Endpoint[]::new), fed.toArray(FloatTensor[]::new), targets.toArray(TF_Operation[]::new));
			return null;
		});
	}

	private TF_Operation variableOp(String name) {
		if (!variables().contains(name)) {
			throw new IllegalArgumentException("Unknown variable '" + (name == null ? "" : name) + "'. Variables of this model: "
				+ String.join(", ", variables()) + ".");
		}
		return graph.find(name).op();
	}

	/** Breadth-first from the logits towards the input: variables come out top layer first. */
	private List<String> findVariables() {
		Set<String> seen = new HashSet<>();
		Deque<TF_Operation> todo = new ArrayDeque<>();
		todo.add(logits.op());
		List<String> result = new ArrayList<>();
		while (!todo.isEmpty()) {
			TF_Operation op = todo.poll();
			String name = GraphSession.opName(op);
			if (!seen.add(name)) continue;
			String type = GraphSession.opType(op);
			if ((type.equals("VariableV2") || type.equals("VarHandleOp")) && GraphSession.dtypeAttr(op) == DataType.DT_FLOAT_VALUE) {
				result.add(name);
			}
			for (int i = 0; i < graph.numInputs(op); i++) todo.add(graph.input(op, i).op());
		}
		return Collections.unmodifiableList(result);
	}

	/** A variable's last name part, as Keras names a variance ({@code batch_normalization/moving_variance}, {@code normalization/variance}). */
	private static final java.util.regex.Pattern VARIANCE_NAME = java.util.regex.Pattern.compile("(^|/)(moving_)?variance(_\\d+)?$");

	private Set<String> findVarianceVariables() {
		List<String> all = variables();
		Set<String> result = new java.util.LinkedHashSet<>();
		for (String name : all) if (VARIANCE_NAME.matcher(name).find()) result.add(name);
		Set<String> seen = new HashSet<>();
		Deque<TF_Operation> todo = new ArrayDeque<>();
		todo.add(logits.op());
		while (!todo.isEmpty()) {
			TF_Operation op = todo.poll();
			if (!seen.add(GraphSession.opName(op))) continue;
			int inputs = graph.numInputs(op);
			// FusedBatchNorm, V2 and V3 take x, scale, offset, mean, variance
			if (GraphSession.opType(op).startsWith("FusedBatchNorm") && inputs >= 5) {
				String v = variableBehind(graph.input(op, 4));
				if (v != null && all.contains(v)) result.add(v);
			}
			for (int i = 0; i < inputs; i++) todo.add(graph.input(op, i).op());
		}
		return Collections.unmodifiableSet(result);
	}

	/** The variable a tensor reads, through ReadVariableOp and identities, or null when it is computed. */
	private String variableBehind(Endpoint e) {
		Endpoint cur = e;
		for (int hop = 0; hop < 64; hop++) {
			String type = GraphSession.opType(cur.op());
			if (type.equals("VariableV2") || type.equals("VarHandleOp")) return GraphSession.opName(cur.op());
			if (type.equals("IdentityN") && cur.index() < graph.numInputs(cur.op())) {
				cur = graph.input(cur.op(), cur.index());
			} else if ((type.equals("Identity") || type.equals("ReadVariableOp") || type.equals("Snapshot")) && graph.numInputs(cur.op()) >= 1) {
				cur = graph.input(cur.op(), 0);
			} else {
				return null;
			}
		}
		return null;
	}

	// ---- graph plumbing ----

	private Endpoint layer(String name) {
		LayerInfo info = layerInfo(name);
		return endpoint(info.name(), "layer");
	}

	private LayerInfo layerInfo(String name) {
		if (name == null || name.isBlank()) throw new IllegalArgumentException("No layer name given. " + layerHint());
		for (LayerInfo l : layers()) {
			if (l.name().equals(name) || (l.name() + ":0").equals(name)) return l;
		}
		throw new IllegalArgumentException("Unknown layer '" + name + "'. " + layerHint());
	}

	private String layerHint() {
		return "Layers of this model: " + layers().stream().map(LayerInfo::name).collect(Collectors.joining(", ")) + ".";
	}

	private Endpoint classWeights() {
		if (classWeights == null) {
			synchronized (this) {
				if (classWeights == null) classWeights = graph.addFloatPlaceholder(PREFIX + "class_weights");
			}
		}
		return classWeights;
	}

	/** Gradient ops of the weighted logits with respect to x, added to the graph once. */
	private Endpoint gradientOf(Endpoint x) {
		Endpoint w = classWeights();
		return gradientOps.computeIfAbsent(x.name(),
			k -> graph.addGradients(PREFIX + "grad_" + OP_IDS.incrementAndGet(), logits, new Endpoint[] { x }, w)[0]);
	}

	private Endpoint endpoint(String tensorName, String what) {
		Endpoint e = graph.find(tensorName);
		if (e == null) throw new ModelLoadException("The " + what + " tensor '" + tensorName + "' is not in the graph of " + dir + ".");
		return e;
	}

	private TensorSpec spec(String key, Endpoint e, DataType dtype) {
		return new TensorSpec(key, e.name(), graph.staticShape(e), dtype == null ? "unknown" : dtype.name());
	}

	/**
	 * The tensor an Identity chain copies (inlined calls leave such chains), else e itself. An
	 * Identity with control inputs is kept (fetching it runs what it waits for); an IdentityN is
	 * always passed (it only stands for an inlined multi-output call and has no gradient).
	 */
	private Endpoint throughIdentities(Endpoint e) {
		Endpoint cur = e;
		for (int hop = 0; cur != null && hop < 64; hop++) {
			String type = GraphSession.opType(cur.op());
			if (type.equals("Identity") && graph.numInputs(cur.op()) == 1 && graph.numControlInputs(cur.op()) == 0) {
				cur = graph.input(cur.op(), 0);
			} else if (type.equals("IdentityN") && cur.index() < graph.numInputs(cur.op())) {
				cur = graph.input(cur.op(), cur.index());
			} else {
				return cur;
			}
		}
		return cur;
	}

	/**
	 * For a model without a batch axis ({@link BatchOfOne}): the tensor T an output's added ExpandDims gives again, when
	 * the output is a Squeeze or Reshape that only took T's batch axis of one off (static shapes: T is [1] followed by the
	 * output's shape, every dimension known for a Reshape), so that the model's own Softmax or Sigmoid before it is seen
	 * and the logits explained are the model's tensor; else e itself.
	 */
	private Endpoint throughBatchOfOne(Endpoint e) {
		if (!batchOfOne || e == null || !GraphSession.opName(e.op()).startsWith(BatchOfOne.OUTPUT)) return e;
		Endpoint t = withItsBatchOfOne(throughIdentities(graph.input(e.op(), 0)));
		return t == null ? e : t;
	}

	/**
	 * The tensor T [1, ...] that x, a Squeeze or Reshape, only took the batch axis of one off (static shapes: x's shape is T's
	 * without its first axis, every dimension known for a Reshape), or null when x is not such a tensor.
	 */
	private Endpoint withItsBatchOfOne(Endpoint x) {
		String type = GraphSession.opType(x.op());
		if (!type.equals("Squeeze") && !type.equals("Reshape")) return null;
		Endpoint t = graph.input(x.op(), 0);
		long[] st = graph.staticShape(t), sx = graph.staticShape(x);
		if (st == null || sx == null || st.length != sx.length + 1 || st[0] != 1) return null;
		for (int i = 0; i < sx.length; i++) {
			if (st[i + 1] != sx[i] || (sx[i] < 0 && !type.equals("Squeeze"))) return null;
		}
		return t;
	}

	/**
	 * For a probabilities output: the logits feeding its {@code activation} op (Softmax or Sigmoid),
	 * through Identity ops and the Identity/IdentityN ops that stand for inlined function calls, else null.
	 */
	private Endpoint activationInput(Endpoint e, String activation) {
		Endpoint cur = e;
		for (int hop = 0; hop < 64; hop++) {
			String type = GraphSession.opType(cur.op());
			if (type.equals(activation)) return graph.input(cur.op(), 0);
			if (type.equals("Identity") && graph.numInputs(cur.op()) == 1) {
				cur = graph.input(cur.op(), 0);
			} else if (type.equals("IdentityN") && cur.index() < graph.numInputs(cur.op())) {
				cur = graph.input(cur.op(), cur.index());
			} else {
				return null;
			}
		}
		return null;
	}

	/** Tensors on a path from the input to the logits with a batch dimension: the layers a user can pick. */
	private List<LayerInfo> findLayers() {
		Set<String> upstreamOfLogits = new HashSet<>();
		Deque<TF_Operation> todo = new ArrayDeque<>();
		todo.add(logits.op());
		while (!todo.isEmpty()) {
			TF_Operation op = todo.poll();
			String name = GraphSession.opName(op);
			if (!upstreamOfLogits.add(name)) continue;
			for (int i = 0; i < graph.numInputs(op); i++) todo.add(graph.input(op, i).op());
		}
		// Identity copies (many in inlined Keras graphs) are not layers of their own: pick the op they copy
		Set<String> excluded = Set.of("Placeholder", "Const", "VariableV2", "VarHandleOp", "ReadVariableOp", "Shape", "NoOp",
			"Identity", "IdentityN");
		List<LayerInfo> result = new ArrayList<>();
		Map<String, Boolean> fedByInput = new java.util.HashMap<>();
		for (TF_Operation op : graph.operations()) {
			String name = GraphSession.opName(op);
			// the logits themselves are not a split point: h would be the identity
			if (!upstreamOfLogits.contains(name) || name.startsWith(PREFIX) || op.equals(logits.op())) continue;
			String type = GraphSession.opType(op);
			if (excluded.contains(type)) continue;
			Endpoint e = new Endpoint(op, 0, name + ":0");
			if (graph.dataType(e) != DataType.DT_FLOAT_VALUE) continue;
			long[] shape = graph.staticShape(e);
			// [N, k] vectors, [N, t, c] tokens, [N, h, w, c] feature maps; a model without a batch axis: the tensors with the
			// batch of one its graph makes itself, offered with any batch (one image per run), but for the input reshaped
			if (shape == null || shape.length < 2 || shape.length > 4 || shape[0] != (batchOfOne ? 1 : -1)) continue;
			if (!dependsOnInput(op, fedByInput) || (batchOfOne && reshapedInput(op))) continue;
			if (batchOfOne) shape[0] = -1;
			result.add(new LayerInfo(name, type, shape));
		}
		return Collections.unmodifiableList(result);
	}

	/** Whether op only reshapes the input (ExpandDims, Squeeze, Reshape, identities): the image again, no layer. */
	private boolean reshapedInput(TF_Operation op) {
		TF_Operation cur = op;
		for (int hop = 0; hop < 64; hop++) {
			if (cur.equals(input.op()) || GraphSession.opName(cur).equals(GraphSession.opName(input.op()))) return true;
			String type = GraphSession.opType(cur);
			if (!Set.of("ExpandDims", "Squeeze", "Reshape", "Identity", "Snapshot").contains(type) || graph.numInputs(cur) < 1) return false;
			cur = graph.input(cur, 0).op();
		}
		return false;
	}

	/** Whether the input feeds op; memoised over the whole graph walk. */
	private boolean dependsOnInput(TF_Operation op, Map<String, Boolean> memo) {
		String name = GraphSession.opName(op);
		Boolean known = memo.get(name);
		if (known != null) return known;
		memo.put(name, false); // cycles (loops) do not count as dependence
		boolean result = op.equals(input.op()) || name.equals(GraphSession.opName(input.op()));
		for (int i = 0; !result && i < graph.numInputs(op); i++) result = dependsOnInput(graph.input(op, i).op(), memo);
		memo.put(name, result);
		return result;
	}

	// ---- batching and lifetime ----

	/**
	 * Runs x (and w, row for row) through TensorFlow in batches of at most {@code batch} rows,
	 * reading every batch's result straight into one output array: no per-batch Java copies of
	 * inputs or outputs.
	 */
	private FloatTensor batched(Endpoint[] feeds, FloatTensor x, FloatTensor w, Endpoint fetch, int batch) {
		int n = (int) x.dim(0);
		FloatTensor[] values = w == null ? new FloatTensor[] { x } : new FloatTensor[] { x, w };
		TF_Operation[] targets = feedKeepers(feeds);
		BatchOutput out = new BatchOutput(n, fetch.name());
		for (int from = 0; from < n; from += batch) {
			int to = Math.min(n, from + batch), f = from;
			graph.runRows(feeds, values, from, to, fetch, targets, (shape, data) -> out.put(f, to, shape, data));
		}
		return out.tensor();
	}

	/**
	 * {@link #batched} with layer {@code from} fed (its activations {@code x}) to compute {@code what}. Such a run can fail inside
	 * TensorFlow where an image run does not: a rewrite by its graph optimiser that {@link #feedKeepers} does not prevent, or
	 * activations the graph above the layer cannot take although the layer's static shape allowed them ({@link #fedRun}).
	 */
	private FloatTensor fedBatched(String from, String what, Endpoint[] feeds, FloatTensor x, FloatTensor w, Endpoint fetch, int batch) {
		return fedRun(() -> batched(feeds, x, w, fetch, batch), "The model " + dir + " could not compute " + what + " from layer '" + from
			+ "' fed with activations " + Arrays.toString(x.shape()));
	}

	/**
	 * Runs a fed graph run. The TensorFlow errors that say the layer cannot be fed this way speak of TensorFlow's own ops and
	 * would pass for the user's sentence, so they become one sentence about the model and the layer ({@code failed}),
	 * TensorFlow's exception as the cause: INVALID_ARGUMENT (a Reshape the fed activations do not fit) and NOT_FOUND (a fed or
	 * fetched tensor the run's graph does not hold, "... was not found in the Graph", as when the graph optimiser fuses the
	 * fed op away; {@link GraphSession.NotFound}). The same images ran through the same graph before any run feeds a layer, so
	 * these come from feeding it. Everything else passes unchanged: DJL turns INTERNAL, UNKNOWN, CANCELLED and ABORTED (a GPU's
	 * "Dst tensor is not initialized", a cuDNN launch failure) into the base TensorFlowException, and running out of memory
	 * (RESOURCE_EXHAUSTED) or an uninitialised variable (FAILED_PRECONDITION) is no fault of the layer either.
	 */
	static FloatTensor fedRun(java.util.function.Supplier<FloatTensor> run, String failed) {
		try {
			return run.get();
		} catch (org.tensorflow.exceptions.TFInvalidArgumentException | GraphSession.NotFound e) {
			String tf = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip().lines().findFirst().orElse("");
			throw new IllegalArgumentException(failed + ": TensorFlow failed in the part of the graph above that layer (" + tf
				+ "); choose another layer.", e);
		}
	}

	/**
	 * For each fed tensor that is not a placeholder (a layer fed in place of the part of the model
	 * below it), an Identity op reading it, run as a target with the fetch. TensorFlow's graph
	 * optimiser (Grappler's remapper) fuses a chain such as Conv2D, FusedBatchNormV3 and swish
	 * (Sigmoid, Mul) into one op named after the chain's last op when the inner outputs have no other
	 * reader; a fed inner tensor (EfficientNet's {@code top_bn/FusedBatchNormV3:0} fed to fetch
	 * {@code top_activation/mul:0}) then no longer exists and the run fails with "Tensor ... was not
	 * found in the Graph". A second reader of the fed tensor keeps its op unfused, as the gradient
	 * ops do for the gradient runs. The Identity forwards the fed buffer: nothing is copied.
	 */
	private TF_Operation[] feedKeepers(Endpoint[] feeds) {
		List<TF_Operation> keep = new ArrayList<>();
		for (Endpoint e : feeds) {
			if (GraphSession.opType(e.op()).equals("Placeholder")) continue;
			keep.add(feedKeepers.computeIfAbsent(e.name(), k -> graph.addOperation("Identity", PREFIX + "keep_feed_" + OP_IDS.incrementAndGet(),
				new Object[] { e }, Map.of())[0].op()));
		}
		return keep.toArray(TF_Operation[]::new);
	}

	/** The result of a batched run, filled batch by batch. */
	private static final class BatchOutput {
		private final int n;
		private final String name;
		private long[] shape;
		private float[] data;
		private int perRow;

		BatchOutput(int n, String name) {
			this.n = n;
			this.name = name;
		}

		void put(int from, int to, long[] batchShape, FloatBuffer values) {
			if (batchShape.length == 0 || batchShape[0] != to - from) {
				throw new IllegalStateException("TensorFlow returned " + name + " with shape " + Arrays.toString(batchShape)
					+ " for a batch of " + (to - from) + "; ConceptScope expects one row per input.");
			}
			if (data == null) {
				shape = batchShape.clone();
				shape[0] = n;
				data = new float[Math.toIntExact(FloatTensor.sizeOf(shape))];
				perRow = (int) (FloatTensor.sizeOf(batchShape) / (to - from));
			} else if (!Arrays.equals(Arrays.copyOfRange(batchShape, 1, batchShape.length), Arrays.copyOfRange(shape, 1, shape.length))) {
				throw new IllegalStateException("TensorFlow returned " + name + " with shape " + Arrays.toString(batchShape)
					+ " after " + Arrays.toString(shape) + " for earlier rows.");
			}
			values.get(data, from * perRow, (to - from) * perRow);
		}

		FloatTensor tensor() {
			return new FloatTensor(shape, data);
		}
	}

	private <T> T guarded(java.util.function.Supplier<T> call) {
		Lock r = lifetime.readLock();
		r.lock();
		try {
			if (closed) throw new IllegalStateException("The model " + dir + " has been closed; load it again.");
			return call.get();
		} finally {
			r.unlock();
		}
	}

	/** The softmax of [N, K] logits over the classes. */
	public static FloatTensor softmax(FloatTensor logits) {
		return Softmax.overAxis(logits, 1);
	}
}
