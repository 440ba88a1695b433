package org.conceptscope.fiji.batch;

import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.run.Explainer;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImageFiles;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.run.Models;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.TiffStackWriter;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.Attribution;
import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.TileCheckpoint;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Explains every slice/frame of a long stack headless, without ever holding the stack or its
 * results: a batch of slices is read (from a virtual stack, only that batch is in memory),
 * classified and explained, and written out at once, one CSV row per slice (the columns of
 * {@link ResultsCsvWriter}) and one map plane per slice in a 32-bit TIFF stack
 * ({@link TiffStackWriter}), labelled as the Attribution command labels its maps ({@link SliceLabels#mapLabel}). Memory is one batch whatever the stack length; both files appear
 * complete at the end, or not at all.
 * <p>
 * Command line: {@code StackRunner <model folder> <stack.tif> <output folder> [method] [--batch N]}.
 */
public final class StackRunner {

	/** Called after every batch has been written; returning false stops the run (nothing is kept). */
	@FunctionalInterface
	public interface Listener {
		boolean batchDone(int done, int total);
	}

	/** What a run did: slices explained, batches, elapsed time, the two files. */
	public record Result(int slices, int batches, int batchSize, long nanos, Path csv, Path maps) {

		public double slicesPerSecond() {
			return slices / (nanos / 1e9);
		}
	}

	private StackRunner() {}

	/**
	 * @param batch slices per batch; 0 for the classifier's preferred batch size
	 * @param target a class index for every slice, or {@link AttributionMethod#PREDICTED}
	 * @param listener may be null
	 */
	public static Result run(Classifier classifier, ImagePlus image, AttributionMethod method, int target, int batch, Path csv,
		Path maps, Listener listener) throws IOException {
		if (classifier == null) throw new IllegalArgumentException("No model given: load a classifier first.");
		if (method == null) throw new IllegalArgumentException("No attribution method given.");
		if (batch < 0) throw new IllegalArgumentException("The batch size must be 0 (automatic) or positive, got " + batch + ".");
		if (target != AttributionMethod.PREDICTED && (target < 0 || target >= classifier.numClasses())) {
			throw new IllegalArgumentException("Target class " + target + " does not exist; the model has classes 0.."
				+ (classifier.numClasses() - 1) + " " + classifier.classNames() + ".");
		}
		method.checkRuns(classifier);
		ImagePlusTensors.check(image);
		BatchIndex all = ImagePlusTensors.batches(image);
		int n = all.size(), size = batch > 0 ? batch : automaticBatch(classifier, image.getHeight(), image.getWidth(), TileGrid.DEFAULT_OVERLAP);
		// The whole stack is checked once (up to 16 slices spread over it), not each batch again.
		Models.warnPixelSize(image, classifier);
		Models.warnDomain(image, classifier);
		String note = TiledExplainer.paddingNote(TiledExplainer.grid(classifier, image.getHeight(), image.getWidth(), TileGrid.DEFAULT_OVERLAP));
		if (note != null) IJ.log("ConceptScope: " + note); // once, not per batch
		long t0 = System.nanoTime();
		int batches = 0;
		try (TiffStackWriter tiff = new TiffStackWriter(maps, image.getWidth(), image.getHeight(), all.slices(), all.frames(),
			HeatmapWriter.spatialCalibration(image), SliceLabels.longestMapLabel(method.name(), classifier.classNames()));
			AtomicFiles.Pending table = AtomicFiles.begin(csv)) {
			Writer out = new BufferedWriter(new OutputStreamWriter(table.stream(), StandardCharsets.UTF_8), 1 << 16);
			StringBuilder line = new StringBuilder();
			for (int from = 0; from < n; from += size) {
				int to = Math.min(n, from + size);
				ImagePlus part = batchImage(image, all, from, to);
				Explanation e = explain(classifier, part, method, target, name(classifier), from);
				line.setLength(0);
				// the header of the first batch: methods may add columns (EVA's verified bounds)
				if (from == 0) ResultsCsvWriter.appendLine(line, ResultsCsvWriter.header(e));
				List<List<String>> rows = ResultsCsvWriter.rows(e);
				for (int b = 0; b < rows.size(); b++) {
					List<String> row = rows.get(b);
					row.set(0, Integer.toString(all.slice(from + b)));
					row.set(1, Integer.toString(all.frame(from + b)));
					ResultsCsvWriter.appendLine(line, row);
					tiff.write(e.map(b), SliceLabels.mapLabel(SliceLabels.shortLabel(image, all, from + b),
						method.name(), e.className(e.target(b))));
				}
				out.write(line.toString());
				batches++;
				if (listener != null && !listener.batchDone(to, n)) {
					throw new java.util.concurrent.CancellationException("Stopped after " + to + " of " + n + " slices; no file was kept.");
				}
			}
			out.flush();
			SaveSet.all(set -> { // both files or neither
				tiff.commit();
				table.commit();
				return null;
			});
		}
		return new Result(n, batches, size, System.nanoTime() - t0, csv, maps);
	}

	/** One batch: probabilities, predictions, and the method's maps for the predicted (or given) class. */
	private static Explanation explain(Classifier classifier, ImagePlus part, AttributionMethod method, int target, String model, int first) {
		if (TiledExplainer.needsTiles(classifier, part.getHeight(), part.getWidth())) {
			return Explainer.explainTiled(classifier, part, method, target, model, TileGrid.DEFAULT_OVERLAP, first, Progress.NONE,
				TileCheckpoint.NONE, false);
		}
		ImagePlusTensors.Converted input = ImagePlusTensors.toTensor(Models.paletteAsRgb(part, classifier), classifier.normalization());
		FloatTensor images = input.tensor();
		FloatTensor probabilities = classifier.probabilities(images);
		int[] predicted = probabilities.argmaxRows();
		int[] targets = predicted.clone();
		if (target != AttributionMethod.PREDICTED) Arrays.fill(targets, target);
		Attribution attribution = method.explain(classifier, images, targets, Progress.NONE);
		return new Explanation(part, input.batches(), classifier.classNames(), probabilities, predicted, attribution, method.name(),
			model);
	}

	/**
	 * Slices per batch when none is given: the model's batch size; for slices explained tile by tile,
	 * as many slices as hold about that many tiles (at least one), so that a batch holds one model
	 * batch of tiles and those slices' maps, however large the slices.
	 */
	public static int automaticBatch(Classifier classifier, int height, int width, double overlap) {
		int preferred = Math.max(1, classifier.preferredBatchSize());
		if (!TiledExplainer.needsTiles(classifier, height, width)) return preferred;
		int tiles = TiledExplainer.grid(classifier, height, width, overlap).count();
		return Math.max(1, preferred / Math.max(1, tiles));
	}

	/**
	 * Batch entries [from, to) as a small image of their own: every channel's plane, read from the
	 * (possibly virtual) stack, with its label and the calibration. Nothing else is read.
	 */
	static ImagePlus batchImage(ImagePlus imp, BatchIndex all, int from, int to) {
		int channels = imp.getNChannels();
		ImageStack source = imp.getStack();
		ImageStack stack = new ImageStack(imp.getWidth(), imp.getHeight());
		for (int b = from; b < to; b++) {
			for (int c = 1; c <= channels; c++) {
				int index = ImagePlusTensors.stackIndex(imp, c, all.slice(b), all.frame(b));
				stack.addSlice(source.getSliceLabel(index), source.getProcessor(index));
			}
		}
		ImagePlus part = new ImagePlus(imp.getTitle(), stack);
		part.setDimensions(channels, to - from, 1);
		part.setCalibration(imp.getCalibration());
		return part;
	}

	private static String name(Classifier classifier) {
		return classifier instanceof TensorFlowClassifier t ? t.directory().getFileName().toString() : classifier.name();
	}

	/** The parameter-free methods and the gradient methods with their usual settings, by name. */
	static AttributionMethod method(String name) {
		return switch (name.toLowerCase(Locale.ROOT)) {
			case "saliency" -> new Saliency();
			case "gradient_x_input" -> new GradientTimesInput();
			case "integrated_gradients" -> new IntegratedGradients(32, 0f);
			case "smoothgrad" -> new NoisyGradients(NoisyGradients.Statistic.SMOOTH_GRAD, 32, 0.1, 1);
			case "gradcam" -> new GradCam(null, false);
			case "gradcam_plus_plus" -> new GradCam(null, true);
			default -> throw new IllegalArgumentException("Unknown method '" + name + "'; use saliency, gradient_x_input,"
				+ " integrated_gradients, smoothgrad, gradcam or gradcam_plus_plus.");
		};
	}

	/** Opens a TIFF as a virtual stack (planes read on demand), anything else as ImageJ opens it. */
	public static ImagePlus openVirtual(Path file) {
		return ImageFiles.open(file, true);
	}

	public static void main(String[] args) {
		if (args.length < 3) {
			System.err.println("Usage: java org.conceptscope.fiji.batch.StackRunner <model folder> <stack.tif> <output folder> [method] [--batch N]");
			System.exit(2);
		}
		try {
			String methodName = "saliency";
			int batch = 0;
			for (int i = 3; i < args.length; i++) {
				if (args[i].equals("--batch") && i + 1 < args.length) batch = Integer.parseInt(args[++i]);
				else methodName = args[i];
			}
			AttributionMethod method = method(methodName);
			Path stack = Path.of(args[1]), outDir = Path.of(args[2]);
			Files.createDirectories(outDir);
			ImagePlus imp = openVirtual(stack);
			String base = org.conceptscope.fiji.run.AttributionOutputs.resultBase(imp, method.name());
			Result r;
			try (Classifier classifier = Models.open(Path.of(args[0]))) {
				r = run(classifier, imp, method, AttributionMethod.PREDICTED, batch, outDir.resolve(base + ".csv"),
					outDir.resolve(base + "-maps.tif"), (done, total) -> {
						System.out.printf(Locale.ROOT, "\r%d / %d slices", done, total);
						return true;
					});
			}
			System.out.printf(Locale.ROOT, "%n%d slices in %d batches of %d, %.1f s, %.1f slices/s%nResults: %s%nMaps: %s%n", r.slices(),
				r.batches(), r.batchSize(), r.nanos() / 1e9, r.slicesPerSecond(), r.csv().toAbsolutePath(), r.maps().toAbsolutePath());
		} catch (IllegalArgumentException | ModelLoadException | IOException e) {
			System.err.println("StackRunner failed: " + e.getMessage());
			System.exit(1);
		}
		System.exit(0);
	}
}
