package org.conceptscope.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.conceptscope.model.bioimage.BioImageModel;
import org.conceptscope.model.onnx.OnnxClassifier;
import org.conceptscope.model.torch.TorchScriptClassifier;

/**
 * Opens any model ConceptScope reads, choosing the engine from what the path holds:
 * <ul>
 * <li>a folder with {@code saved_model.pb} (or that file): a TensorFlow SavedModel;</li>
 * <li>a bioimage.io package (a .zip, a folder with rdf.yaml or bioimageio.yaml, or that file):
 * its TensorFlow, TorchScript or ONNX weights, in that order of preference;</li>
 * <li>a TorchScript file ({@code .pt}, {@code .pth}, {@code .torchscript}) or a folder holding
 * exactly one, with its model card {@value ModelConfig#FILE_NAME} beside it;</li>
 * <li>an ONNX file ({@code .onnx}) or a folder holding exactly one, with an optional model card.</li>
 * </ul>
 * A model of any engine whose output is a map (a segmentation network) comes through {@link #explained}.
 */
public final class Classifiers {

	/** What a model path holds, and so which engine runs it. */
	public enum Kind {
		TENSORFLOW("TensorFlow SavedModel"), BIOIMAGE("bioimage.io package"), TORCHSCRIPT("TorchScript model"), ONNX("ONNX model");

		private final String label;

		Kind(String label) {
			this.label = label;
		}

		public String label() {
			return label;
		}
	}

	static final List<String> TORCHSCRIPT_EXTENSIONS = List.of(".pt", ".pth", ".torchscript");

	/** What a model path may be ({@link #kind} reads each), for the sentences that refuse one: what to give instead. */
	public static final String ACCEPTED = "a TensorFlow SavedModel folder (the one holding saved_model.pb), a bioimage.io package (its .zip,"
		+ " its rdf.yaml or the folder holding it), a TorchScript file (.pt, with its conceptscope.json beside it) or an ONNX file (.onnx)";

	/**
	 * How a bioimage.io package's SavedModel runs with what reads a TensorFlow graph (which refuses the package itself), a
	 * clause after "or, " in their sentences: the package's own preprocessing is not in the SavedModel, so the folder needs
	 * the classes and normalisation the package declares.
	 */
	public static final String PACKAGE_SAVED_MODEL = "if its weights are tensorflow_saved_model_bundle, unzip them into a folder, put a"
		+ " conceptscope.json beside saved_model.pb with the \"classes\" and the \"normalization\" that Model Info... shows for the package,"
		+ " and give that folder";

	private Classifiers() {}

	/**
	 * For a method that reads a TensorFlow graph, refusing another model: {@code ", or, "} and {@link #PACKAGE_SAVED_MODEL}
	 * when the model is a bioimage.io package (whose SavedModel would run), else nothing.
	 */
	public static String orPackageSavedModel(Classifier model) {
		return model instanceof BioImageModel || dense(model) instanceof BioImageModel ? ", or, " + PACKAGE_SAVED_MODEL : "";
	}

	public static Classifier open(Path path) {
		return open(path, LoadOptions.defaults());
	}

	/**
	 * @throws ModelLoadException naming what is wrong and how to fix it
	 * @throws UnsafeModelException when the model holds code that does more than compute
	 */
	public static Classifier open(Path path, LoadOptions options) {
		Kind kind = kind(path);
		Path file = modelFile(path, kind);
		return switch (kind) {
			case TENSORFLOW -> explained(TensorFlowClassifier.load(file, options));
			case BIOIMAGE -> explained(BioImageModel.open(path, options));
			case TORCHSCRIPT -> explained(TorchScriptClassifier.load(file, options));
			case ONNX -> explained(OnnxClassifier.load(file, options));
		};
	}

	/**
	 * A model of any engine as explanation methods question it, the one place that decides how a raw
	 * output becomes the explained scores: a classifier as it is, a dense model (a map output: segmentation)
	 * through its natural {@link TargetOperator} ({@link TargetOperator#forOutput}: each channel averaged
	 * over the whole map for [N, H, W, C]); the view owns the model.
	 */
	public static Classifier explained(Classifier model) {
		if (!(model instanceof DenseModel d) || !d.isDense()) return model;
		try {
			return OperatorClassifier.owning(d, TargetOperator.forOutput(d.outputShape()));
		} catch (RuntimeException e) {
			model.close();
			throw e;
		}
	}

	/**
	 * The model behind a classifier as a {@link DenseModel} (its raw output), to explain it through
	 * another {@link TargetOperator}; null when the engine does not offer it.
	 */
	public static DenseModel dense(Classifier classifier) {
		if (classifier instanceof OperatorClassifier o) return o.model();
		if (classifier instanceof DenseModel d) return d;
		return null;
	}

	/**
	 * Which engine a model path needs.
	 *
	 * @throws ModelLoadException when the path holds no model ConceptScope reads, or several
	 */
	public static Kind kind(Path path) {
		if (path == null) throw new ModelLoadException("No model given: give the path of " + ACCEPTED + ".");
		if (!Files.exists(path)) {
			throw new ModelLoadException("The model " + (kindOfFile(path) == null ? "folder " : "") + path + " does not exist: give the path of "
				+ ACCEPTED + ".");
		}
		if (Files.isDirectory(path)) {
			if (Files.isRegularFile(path.resolve("saved_model.pb"))) return Kind.TENSORFLOW;
			if (BioImageModel.isPackage(path)) return Kind.BIOIMAGE;
			List<Path> files = modelFiles(path);
			if (files.size() == 1) return kindOfFile(files.get(0));
			if (files.isEmpty()) {
				if (Files.exists(path.resolve("saved_model.pbtxt"))) return Kind.TENSORFLOW; // its loader says what is wrong
				throw new ModelLoadException(path + " is not a TensorFlow SavedModel: it has no saved_model.pb; nor does it hold a bioimage.io"
					+ " rdf.yaml, or one TorchScript (.pt) or ONNX (.onnx) file with its conceptscope.json.");
			}
			throw new ModelLoadException(path + " holds several model files " + files.stream().map(p -> p.getFileName().toString()).toList()
				+ "; choose one of them.");
		}
		Kind k = kindOfFile(path);
		if (k == null) {
			throw new ModelLoadException(path + " is not a model ConceptScope reads: give the path of " + ACCEPTED + ".");
		}
		return k;
	}

	private static Kind kindOfFile(Path file) {
		String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
		if (n.equals("saved_model.pb")) return Kind.TENSORFLOW;
		if (n.endsWith(".onnx")) return Kind.ONNX;
		for (String e : TORCHSCRIPT_EXTENSIONS) if (n.endsWith(e)) return Kind.TORCHSCRIPT;
		if (BioImageModel.isPackage(file)) return Kind.BIOIMAGE;
		return null;
	}

	/** The file or folder the engine loads: a SavedModel's folder, the single .pt/.onnx of a folder, else the path. */
	private static Path modelFile(Path path, Kind kind) {
		if (kind == Kind.TENSORFLOW) return Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
		if ((kind == Kind.TORCHSCRIPT || kind == Kind.ONNX) && Files.isDirectory(path)) return modelFiles(path).get(0);
		return path;
	}

	private static List<Path> modelFiles(Path dir) {
		try (Stream<Path> s = Files.list(dir)) {
			return s.filter(Files::isRegularFile).filter(p -> {
				Kind k = kindOfFile(p);
				return k == Kind.TORCHSCRIPT || k == Kind.ONNX;
			}).sorted().toList();
		} catch (IOException e) {
			throw new ModelLoadException("Cannot list " + dir + ": " + e.getMessage(), e);
		}
	}
}
