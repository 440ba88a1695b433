package org.conceptscope.fiji.commands;

import ij.ImagePlus;
import ij.gui.Plot;
import ij.io.FileSaver;
import ij.measure.ResultsTable;

import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.fiji.AtomicFiles;
import org.conceptscope.fiji.ConceptAtlas;
import org.conceptscope.fiji.ImageSet;
import org.conceptscope.fiji.ResultsCsvWriter;
import org.conceptscope.fiji.Models;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Concept Discovery, whichever way it is started: CRAFT concepts of one class from a stack or a
 * folder of images of that class, their Sobol importance, and an atlas of example crops. With a
 * save folder it writes concepts.json (the bank, importance filled), atlas.tif, importance.csv and
 * importance.png. The images are only read.
 */
public final class ConceptDiscoveryRun {

	public static final String BANK = "concepts.json", ATLAS = "atlas.tif", CSV = "importance.csv", PLOT = "importance.png";
	/** NMF tolerance and iteration cap (CraftOptions' defaults); the Spark cohort job uses them too. */
	public static final double TOLERANCE = 1e-4;
	public static final int MAX_ITERATIONS = 500;

	/** What the command gives back; {@code written} is empty when nothing was saved. */
	public record Result(ConceptBank bank, ImagePlus atlas, ImagePlus plot, ResultsTable table, List<Path> written) {}

	private ConceptDiscoveryRun() {}

	/**
	 * @param image the current image, used when no folder is set
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, ConceptDiscoverySettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, Concept Discovery needs " + ConceptDiscoverySettings.SAVE_DIR
				+ "=[folder] for concepts.json, atlas.tif and importance.csv: nothing could be shown.");
		}
		ImageSet images = inputs(image, s.folder);
		try (Classifier classifier = Models.open(s.model)) {
			FloatTensor batch = Models.input(images, classifier);
			int target = majorityTarget(s.target, classifier, batch);
			String layer = s.layer == null || s.layer.isBlank() ? GradCam.lastSpatialLayer(classifier) : s.layer.trim();
			CraftOptions options = new CraftOptions(layer, s.patch, s.stride, s.concepts, s.seed, TOLERANCE, MAX_ITERATIONS, s.examples);
			ConceptBank bank = Craft.fit(classifier, batch, target, options, progress);
			bank.importance = ConceptImportance.sobol(classifier, bank, batch, s.designs, s.seed, progress);
			bank.importanceEstimator = ConceptImportanceSettings.SOBOL;
			ImagePlus atlas = ConceptAtlas.build(bank, images, "concept-atlas-" + bank.className);
			atlas.setProperty("Info", atlas.getProperty("Info") + "options=" + s.toMacroOptions() + "\n");
			Result r = new Result(bank, atlas, plot(bank), table(bank), List.of());
			return s.saveDir == null ? r : save(r, s.saveDir);
		}
	}

	/** Every image of the folder, or the current image (checked) when no folder is set. */
	static ImageSet inputs(ImagePlus image, Path folder) throws IOException {
		if (folder != null) return ImageSet.ofFolder(folder);
		AttributionRun.checkImage(image);
		return new ImageSet(List.of(image));
	}

	/** The class a target names; "predicted" is the class most images are predicted as. */
	static int majorityTarget(String target, Classifier classifier, FloatTensor batch) {
		int k = TargetClass.parse(target, classifier.classNames());
		return k == AttributionMethod.PREDICTED ? Craft.majorityClass(classifier, batch) : k;
	}

	static ResultsTable table(ConceptBank bank) {
		ResultsTable t = new ResultsTable();
		List<List<String>> rows = rows(bank);
		for (List<String> row : rows) {
			t.incrementCounter();
			t.addValue("concept", Integer.parseInt(row.get(0)));
			t.addValue("importance", Double.parseDouble(row.get(1)));
			t.addValue("examples", Integer.parseInt(row.get(2)));
			t.addValue("top_coefficient", Double.parseDouble(row.get(3)));
		}
		return t;
	}

	static List<String> header() {
		return List.of("concept", "importance", "examples", "top_coefficient");
	}

	static List<List<String>> rows(ConceptBank bank) {
		List<List<String>> rows = new ArrayList<>();
		for (int c = 0; c < bank.size(); c++) {
			List<ConceptBank.Example> ex = c < bank.examples.size() ? bank.examples.get(c) : List.of();
			rows.add(List.of(Integer.toString(c + 1), number(bank.importance[c]), Integer.toString(ex.size()),
				number(ex.isEmpty() ? Double.NaN : ex.get(0).coefficient())));
		}
		return rows;
	}

	/** A bar plot of the importances, rendered (headless-safe: no window). */
	static ImagePlus plot(ConceptBank bank) {
		return plot("Concept importance " + bank.className, "Sobol total index", bank.importance);
	}

	/** One bar per concept (1..k); the axis includes 0 and every value, negative ones too. */
	static ImagePlus plot(String title, String yLabel, double[] values) {
		double[] x = new double[values.length], y = values.clone();
		for (int c = 0; c < x.length; c++) x[c] = c + 1;
		Plot plot = new Plot(title, "concept", yLabel);
		plot.setColor(Color.BLUE, new Color(120, 150, 255));
		plot.add("bar", x, y);
		double lo = Math.min(0, min(y)), hi = Math.max(1e-9, max(y));
		plot.setLimits(0.5, x.length + 0.5, lo * 1.1, hi * 1.1);
		return plot.getImagePlus();
	}

	/** A rendered plot as a PNG file, written atomically. */
	static void savePng(ImagePlus plot, Path png) throws IOException {
		AtomicFiles.write(png, out -> {
			if (!javax.imageio.ImageIO.write(plot.getBufferedImage(), "png", out)) throw new IOException("No PNG writer.");
		});
	}

	static Result save(Result r, Path dir) throws IOException {
		Files.createDirectories(dir);
		Path bank = dir.resolve(BANK), atlas = dir.resolve(ATLAS), csv = dir.resolve(CSV), png = dir.resolve(PLOT);
		r.bank().save(bank);
		saveTiff(r.atlas(), atlas);
		ResultsCsvWriter.write(header(), rows(r.bank()), csv);
		savePng(r.plot(), png);
		return new Result(r.bank(), r.atlas(), r.plot(), r.table(), List.of(bank, atlas, csv, png));
	}

	static void saveTiff(ImagePlus imp, Path tiff) throws IOException {
		byte[] bytes = new FileSaver(imp).serialize();
		if (bytes == null) throw new IOException("ImageJ could not encode '" + imp.getTitle() + "' as TIFF.");
		AtomicFiles.write(tiff, bytes);
	}

	private static double max(double[] v) {
		double m = 0;
		for (double d : v) if (Double.isFinite(d)) m = Math.max(m, d);
		return m;
	}

	private static double min(double[] v) {
		double m = 0;
		for (double d : v) if (Double.isFinite(d)) m = Math.min(m, d);
		return m;
	}

	static String number(double v) {
		return String.format(Locale.ROOT, "%.6g", v);
	}
}
