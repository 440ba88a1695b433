package org.conceptscope.model.bioimage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.model.Classifier;
import org.conceptscope.model.DenseModel;
import org.conceptscope.model.EngineClassifier;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.LoadOptions;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.PixelSize;
import org.conceptscope.model.RawOutputClassifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.TensorSpec;
import org.conceptscope.model.bioimage.ModelDescription.Axis;
import org.conceptscope.model.bioimage.ModelDescription.FileRef;
import org.conceptscope.model.bioimage.ModelDescription.TensorDescription;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.model.torch.TorchScriptClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.util.Folders;

/**
 * A bioimage.io model package (rdf.yaml format 0.4 or 0.5, as a .zip or a folder) with
 * TensorFlow SavedModel, TorchScript or ONNX weights ({@code weights: tensorflow_saved_model_bundle},
 * {@code torchscript}, {@code onnx}; the first of these the package has runs), as a
 * {@link Classifier}.
 * <p>
 * Opening it: the package zip is unpacked safely into a temporary folder (no zip-slip, no
 * links, size limits), rdf.yaml is read with a safe YAML loader, files the rdf names must lie
 * inside the package (no URLs: nothing is downloaded), the SHA-256 of the weights is verified,
 * a SavedModel's zip is unpacked, checked and loaded like any other
 * ({@link TensorFlowClassifier#load(Path, ModelConfig, LoadOptions)}: op allow-list, function
 * inlining) and the rdf is checked against its signature; TorchScript and ONNX weights are
 * checked and loaded by {@link TorchScriptClassifier} and {@link OnnxClassifier} with the input the
 * rdf declares (channel-first axes "bcyx" as PyTorch exports them, or channel-last); the package's own test
 * tensors are run and compared. Any failure removes every temporary file.
 * <p>
 * The rdf's preprocessing is the model's {@link #normalization()}; the class names are the
 * output's channel names (0.5) or {@code config: conceptscope: classes}. Images go in as
 * [N, height, width, channels]; a model declared with axes "bxyc" (or "bcxy") gets them transposed on the
 * way in, and its gradients and spatial layers transposed back, so every method sees image space.
 * {@link #close()} closes the model and removes the temporary folder.
 * <p>
 * An output with the input's own axes (a segmentation network's map) makes the package a dense model
 * ({@link #isDense()}): its {@link DenseModel} side is the weights' raw output in image space, and
 * {@link org.conceptscope.model.Classifiers#explained} (the one place that decides how a raw output
 * becomes the explained scores, for every engine) puts a target operator in front of it. This class
 * only checks that the rdf's output and the weights' agree.
 */
public final class BioImageModel implements RawOutputClassifier {

	/** Result of running the package's own test tensors. */
	public record TestReport(boolean ran, boolean passed, double maxAbsoluteDifference, String message) {}

	private final Path source;
	private final Path workDir;
	private final ModelDescription description;
	private final Classifier model;
	/** The same model when it runs on TensorFlow (methods that read the graph need it), else null. */
	private final TensorFlowClassifier tensorFlow;
	private final String weightsFormat;
	private final PixelSize pixelSize;
	private final TensorDescription input;
	private final TensorDescription output;
	private final String outputKey;
	private final boolean xyOrder;
	private final Normalization normalization;
	/** The rdf's postprocessing of the output, as the spec completes it (an integer output's data type cast at the end). */
	private final List<Processings.Step> postprocessing;
	/** The same without casts to integer types: the continuous values {@link #probabilities} gives after a sigmoid. */
	private final List<Processings.Step> scorePostprocessing;
	/**
	 * Whether the rdf's postprocessing of a classifier output ends in a sigmoid: the probabilities are then the declared
	 * output, each class's own sigmoid (multi-label, or a one-output binary model), not a softmax of the logits.
	 */
	private final boolean sigmoidPostprocessing;
	private final boolean weightsVerified;
	private final Path root;
	private final ModelSignature signature;
	private volatile List<LayerInfo> layers;
	private TestReport testReport = new TestReport(false, false, Double.NaN, "The test tensors have not been run.");

	private BioImageModel(Path source, Path root, Path workDir, ModelDescription d, Classifier model, String weightsFormat,
		boolean weightsVerified) {
		this.source = source;
		this.root = root;
		this.workDir = workDir;
		this.description = d;
		this.model = model;
		this.tensorFlow = model instanceof TensorFlowClassifier tf ? tf : null;
		this.weightsFormat = weightsFormat;
		this.weightsVerified = weightsVerified;
		this.input = d.requiredInputs().get(0);
		String rdf = source.toString();
		String axes = checkedAxes(input, rdf, weightsFormat);
		this.xyOrder = layout(axes).equals("xyc") || layout(axes).equals("cxy");
		this.pixelSize = pixelSize(input);
		if (tensorFlow == null) {
			TensorDescription out = d.outputs().get(0);
			checkOutputAxes(out, input, rdf);
			checkOutputRank(out, model, rdf);
			this.output = out;
			this.outputKey = out.id();
			this.normalization = Processings.preprocessing(input, rdf + ": input '" + input.id() + "'");
			this.postprocessing = Processings.postprocessing(out, rdf + ": output '" + out.id() + "'");
			this.scorePostprocessing = Processings.postprocessing(Processings.withoutIntegerCasts(out), rdf + ": output '" + out.id() + "'");
			this.sigmoidPostprocessing = endsInSigmoid(out, model);
			ModelSignature s = model.signature();
			this.signature = xyOrder ? new ModelSignature(s.key(), swapped(s.input()), swapped(s.logits()), s.probabilities(), s.outputs()) : s;
			return;
		}
		long[] sig = model.signature().input().shape();
		// (an input without a batch axis: the SavedModel was made a model with a batch of one, [1, ...] here)
		int first = hasBatch(input) ? 0 : 1;
		for (int i = 1; i < 4; i++) {
			Axis a = input.axes().get(i - first);
			if (sig[i] > 0 && !a.accepts(sig[i])) {
				throw new ModelLoadException(rdf + ": the input axis '" + a.id() + "' has size " + a.describeSize()
					+ " but the SavedModel's input is " + Arrays.toString(sig) + " (axes " + axes + "). The package is inconsistent.");
			}
			if (sig[i] > 0 && a.size() < 0 && a.min() > 0 && a.min() > sig[i]) {
				throw new ModelLoadException(rdf + ": the input axis '" + a.id() + "' has minimum size " + a.min()
					+ " but the SavedModel's input is " + Arrays.toString(sig) + ".");
			}
		}
		// the classifier output: the first rdf output the signature has
		TensorDescription out = null;
		String key = null;
		List<String> sigOutputs = model.signature().outputs().stream().map(TensorSpec::key).toList();
		for (TensorDescription o : d.outputs()) {
			if (sigOutputs.contains(o.id())) {
				out = o;
				key = o.id();
				break;
			}
		}
		if (out == null && d.outputs().size() == 1 && sigOutputs.size() == 1) {
			out = d.outputs().get(0);
			key = sigOutputs.get(0);
		}
		if (out == null) {
			throw new ModelLoadException(rdf + ": none of the outputs " + d.outputs().stream().map(TensorDescription::id).toList()
				+ " is an output of the SavedModel's signature " + sigOutputs + ".");
		}
		checkOutputAxes(out, input, rdf);
		checkOutputRank(out, model, rdf);
		this.output = out;
		this.outputKey = key;
		this.normalization = Processings.preprocessing(input, rdf + ": input '" + input.id() + "'");
		this.postprocessing = Processings.postprocessing(out, rdf + ": output '" + out.id() + "'");
		this.scorePostprocessing = Processings.postprocessing(Processings.withoutIntegerCasts(out), rdf + ": output '" + out.id() + "'");
		this.sigmoidPostprocessing = endsInSigmoid(out, model);
		ModelSignature s = model.signature();
		this.signature = xyOrder ? new ModelSignature(s.key(), swapped(s.input()), swapped(s.logits()), s.probabilities(), s.outputs()) : s;
	}

	/**
	 * Whether a classifier's output postprocessing ends in a sigmoid (an ensure_dtype after it changes nothing here). A map's
	 * is not taken for probabilities: the map explained is the network's, before the sigmoid, and a zone's mean of it is no
	 * probability.
	 */
	static boolean endsInSigmoid(TensorDescription out, Classifier model) {
		if (model instanceof DenseModel d && d.isDense()) return false;
		String last = null;
		for (ModelDescription.Processing p : out.postprocessing()) if (!p.name().equals("ensure_dtype")) last = p.name();
		return "sigmoid".equals(last);
	}

	/**
	 * What the rdf alone can refuse (one input, weights ConceptScope runs, input axes and type,
	 * preprocessing; the output's axes and postprocessing when there is one output), checked before the
	 * weights are unpacked and loaded, which can take minutes; the constructor checks the same against
	 * the loaded model.
	 *
	 * @return the weights format to load
	 */
	private static String checkBeforeWeights(ModelDescription d, Path rdfFile) {
		String rdf = rdfFile.toString();
		// an input marked optional: true is one the model runs without (bioimage.io then passes None): it is left out
		int required = d.requiredInputs().size();
		if (required != 1) {
			throw new ModelLoadException(rdf + " describes " + required + " inputs the model needs" + (required < d.inputs().size() ? " (besides "
				+ (d.inputs().size() - required) + " optional ones)" : "") + "; ConceptScope explains models with one image input.");
		}
		String format = null;
		for (String f : WEIGHT_FORMATS) {
			if (format == null && d.weights().containsKey(f)) format = f;
		}
		if (format == null) {
			throw new ModelLoadException(rdf + " has no weights ConceptScope runs (it has " + String.join(", ", new java.util.TreeSet<>(d.weights().keySet()))
				+ "; ConceptScope runs " + String.join(", ", WEIGHT_FORMATS) + "): " + convertAdvice(d.weights().keySet()) + ".");
		}
		TensorDescription input = d.requiredInputs().get(0);
		checkedAxes(input, rdf, format);
		Processings.preprocessing(input, rdf + ": input '" + input.id() + "'");
		if (d.outputs().size() == 1) {
			TensorDescription out = d.outputs().get(0);
			checkOutputAxes(out, input, rdf);
			Processings.postprocessing(out, rdf + ": output '" + out.id() + "'");
		}
		return format;
	}

	/** What to do with weights no engine here runs: the conversion bioimage.io's tools offer for them. */
	private static String convertAdvice(java.util.Set<String> formats) {
		if (formats.contains("pytorch_state_dict")) {
			return "make torchscript or onnx weights from the pytorch_state_dict with bioimageio.core's command"
				+ " 'bioimageio add-weights' (a 0.4 package first through 'bioimageio update-format')";
		}
		if (formats.contains("keras_hdf5")) {
			return "export the Keras model as a TensorFlow SavedModel (model.export(folder) in Keras 3, tf.saved_model.save(model, folder)"
				+ " in Keras 2), zip the folder and add it to the rdf as tensorflow_saved_model_bundle";
		}
		return "ask the model's authors for weights in one of these formats, or convert them yourself";
	}

	/** Raw input data types an image holds, read as float32 values before the preprocessing. */
	private static final List<String> RAW_TYPES = List.of("uint8", "uint16", "uint32", "int8", "int16", "int32", "float32", "float64");

	/** The axes without the batch axis ("cyx" for "bcyx"). */
	private static String layout(String axes) {
		return axes.replace("b", "");
	}

	/** Whether a tensor has a batch axis (optional in format 0.5). */
	private static boolean hasBatch(TensorDescription t) {
		return t.axis('b') != null;
	}

	/**
	 * The input axes, which ConceptScope can feed: [batch, y, x, channel] for TensorFlow, also channel first for the other
	 * engines; also without the batch axis (format 0.5, where it is optional: one image per call; a TensorFlow SavedModel is
	 * then run as a model with a batch of one, see {@link TensorFlowClassifier}).
	 */
	private static String checkedAxes(TensorDescription input, String rdf, String format) {
		String axes = input.axesString();
		boolean tensorFlow = format.equals("tensorflow_saved_model_bundle");
		List<String> ok = tensorFlow ? List.of("byxc", "bxyc") : List.of("byxc", "bxyc", "bcyx", "bcxy");
		if (!ok.contains(axes) && !ok.contains("b" + axes)) {
			throw new ModelLoadException(rdf + ": the input '" + input.id() + "' has axes '" + axes + "'; ConceptScope feeds 2D images"
				+ " with the axes " + String.join(", ", ok) + (tensorFlow ? " to TensorFlow models" : "") + " (also without the batch axis b)"
				+ ". Models with other layouts (3D, time) are not supported.");
		}
		// the data type is the raw input's; the network gets what the last preprocessing step gives, an ensure_dtype
		// (RdfReader completes the steps as the spec does: 0.4 ends in float32, 0.5 in the data type unless it says otherwise)
		List<ModelDescription.Processing> pre = input.preprocessing();
		ModelDescription.Processing last = pre.isEmpty() ? null : pre.get(pre.size() - 1);
		String fed = last != null && last.name().equals("ensure_dtype") ? String.valueOf(last.kwargs().get("dtype"))
			: last != null && last.name().equals("binarize") ? "float32" : input.dataType();
		if (!RAW_TYPES.contains(input.dataType()) || !Processings.FLOAT_TYPES.contains(fed)) {
			String type = Processings.FLOAT_TYPES.contains(input.dataType()) ? fed : input.dataType();
			throw new ModelLoadException(rdf + ": the input '" + input.id() + "' is " + type + "; ConceptScope feeds float32"
				+ (RAW_TYPES.contains(input.dataType()) ? " (raw " + type + " data needs a preprocessing step ensure_dtype with dtype"
					+ " float32 at the end, before the network)" : "") + ".");
		}
		return axes;
	}

	/**
	 * A classifier's output [batch, class], or a map with the input's own axes (a segmentation network's output); for an
	 * input without a batch axis, the same without it ([class]).
	 */
	private static void checkOutputAxes(TensorDescription out, TensorDescription input, String rdf) {
		String oaxes = out.axesString(), b = hasBatch(input) ? "b" : "";
		if (!oaxes.equals(b + "c") && !oaxes.equals(b + "i") && !oaxes.equals(input.axesString())) {
			throw new ModelLoadException(rdf + ": the output '" + out.id() + "' has axes '" + oaxes + "'; ConceptScope explains"
				+ " classifiers, whose output is " + (b.isEmpty() ? "[class] ('c')" : "[batch, class] ('bc')") + ", and maps with the input's axes ('"
				+ input.axesString() + "', a segmentation network's output). Other outputs (3D, time, other layouts) are not supported.");
		}
	}

	/** The rdf's output and the weights' agree: both [batch, class], or both maps. */
	private static void checkOutputRank(TensorDescription out, Classifier model, String rdf) {
		boolean map = layout(out.axesString()).length() > 1, dense = model instanceof DenseModel d && d.isDense();
		if (map != dense) {
			throw new ModelLoadException(rdf + ": the output '" + out.id() + "' has axes '" + out.axesString() + "' but the weights give "
				+ java.util.Arrays.toString(model.signature().logits().shape()) + "; ConceptScope explains classifiers by their [batch, class] output"
				+ " and segmentation networks by their map: the package is inconsistent.");
		}
	}

	/** 0.5 space axes with a unit give the pixel size the model was trained at. */
	private static PixelSize pixelSize(TensorDescription input) {
		Axis x = input.axis('x'), y = input.axis('y');
		if (x == null || y == null || x.unit() == null || y.unit() == null || !x.unit().equals(y.unit())) return null;
		return new PixelSize(x.scale(), y.scale(), x.unit());
	}

	// ---- opening ----

	/** Whether a path looks like a bioimage.io package: a .zip, a folder with an rdf, or the rdf itself. */
	public static boolean isPackage(Path p) {
		if (p == null || !Files.exists(p)) return false;
		if (Files.isDirectory(p)) return findRdf(p) != null && !Files.exists(p.resolve("saved_model.pb"));
		String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
		return n.endsWith(".zip") || n.endsWith("rdf.yaml") || n.endsWith("bioimageio.yaml") || n.endsWith(".yml");
	}

	public static BioImageModel open(Path path) {
		return open(path, LoadOptions.defaults());
	}

	/**
	 * Opens a package: a .zip, a folder holding rdf.yaml (or bioimageio.yaml), or the rdf file.
	 *
	 * @throws ModelLoadException naming what is wrong with the package and how to fix it
	 */
	public static BioImageModel open(Path path, LoadOptions options) {
		if (options == null) options = LoadOptions.defaults();
		if (path == null) throw new ModelLoadException("No model package given. Choose a bioimage.io .zip or the folder with its rdf.yaml.");
		if (!Files.exists(path)) {
			throw new ModelLoadException("The model package " + path + " does not exist: give a bioimage.io package's .zip, its rdf.yaml or the"
				+ " folder holding it.");
		}
		Path work;
		try {
			Files.createDirectories(options.workDirOrDefault());
			work = Files.createTempDirectory(options.workDirOrDefault(), "conceptscope-bioimage-");
		} catch (IOException e) {
			throw new ModelLoadException("Cannot create a temporary folder in " + options.workDirOrDefault() + ": " + e.getMessage(), e);
		}
		Classifier tf = null;
		try {
			Path root, rdf;
			if (Files.isDirectory(path)) {
				root = path.toAbsolutePath().normalize();
				rdf = findRdf(root);
				if (rdf == null) throw new ModelLoadException(path + " has no rdf.yaml (or bioimageio.yaml): it is not a bioimage.io package.");
			} else if (isZip(path) || path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".zip")) {
				root = Files.createDirectory(work.resolve("package"));
				// the rdf first: what it alone refuses is refused before a package of gigabytes is unpacked
				String rdfEntry = rdfEntry(path);
				long maxBytes = options.maxUnpackedBytes();
				long rdfBytes = rdfEntry == null ? 0 : SafeZip.extract(path, root, maxBytes, rdfEntry::equals, 0);
				Path early = rdfEntry == null ? null : root.resolve(rdfEntry);
				boolean checked = early != null && Files.isRegularFile(early);
				if (checked) {
					checkBeforeWeights(RdfReader.read(early), early);
					SafeZip.extract(path, root, maxBytes, name -> !name.equals(rdfEntry), rdfBytes);
				} else { // the zip's own listing named no entry that unpacked: unpack it all, then look
					Folders.deleteTree(root);
					Files.createDirectory(root);
					SafeZip.extract(path, root, maxBytes);
				}
				rdf = checked ? early : findRdf(root); // the rdf checked, not another one a listing of the folder might give first
				if (rdf == null) throw new ModelLoadException(path + " holds no rdf.yaml (or bioimageio.yaml): it is not a bioimage.io package.");
				root = rdf.getParent();
			} else {
				String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
				if (!n.endsWith(".yaml") && !n.endsWith(".yml")) {
					throw new ModelLoadException(path + " is neither a bioimage.io package (.zip, or a folder with rdf.yaml) nor an rdf.yaml.");
				}
				rdf = path.toAbsolutePath().normalize();
				root = rdf.getParent();
			}
			ModelDescription d = RdfReader.read(rdf);
			String format = checkBeforeWeights(d, rdf);
			FileRef w = d.weights().get(format);
			Path weights = resolve(root, w.source(), rdf, "the weights");
			boolean verified = false;
			if (format.equals("tensorflow_saved_model_bundle")) {
				Path savedModel;
				if (Files.isDirectory(weights)) {
					if (w.sha256() != null) {
						throw new ModelLoadException(rdf + " gives a sha256 for the weights folder " + w.source()
							+ "; a SHA-256 is checked on a weights .zip. Zip the SavedModel folder.");
					}
					savedModel = weights;
				} else {
					if (w.sha256() != null) {
						checkSha256(weights, w.sha256(), rdf, "weights");
						verified = true;
					}
					Path unpacked = Files.createDirectory(work.resolve("weights"));
					SafeZip.extract(weights, unpacked, options.maxUnpackedBytes());
					savedModel = findSavedModel(unpacked, weights);
				}
				ModelConfig config = config(d, rdf);
				tf = TensorFlowClassifier.load(savedModel, config, options);
			} else {
				if (!Files.isRegularFile(weights)) throw new ModelLoadException(rdf + " names the " + format + " weights '" + w.source() + "', which is not a file.");
				if (w.sha256() != null) {
					checkSha256(weights, w.sha256(), rdf, "weights");
					verified = true;
				}
				EngineClassifier.Description desc = engineDescription(d, rdf, format);
				tf = format.equals("torchscript") ? TorchScriptClassifier.load(weights, desc, options)
					// bioimage.io pairs an ONNX graph's outputs with the rdf's by position, not by name
					: OnnxClassifier.load(weights, desc, null, options);
			}
			BioImageModel m = new BioImageModel(rdf, root, work, d, tf, format, verified);
			if (options.runTestTensors()) {
				TestReport r = m.runTestTensors();
				if (r.ran() && !r.passed()) throw new ModelLoadException(rdf + ": the package's own test failed: " + r.message());
			}
			return m;
		} catch (IOException e) {
			if (tf != null) tf.close();
			Folders.deleteTreeQuietly(work);
			throw new ModelLoadException("Cannot open the model package " + path + ": " + e.getMessage(), e);
		} catch (RuntimeException e) {
			if (tf != null) tf.close();
			Folders.deleteTreeQuietly(work);
			throw e;
		}
	}

	/** Weight formats ConceptScope runs, in the order it prefers them (TensorFlow models support every method). */
	public static final List<String> WEIGHT_FORMATS = List.of("tensorflow_saved_model_bundle", "torchscript", "onnx");

	/** What the TorchScript and ONNX engines need from the rdf: input sizes and layout, class names, preprocessing, pixel size. */
	static EngineClassifier.Description engineDescription(ModelDescription d, Path rdf) {
		return engineDescription(d, rdf, WEIGHT_FORMATS.stream().filter(f -> !f.startsWith("tensorflow") && d.weights().containsKey(f)).findFirst().orElse("onnx"));
	}

	static EngineClassifier.Description engineDescription(ModelDescription d, Path rdf, String format) {
		TensorDescription in = d.requiredInputs().get(0);
		String axes = layout(checkedAxes(in, rdf.toString(), format));
		boolean channelsFirst = axes.startsWith("c");
		Axis a = in.axis(axes.charAt(channelsFirst ? 1 : 0)), b = in.axis(axes.charAt(channelsFirst ? 2 : 1)), c = in.axis('c');
		long channels = c.size() > 0 ? c.size() : c.channelNames().size();
		if (channels < 1) throw new ModelLoadException(rdf + ": the input '" + in.id() + "' does not say how many channels it has.");
		// tried when it loads at a size its axes allow (a minimum of 96 in steps of 32: 96), not a fixed 64 it may refuse
		EngineClassifier.Input input = new EngineClassifier.Input(a.size() > 0 ? a.size() : -1, b.size() > 0 ? b.size() : -1, channels, channelsFirst)
			.probedAt(a.fit(EngineClassifier.Input.PROBE), b.fit(EngineClassifier.Input.PROBE));
		if (!hasBatch(in)) input = input.withoutBatchAxis();
		ModelConfig c0 = config(d, rdf);
		return new EngineClassifier.Description(c0.name, input, c0.classes, Processings.preprocessing(in, rdf + ": input '" + in.id() + "'"),
			pixelSize(in)).declaredIn(c0.origin);
	}

	private static ModelConfig config(ModelDescription d, Path rdf) {
		ModelConfig c = new ModelConfig();
		c.origin = rdf.toString();
		c.name = d.name().isBlank() ? null : d.name();
		c.description = d.description();
		TensorDescription in = d.requiredInputs().get(0);
		c.normalization = Processings.preprocessing(in, rdf + ": input '" + in.id() + "'").describe();
		// origin: the rdf and the key the class names come from, for a message about them
		for (int i = 0; i < d.outputs().size(); i++) {
			TensorDescription o = d.outputs().get(i);
			Axis ch = o.axis('c');
			if (ch != null && !ch.channelNames().isEmpty() && (layout(o.axesString()).length() == 1 || o.axesString().equals(in.axesString()))) {
				c.classes = new ArrayList<>(ch.channelNames());
				c.origin = rdf + " (outputs[" + i + "] channel_names)";
				break;
			}
		}
		if (d.config().get("conceptscope") instanceof Map<?, ?> cs) {
			if (cs.get("classes") instanceof List<?> l) {
				c.classes = new ArrayList<>();
				for (Object o : l) c.classes.add(String.valueOf(o));
				c.origin = rdf + " (config: conceptscope: classes)";
			}
			if (cs.get("logits") != null) c.logits = String.valueOf(cs.get("logits"));
		}
		c.metadata.put("bioimageio_format_version", d.formatVersion());
		// a SavedModel whose signature takes one image [H, W, C] runs as a model with a batch of one
		c.inputWithoutBatchAxis = !hasBatch(in);
		return c;
	}

	static Path findRdf(Path dir) {
		for (String n : List.of("rdf.yaml", "bioimageio.yaml")) {
			if (Files.isRegularFile(dir.resolve(n))) return dir.resolve(n);
		}
		try (Stream<Path> s = Files.list(dir)) {
			List<Path> entries = s.filter(BioImageModel::isContent).toList();
			for (Path p : entries) {
				if (Files.isRegularFile(p) && p.getFileName().toString().endsWith(".bioimageio.yaml")) return p;
			}
			// a zip made of the package folder: one folder at the top
			List<Path> dirs = entries.stream().filter(Files::isDirectory).toList();
			if (dirs.size() == 1 && entries.size() == 1) return findRdf(dirs.get(0));
		} catch (IOException e) {
			return null;
		}
		return null;
	}

	/**
	 * The name of the zip entry {@link #findRdf} would find once the zip is unpacked, read from the zip's
	 * own listing; null when the zip does not open as a file system (its entries are then checked, and
	 * refused in a sentence, by the full unpack) or has no rdf.
	 */
	static String rdfEntry(Path zip) {
		try (java.nio.file.FileSystem fs = java.nio.file.FileSystems.newFileSystem(zip)) {
			Path top = fs.getPath("/"), rdf = findRdf(top);
			return rdf == null ? null : top.relativize(rdf).toString();
		} catch (IOException | RuntimeException e) {
			return null;
		}
	}

	/** Not what a zip tool adds beside the package: macOS's __MACOSX folder, ._ resource forks, .DS_Store. */
	private static boolean isContent(Path p) {
		String name = p.getFileName().toString();
		return !name.equals("__MACOSX") && !name.startsWith("._") && !name.equals(".DS_Store");
	}

	private static boolean isZip(Path p) throws IOException {
		try (InputStream in = Files.newInputStream(p)) {
			byte[] head = in.readNBytes(4);
			return head.length == 4 && head[0] == 'P' && head[1] == 'K';
		}
	}

	/** The SavedModel folder inside unpacked weights: the top folder, or its single subfolder. */
	private static Path findSavedModel(Path unpacked, Path zip) throws IOException {
		if (Files.isRegularFile(unpacked.resolve("saved_model.pb"))) return unpacked;
		try (Stream<Path> s = Files.list(unpacked)) {
			List<Path> dirs = s.filter(BioImageModel::isContent).filter(Files::isDirectory).toList();
			if (dirs.size() == 1 && Files.isRegularFile(dirs.get(0).resolve("saved_model.pb"))) return dirs.get(0);
		}
		throw new ModelLoadException("The weights " + zip + " hold no saved_model.pb (at the top or in one folder): not a TensorFlow SavedModel.");
	}

	/** A file the rdf names, which must lie inside the package (no URLs, no escaping paths or links). */
	static Path resolve(Path root, String source, Path rdf, String what) {
		if (source.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*")) {
			throw new ModelLoadException(rdf + " names " + what + " by the URL " + source + "; ConceptScope never downloads."
				+ " Put the file into the package and name it by its relative path.");
		}
		if (source.startsWith("/") || source.startsWith("\\") || source.matches("^[A-Za-z]:.*")) {
			throw new ModelLoadException(rdf + " names " + what + " by the absolute path " + source + "; files of a package are named"
				+ " relative to its rdf.yaml.");
		}
		Path base = root.toAbsolutePath().normalize();
		Path p = base.resolve(source).normalize();
		if (!p.startsWith(base)) throw new ModelLoadException(rdf + " names " + what + " '" + source + "', which lies outside the package.");
		if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) throw new ModelLoadException(rdf + " names " + what + " '" + source + "', which the package does not contain.");
		try {
			if (!p.toRealPath().startsWith(base.toRealPath())) {
				throw new ModelLoadException(rdf + " names " + what + " '" + source + "', a link that points outside the package.");
			}
		} catch (IOException e) {
			throw new ModelLoadException(rdf + " names " + what + " '" + source + "', which cannot be read: " + e.getMessage(), e);
		}
		return p;
	}

	static void checkSha256(Path file, String expected, Path rdf, String what) {
		String actual = sha256(file);
		if (!actual.equalsIgnoreCase(expected.trim())) {
			throw new ModelLoadException("The SHA-256 of the " + what + " " + file.getFileName() + " is " + actual + " but " + rdf
				+ " says " + expected + ": the file is not the one the package was made with (corrupt, truncated or replaced).");
		}
	}

	public static String sha256(Path file) {
		try {
			return org.conceptscope.util.Digests.sha256(file);
		} catch (IOException e) {
			throw new ModelLoadException("Cannot read " + file + ": " + e.getMessage(), e);
		}
	}

	// ---- what the package says ----

	public ModelDescription description() {
		return description;
	}

	/** The rdf file the model was read from (inside the temporary folder for a .zip). */
	public Path rdf() {
		return source;
	}

	/** The model itself, in the package's own order of y and x (see {@link #inputAxes()}). */
	public Classifier classifier() {
		return model;
	}

	/** The model when it runs on TensorFlow, else null. */
	public TensorFlowClassifier tensorFlow() {
		return tensorFlow;
	}

	/** The weights that run: "tensorflow_saved_model_bundle", "torchscript" or "onnx". */
	public String weightsFormat() {
		return weightsFormat;
	}

	@Override
	public PixelSize pixelSize() {
		return pixelSize;
	}

	/**
	 * The weights' card statistics, or null. (A package's single test input is no measure of the training data: packages
	 * often hold a synthetic one.)
	 */
	@Override
	public org.conceptscope.tensor.InputDomain inputDomain() {
		return model.inputDomain();
	}

	@Override
	public boolean supportsGradients() {
		return model.supportsGradients();
	}

	@Override
	public int preferredBatchSize() {
		return model.preferredBatchSize();
	}

	/** "byxc", "bxyc", "bcyx" or "bcxy", or one of these without the batch axis "b" (format 0.5). */
	public String inputAxes() {
		return input.axesString();
	}

	/** The input's declared data range in the network's units ({@link DeclaredRanges}), or null when it declares none. */
	@Override
	public org.conceptscope.model.InputValueRange inputValueRange() {
		// the rdf's channel count (the network's can be unknown, -1, for a SavedModel); below 1 when the rdf does not say either
		Axis c = input.axis('c');
		long channels = c == null ? -1 : c.size() > 0 ? c.size() : c.channelNames().size();
		return DeclaredRanges.of(description.formatVersion(), input, normalization, (int) channels);
	}

	/** Names of the input channels (0.5 channel_names), empty when the rdf gives none or a 0.4 converter's placeholders. */
	@Override
	public List<String> inputChannelNames() {
		return input.axis('c').namedChannels();
	}

	/** The rdf's height axis (size, or min + k*step). */
	public Axis heightAxis() {
		return input.axis('y');
	}

	public Axis widthAxis() {
		return input.axis('x');
	}

	/** The signature output ConceptScope compares with the package's test output. */
	public String outputKey() {
		return outputKey;
	}

	/** Whether the SHA-256 of the weights was given and matched. */
	public boolean weightsVerified() {
		return weightsVerified;
	}

	/** The result of the test run made when the package was opened (or the last {@link #runTestTensors()}). */
	public synchronized TestReport testReport() {
		return testReport;
	}

	/**
	 * Runs the package's test input through the declared preprocessing, the model and the declared
	 * postprocessing, and compares with the test output as bioimage.io's own test does (see
	 * {@link ModelDescription#tolerance}: the rdf's tolerance for these weights and this output, else
	 * 1e-3 relative and 1e-3 absolute, with 100 mismatched values per million allowed for format 0.5).
	 */
	public synchronized TestReport runTestTensors() {
		String rdf = source.toString();
		if (input.testTensor() == null || output.testTensor() == null) {
			testReport = new TestReport(false, false, Double.NaN, "The package has no test tensors.");
			return testReport;
		}
		Path inFile = resolve(root, input.testTensor().source(), source, "the test input");
		Path outFile = resolve(root, output.testTensor().source(), source, "the test output");
		if (input.testTensor().sha256() != null) checkSha256(inFile, input.testTensor().sha256(), source, "test input");
		if (output.testTensor().sha256() != null) checkSha256(outFile, output.testTensor().sha256(), source, "test output");
		FloatTensor x = Npy.read(inFile), expected = Npy.read(outFile);
		// an input without a batch axis holds one image: it gets a batch axis of 1 here (the engine drops it again)
		if (!hasBatch(input)) x = new FloatTensor(withBatch(x.shape()), x.data());
		// the test input is in the rdf's axes: channel-first packages hold [N, C, A, B]
		if (x.rank() == 4 && layout(inputAxes()).startsWith("c")) x = EngineClassifier.channelsLast(x);
		long[] want = model.signature().input().shape();
		boolean ok = x.rank() == 4 && x.dim(0) >= 1;
		for (int i = 1; ok && i < 4; i++) ok = want[i] < 0 || want[i] == x.dim(i);
		if (!ok) {
			throw new ModelLoadException(rdf + ": the test input " + inFile.getFileName() + " has shape " + Arrays.toString(x.shape())
				+ " but the model takes " + Arrays.toString(want) + " (axes " + inputAxes() + ").");
		}
		FloatTensor normalized = normalize(x);
		FloatTensor got = Processings.apply(postprocessing, rawOutput(normalized));
		// a map output comes as [N, H, W, C]; the test output is in the rdf's axes
		if (got.rank() == 4 && layout(output.axesString()).startsWith("c")) got = EngineClassifier.channelsFirst(got);
		if (!Arrays.equals(got.shape(), expected.shape()) && got.size() != expected.size()) {
			throw new ModelLoadException(rdf + ": the test output " + outFile.getFileName() + " has shape " + Arrays.toString(expected.shape())
				+ " but the model gives " + Arrays.toString(got.shape()) + ".");
		}
		ModelDescription.Tolerance tol = description.tolerance(weightsFormat, output.id());
		double rtol = tol.relative(), atol = tol.absolute(), maxDiff = 0;
		int worst = -1;
		long mismatched = 0;
		for (int i = 0; i < got.size(); i++) {
			double e = expected.data()[i], g = got.data()[i], diff = Math.abs(e - g);
			if (Double.isNaN(g) != Double.isNaN(e)) diff = Double.POSITIVE_INFINITY;
			if (diff > maxDiff) maxDiff = diff;
			if (diff > atol + rtol * Math.abs(e)) {
				mismatched++;
				if (worst < 0) worst = i;
			}
		}
		// as bioimage.io's own test: a few values per million may differ (hardware, engine versions)
		double perMillion = got.size() == 0 ? 0 : mismatched * 1e6 / got.size();
		String tolerance = "tolerance " + atol + " + " + rtol + " * |value|";
		if (mismatched == 0) {
			testReport = new TestReport(true, true, maxDiff, "The model reproduces " + outFile.getFileName() + " (largest difference " + maxDiff + ").");
		} else if (perMillion <= tol.mismatchedPerMillion()) {
			testReport = new TestReport(true, true, maxDiff, "The model reproduces " + outFile.getFileName() + " but for " + mismatched + " of "
				+ got.size() + " values (" + String.format(Locale.ROOT, "%.1f", perMillion) + " per million; the rdf allows "
				+ tol.mismatchedPerMillion() + "; " + tolerance + "; largest difference " + maxDiff + ").");
		} else {
			testReport = new TestReport(true, false, maxDiff, "output '" + output.id() + "' differs from " + outFile.getFileName() + " in "
				+ mismatched + " of " + got.size() + " values (" + String.format(Locale.ROOT, "%.1f", perMillion) + " per million, more than the "
				+ tol.mismatchedPerMillion() + " allowed) by up to " + maxDiff + " (first at value " + worst + ": " + got.data()[worst]
				+ " instead of " + expected.data()[worst] + "; " + tolerance + ").");
		}
		return testReport;
	}

	private static long[] withBatch(long[] shape) {
		long[] s = new long[shape.length + 1];
		s[0] = 1;
		System.arraycopy(shape, 0, s, 1, shape.length);
		return s;
	}

	/** The declared preprocessing applied to a copy of raw images [N, H, W, C] (any layout: statistics are per image). */
	public FloatTensor normalize(FloatTensor raw) {
		FloatTensor copy = raw.copy();
		int n = (int) raw.dim(0), per = copy.size() / Math.max(1, n), channels = (int) raw.dim(raw.rank() - 1);
		for (int i = 0; i < n; i++) {
			float[] hwc = Arrays.copyOfRange(copy.data(), i * per, (i + 1) * per);
			normalization.apply(hwc, channels, Double.NaN);
			System.arraycopy(hwc, 0, copy.data(), i * per, per);
		}
		return copy;
	}

	/**
	 * The declared output (after the declared postprocessing, a cast to the output's integer data type included, as
	 * bioimageio.core gives it) for normalised images [N, H, W, C].
	 */
	public FloatTensor output(FloatTensor images) {
		checkSize(images);
		return Processings.apply(postprocessing, rawOutput(toModel(images)));
	}

	/** The network's output before postprocessing (a final softmax included), for images in the package's own order of y and x. */
	private FloatTensor rawOutput(FloatTensor modelOrder) {
		if (tensorFlow != null) return tensorFlow.output(outputKey, modelOrder);
		return model instanceof EngineClassifier e ? e.networkOutput(modelOrder) : model.logits(modelOrder);
	}

	// ---- Classifier, in image space ----

	@Override
	public ModelSignature signature() {
		return signature;
	}

	/** The signature's height, or for a parameterised axis the largest size it allows up to the image's (tiles of it). */
	@Override
	public long inputHeight(long height) {
		long h = signature.height();
		return h > 0 ? h : heightAxis().fit(height);
	}

	@Override
	public long inputWidth(long width) {
		long w = signature.width();
		return w > 0 ? w : widthAxis().fit(width);
	}

	@Override
	public String inputHeights() {
		long h = signature.height();
		return h > 0 ? Long.toString(h) : heightAxis().describeSize();
	}

	@Override
	public String inputWidths() {
		long w = signature.width();
		return w > 0 ? Long.toString(w) : widthAxis().describeSize();
	}

	@Override
	public String name() {
		return model.name();
	}

	@Override
	public List<String> classNames() {
		return model.classNames();
	}

	@Override
	public Normalization normalization() {
		return normalization;
	}

	@Override
	public List<LayerInfo> layers() {
		if (layers == null) {
			layers = xyOrder ? model.layers().stream().map(l -> l.isSpatial() ? new LayerInfo(l.name(), l.opType(), swap(l.shape())) : l).toList()
				: model.layers();
		}
		return layers;
	}

	/** The model's output: logits [N, K], or a map in image space (y before x) for a dense model. */
	@Override
	public FloatTensor logits(FloatTensor images) {
		checkSize(images);
		return toImage(model.logits(toModel(images)));
	}

	/**
	 * The engine model's probabilities; for a classifier whose rdf postprocessing ends in a sigmoid, that postprocessing
	 * applied to the network's output, each class's own probability (without a cast to an integer output data type, which
	 * would make them 0 or 1).
	 */
	@Override
	public FloatTensor probabilities(FloatTensor images) {
		checkSize(images);
		if (sigmoidPostprocessing) return Processings.apply(scorePostprocessing, rawOutput(toModel(images)));
		return toImage(model.probabilities(toModel(images)));
	}

	/** The engine's answer, or yes when the rdf's postprocessing of a classifier output ends in a sigmoid (see {@link #probabilities}). */
	@Override
	public boolean isMultiLabel() {
		return sigmoidPostprocessing || model.isMultiLabel();
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights) {
		checkSize(images);
		return toImage(model.inputGradient(toModel(images), toModel(classWeights)));
	}

	// ---- DenseModel: the raw output, which Classifiers.explained turns into scores ----

	@Override
	public boolean isDense() {
		return model instanceof DenseModel d && d.isDense();
	}

	@Override
	public long[] outputShape() {
		return signature.logits().shape().clone();
	}

	@Override
	public boolean mapHoldsProbabilities() {
		return model instanceof DenseModel d && d.mapHoldsProbabilities();
	}

	@Override
	public boolean supportsReluBackward() {
		return model.supportsReluBackward();
	}

	@Override
	public void checkReluBackward(org.conceptscope.model.ReluBackward rule) {
		model.checkReluBackward(rule);
	}

	@Override
	public FloatTensor inputGradient(FloatTensor images, FloatTensor classWeights, org.conceptscope.model.ReluBackward rule) {
		checkSize(images);
		return toImage(model.inputGradient(toModel(images), toModel(classWeights), rule));
	}

	@Override
	public FloatTensor activations(FloatTensor images, String layer) {
		checkSize(images);
		return toImage(model.activations(toModel(images), layer));
	}

	@Override
	public FloatTensor layerGradient(FloatTensor images, String layer, FloatTensor classWeights) {
		checkSize(images);
		return toImage(model.layerGradient(toModel(images), layer, toModel(classWeights)));
	}

	@Override
	public FloatTensor logitsFromLayer(String layer, FloatTensor activations) {
		return toImage(model.logitsFromLayer(layer, toModel(activations)));
	}

	@Override
	public FloatTensor gradientFromLayer(String layer, FloatTensor activations, FloatTensor classWeights) {
		return toImage(model.gradientFromLayer(layer, toModel(activations), toModel(classWeights)));
	}

	/** Closes the model and removes the temporary folder (unpacked package and weights). */
	@Override
	public void close() {
		model.close();
		Folders.deleteTreeQuietly(workDir);
	}

	@Override
	public String toString() {
		return "BioImageModel[" + description.name() + ", format " + description.formatVersion() + ", " + source + "]";
	}

	/** Image sizes the rdf allows (min + k*step), checked before TensorFlow sees the batch. */
	private void checkSize(FloatTensor images) {
		if (images.rank() != 4) return; // the classifier gives the rank message
		long h = images.dim(1), w = images.dim(2);
		Axis y = input.axis('y'), x = input.axis('x');
		if (!y.accepts(h) || !x.accepts(w)) {
			throw new IllegalArgumentException("The model " + name() + " takes images of height " + y.describeSize() + " and width "
				+ x.describeSize() + "; this image is " + w + " x " + h + " (width x height). Crop or pad it, or process it in tiles.");
		}
	}

	private FloatTensor toModel(FloatTensor t) {
		return xyOrder && t.rank() == 4 ? swapHW(t) : t;
	}

	private FloatTensor toImage(FloatTensor t) {
		return xyOrder && t.rank() == 4 ? swapHW(t) : t;
	}

	private static TensorSpec swapped(TensorSpec s) {
		return new TensorSpec(s.key(), s.tensorName(), s.shape() == null ? null : swap(s.shape()), s.dtype());
	}

	private static long[] swap(long[] shape) {
		long[] s = shape.clone();
		if (s.length == 4) {
			s[1] = shape[2];
			s[2] = shape[1];
		}
		return s;
	}

	/** [N, A, B, C] to [N, B, A, C]. */
	public static FloatTensor swapHW(FloatTensor t) {
		int n = (int) t.dim(0), a = (int) t.dim(1), b = (int) t.dim(2), c = (int) t.dim(3);
		float[] in = t.data(), out = new float[in.length];
		for (int i = 0; i < n; i++) {
			for (int y = 0; y < a; y++) {
				for (int x = 0; x < b; x++) {
					System.arraycopy(in, ((i * a + y) * b + x) * c, out, ((i * b + x) * a + y) * c, c);
				}
			}
		}
		return new FloatTensor(new long[] { n, b, a, c }, out);
	}
}
