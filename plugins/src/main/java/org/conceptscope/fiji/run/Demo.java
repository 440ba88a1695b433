package org.conceptscope.fiji.run;

import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.image.SliceLabels;
import ij.IJ;
import ij.ImagePlus;
import ij.gui.Roi;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.model.ModelLoadException;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.util.SaveSet;

/**
 * Explains the bundled IHC patches with the bundled IHC stain model: saliency for the predicted
 * class of every slice, written as a heat-map hyperstack, a RoiSet.zip and a results table.
 * <p>
 * Usage: {@code Demo <test-images folder> <output folder>} (the pom's demo profile runs it).
 */
public final class Demo {

	public static final String MODEL = "models/ihc-stain";
	public static final String IMAGE = "images/ihc-heldout-patches.tif";
	public static final String HEATMAP_FILE = "ihc-heldout-patches-saliency.tif";
	public static final String ROIS_FILE = "RoiSet.zip";
	public static final String CSV_FILE = "results.csv";

	/** What the demo wrote, and the explanation it wrote. */
	public record Result(Explanation explanation, Path heatmap, Path rois, Path csv) {}

	private Demo() {}

	public static void main(String[] args) {
		if (args.length != 2) {
			System.err.println("Usage: java org.conceptscope.fiji.run.Demo <test-images folder> <output folder>");
			System.exit(2);
		}
		try {
			run(Path.of(args[0]), Path.of(args[1]), System.out);
		} catch (IllegalArgumentException | ModelLoadException | IOException e) {
			System.err.println("Demo failed: " + e.getMessage());
			System.exit(1);
		}
		// TensorFlow's native threads must not keep the JVM alive after the demo.
		System.exit(0);
	}

	/** Runs the demo; missing inputs give an IllegalArgumentException naming the path. */
	public static Result run(Path testImages, Path outputDir, PrintStream log) throws IOException {
		Path modelDir = testImages.resolve(MODEL), imageFile = testImages.resolve(IMAGE);
		requireExists(testImages, "test-images folder");
		requireExists(modelDir.resolve("saved_model.pb"), "bundled model");
		requireExists(imageFile, "bundled image");
		if (Files.exists(outputDir) && !Files.isDirectory(outputDir)) {
			throw new IllegalArgumentException("The output folder " + outputDir.toAbsolutePath() + " is a file; give a folder.");
		}
		Files.createDirectories(outputDir);
		ImagePlus image = IJ.openImage(imageFile.toString());
		if (image == null) throw new IllegalArgumentException("ImageJ could not open " + imageFile.toAbsolutePath() + ".");

		Explanation e;
		try (TensorFlowClassifier classifier = TensorFlowClassifier.load(modelDir)) {
			e = Explainer.explain(classifier, image, new Saliency(), AttributionMethod.PREDICTED,
				modelDir.getFileName().toString(), null);
		}
		Result result = new Result(e, outputDir.resolve(HEATMAP_FILE), outputDir.resolve(ROIS_FILE), outputDir.resolve(CSV_FILE));
		ij.CompositeImage heatmap = HeatmapWriter.build(e);
		List<Roi> rois = RoiWriter.rois(e, RoiWriter.DEFAULT_TOP_FRACTION, heatmap);
		SaveSet.all(set -> {
			HeatmapWriter.save(heatmap, result.heatmap());
			RoiWriter.save(rois, result.rois());
			ResultsCsvWriter.write(e, result.csv());
			return null;
		});
		printSummary(result, rois.size(), log);
		return result;
	}

	private static void requireExists(Path path, String what) {
		if (!Files.exists(path)) {
			throw new IllegalArgumentException("The " + what + " " + path.toAbsolutePath() + " does not exist"
				+ " (the first argument must be the project's test-images folder).");
		}
	}

	private static void printSummary(Result r, int roiCount, PrintStream log) {
		Explanation e = r.explanation();
		log.printf(Locale.ROOT, "%s on %s with model %s (%d slices):%n", e.method(), e.image().getTitle(), e.model(), e.size());
		for (int b = 0; b < e.size(); b++) {
			int p = e.predicted(b);
			int slice = e.batches().slice(b), frame = e.batches().frame(b);
			log.printf(Locale.ROOT, "  slice %2d %-20s predicted %-13s p=%.3f%n", slice,
				"(" + SliceLabels.of(e.image(), slice, frame) + ")", e.className(p), e.probability(b, p));
		}
		log.println("Heat map (image channels + map channel): " + r.heatmap().toAbsolutePath());
		log.println("ROIs (" + roiCount + ", top " + Math.round(RoiWriter.DEFAULT_TOP_FRACTION * 100) + " % of each map): "
			+ r.rois().toAbsolutePath());
		log.println("Results table: " + r.csv().toAbsolutePath());
	}
}
