package org.conceptscope.fiji.run;

import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.Classifiers;
import org.conceptscope.model.LayerInfo;
import org.conceptscope.model.PixelSize;
import org.conceptscope.model.ModelConfig;
import org.conceptscope.model.ModelSignature;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.model.TensorSpec;
import org.conceptscope.util.SaveSet;

/**
 * What Model Info shows about a model: its name, signature (input, logits, probabilities), the
 * preprocessing, the classes (the names and indices {@code target} accepts) and the layers with
 * their shapes (the names {@code layer} accepts; spatial ones work with Grad-CAM).
 */
public record ModelReport(String name, Path folder, String text, List<String> layerHeader, List<List<String>> layerRows) {

	public ModelReport {
		layerHeader = List.copyOf(layerHeader);
		layerRows = List.copyOf(layerRows);
	}

	/**
	 * Model Info, whichever way it is started: the report of the model, printed to the Log (stdout
	 * when headless) and, with a folder, written as files.
	 */
	public static ModelReport run(Path model, Path saveDir, boolean overwrite) throws IOException {
		if (model != null && !model.toString().isBlank()) SettingsChecks.noEarlierOutputs(saveDir, overwrite, files(folderName(model)));
		ModelReport report = load(model);
		ij.IJ.log(report.text());
		if (saveDir != null) report.save(saveDir);
		return report;
	}

	/** Loads the model folder, reports on it and releases it. */
	public static ModelReport load(Path model) {
		try (Classifier classifier = Models.open(model)) {
			return of(classifier, model);
		}
	}

	public static ModelReport of(TensorFlowClassifier model) {
		return of(model, model.directory());
	}

	/** What the model was loaded from: a SavedModel folder, a bioimage.io package (.zip), or another file. */
	static String where(Path path) {
		if (java.nio.file.Files.isDirectory(path)) return "Folder";
		return path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".zip") ? "Package" : "File";
	}

	/** The report of any model; {@code path} is where it was loaded from. */
	public static ModelReport of(Classifier model, Path path) {
		Path folder = path.toAbsolutePath().normalize();
		String name = folderName(path);
		ModelConfig config = model instanceof TensorFlowClassifier tf ? tf.config() : new ModelConfig();
		if (config.name == null && !model.name().equals(name)) config.name = model.name();
		ModelSignature sig = model.signature();
		StringBuilder s = new StringBuilder();
		s.append("Model: ").append(config.name == null ? name : config.name + " (" + name + ")").append('\n');
		s.append(where(folder)).append(": ").append(folder).append('\n');
		s.append("Engine: ").append(Classifiers.kind(folder).label())
			.append(Classifiers.dense(model) instanceof org.conceptscope.model.bioimage.BioImageModel b ? " (" + b.weightsFormat() + " weights)" : "").append(model.supportsGradients() ? "" : " (forward passes only: no gradient methods)")
			.append('\n');
		if (config.description != null) s.append("Description: ").append(config.description).append('\n');
		s.append("Signature: ").append(sig.key()).append('\n');
		s.append("Input: ").append(spec(sig.input())).append('\n');
		s.append("Logits: ").append(spec(sig.logits())).append('\n');
		s.append("Probabilities: ").append(probabilities(model, sig)).append('\n');
		s.append("Normalisation: ").append(model.normalization().describe()).append('\n');
		PixelSize px = model.pixelSize();
		if (px != null) s.append("Pixel size: ").append(px.x()).append(" x ").append(px.y()).append(' ').append(px.unit()).append('\n');
		List<String> classes = model.classNames();
		s.append("Classes (").append(classes.size()).append("):\n");
		for (int k = 0; k < classes.size(); k++) s.append("  ").append(k).append("  ").append(classes.get(k)).append('\n');
		List<LayerInfo> layers = model.layers();
		List<List<String>> rows = new ArrayList<>();
		s.append("Layers (").append(layers.size()).append(", input to logits; spatial ones work with method=gradcam layer=...):\n");
		for (LayerInfo l : layers) {
			String shape = Arrays.toString(l.shape());
			rows.add(List.of(l.name(), l.opType(), shape, Boolean.toString(l.isSpatial())));
			s.append("  ").append(l.name()).append("  ").append(l.opType()).append("  ").append(shape)
				.append(l.isSpatial() ? "  spatial" : "").append('\n');
		}
		return new ModelReport(name, folder, s.toString(), List.of("layer", "op", "shape", "spatial"), rows);
	}

	/**
	 * Where the class probabilities come from: the model's own output, a multi-label model's saying that they are a
	 * sigmoid per class (independent, not summing to 1), or the softmax of the logits.
	 */
	static String probabilities(Classifier model, ModelSignature sig) {
		String multiLabel = "a sigmoid per class (multi-label: each class's own probability, not a softmax over the classes;"
			+ " they need not sum to 1)";
		if (model.isMultiLabel()) return (sig.probabilities() == null ? "the sigmoid of each logit" : spec(sig.probabilities())) + ", " + multiLabel;
		return sig.probabilities() == null ? "softmax of the logits" : spec(sig.probabilities());
	}

	private static String spec(TensorSpec t) {
		return t.tensorName() + " " + (t.shape() == null ? "unknown shape" : Arrays.toString(t.shape())) + " " + t.dtype();
	}

	/** The layers as an ImageJ table, one row per layer. */
	public ResultsTable layersTable() {
		ResultsTable rt = new ResultsTable();
		for (List<String> row : layerRows) {
			rt.incrementCounter();
			for (int i = 0; i < layerHeader.size(); i++) rt.addValue(layerHeader.get(i), row.get(i));
		}
		rt.showRowNumbers(false);
		return rt;
	}

	/** The model's name in the report and its files: its folder's name. */
	static String folderName(Path model) {
		Path folder = model.toAbsolutePath().normalize();
		return folder.getFileName() == null ? folder.toString() : folder.getFileName().toString();
	}

	/** What {@link #save} writes in the folder for the model of this name: "name-info.txt" and "name-layers.csv". */
	static List<String> files(String name) {
		String base = AttributionOutputs.fileName(name);
		return List.of(base + "-info.txt", base + "-layers.csv");
	}

	/** Writes "name-info.txt" and "name-layers.csv" into the folder (created if missing). */
	public List<Path> save(Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(name);
			Path info = dir.resolve(files.get(0)), layers = dir.resolve(files.get(1));
			AtomicFiles.write(info, text.getBytes(StandardCharsets.UTF_8));
			ResultsCsvWriter.write(layerHeader, layerRows, layers);
			return List.of(info, layers);
		});
	}
}
