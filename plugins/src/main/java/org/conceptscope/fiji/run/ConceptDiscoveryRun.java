package org.conceptscope.fiji.run;

import static org.conceptscope.fiji.write.Numbers.number;

import ij.IJ;
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

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.concepts.ConceptImportance;
import org.conceptscope.concepts.Craft;
import org.conceptscope.concepts.CraftOptions;
import org.conceptscope.concepts.CraftPerClass;
import org.conceptscope.concepts.HolisticConcepts;
import org.conceptscope.fiji.write.AtomicFiles;
import org.conceptscope.fiji.write.ConceptAtlas;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.LabelledFolder;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

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

	/**
	 * What the command gives back; {@code written} is empty when nothing was saved. {@code holistic}:
	 * concept attribution maps, per-position importance maps, prevalence and reliability.
	 */
	public record Result(ConceptBank bank, ImagePlus atlas, ImagePlus plot, ResultsTable table, HolisticOutputs.Result holistic,
		List<Path> written) {

		public Result(ConceptBank bank, ImagePlus atlas, ImagePlus plot, ResultsTable table, List<Path> written) {
			this(bank, atlas, plot, table, null, written);
		}

		/** The holistic numbers as a table: concept, importance, prevalence, reliability, local importance. */
		public ResultsTable holisticTable() {
			return holistic == null ? null : org.conceptscope.fiji.write.ResultsTables.of(HolisticOutputs.header(), holistic.rows());
		}
	}

	/** The summary of a per-class run: one row per class of interest. */
	public static final String CLASSES = "classes.csv";
	/** The columns of {@value #CLASSES}; {@code note} says why a class has no concepts, or what it lacks. */
	static final List<String> CLASSES_HEADER = List.of("class", "images", "concepts", "most_important_concept", "reconstruction_error",
		"clipped_fraction", "note");
	/** The note of a class explained on a model without gradients. */
	static final String NO_HOLISTIC_NOTE = "no holistic outputs: the model has no gradients";

	private ConceptDiscoveryRun() {}

	/**
	 * @param image the current image, used when no folder is set
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, ConceptDiscoverySettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, the command needs " + ConceptDiscoverySettings.SAVE_DIR
				+ "=[folder] for concepts.json, atlas.tif and importance.csv: nothing could be shown.");
		}
		checkInputs(image, s.folder);
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, outputs(s.holistic));
		try (Classifier classifier = Models.open(s.model)) {
			String layer = layer(s, classifier);
			if (s.holistic && !classifier.supportsGradients()) throw new IllegalArgumentException(noHolistic(classifier));
			TargetClass.parse(s.target, classifier.classNames()); // a typo is refused before a folder is read
			CraftOptions options = new CraftOptions(layer, s.patch, s.stride, s.concepts, s.seed, TOLERANCE, MAX_ITERATIONS, s.examples);
			Craft.checkConcepts(classifier, options, s.designs);
			ImageSet given = inputs(image, s.folder, progress);
			ImageSet images = ModelSizeInputs.samples(given, classifier, CommandSpecs.CONCEPT_DISCOVERY);
			FloatTensor batch = Models.input(images, classifier);
			Craft.checkCrops(classifier, options, batch.dim(0), batch.dim(1), batch.dim(2)); // before any crop goes through the model
			IJ.log(cropsLine(options, batch));
			int target = majorityTarget(s.target, classifier, batch);
			ConceptBank bank = Craft.fit(classifier, batch, target, options, progress);
			warnClipped(bank);
			bank.importance = ConceptImportance.sobol(classifier, bank, batch, s.designs, s.seed, progress);
			bank.importanceEstimator = ConceptImportanceSettings.SOBOL;
			ImagePlus atlas = ConceptAtlas.build(bank, images, "concept-atlas-" + bank.className);
			atlas.setProperty("Info", atlas.getProperty("Info") + clippedInfo(bank) + "options=" + s.toMacroOptions() + "\n");
			HolisticOutputs.Result holistic = !s.holistic ? null : holistic(classifier, bank, given, images, batch, target, s.conceptMaps,
				progress);
			Result r = new Result(bank, atlas, plot(bank), table(bank), holistic, List.of());
			return s.saveDir == null ? r : save(r, s.saveDir);
		}
	}

	/** The files of fixed name a run writes in save_dir (with the holistic outputs: each name they may have). */
	static List<String> outputs(boolean holistic) {
		List<String> names = new ArrayList<>(List.of(BANK, ATLAS, CSV, PLOT));
		if (holistic) names.addAll(List.of(HolisticOutputs.CSV, HolisticOutputs.IMPORTANCE_MAPS, HolisticOutputs.MAPS, HolisticOutputs.ROIS));
		return names;
	}

	/** The sentence refusing {@code holistic=true} on a model without gradients (an ONNX model). */
	static String noHolistic(Classifier classifier) {
		return ConceptDiscoverySettings.HOLISTIC + "=true needs gradients (the per-position concept importance, prevalence and reliability are"
			+ " read from them), which the model " + classifier.name() + " cannot give (it runs forward passes only): leave "
			+ ConceptDiscoverySettings.HOLISTIC + " off for the concepts and their Sobol importance, or load a TorchScript or TensorFlow export of"
			+ " the model.";
	}

	/** "ConceptScope Concept Discovery: 12 images, 9 crops each (16 pixels every 8, resized to 32x32): 108 model passes to layer 'x'." */
	static String cropsLine(CraftOptions options, FloatTensor batch) {
		long n = batch.dim(0), per = Craft.cropsPerImage(batch.dim(1), batch.dim(2), options);
		long patch = Math.min(options.patch(), Math.min(batch.dim(1), batch.dim(2)));
		return new org.conceptscope.util.Passes(per, "crop", patch + " pixels every " + options.stride() + ", each resized to " + batch.dim(2) + "x"
			+ batch.dim(1), "model passes to layer '" + options.layer() + "'").line(CommandSpecs.CONCEPT_DISCOVERY.title(), n);
	}

	/** Logs {@link Craft#clippedWarning} when the bank's crops were clipped for more than 1 % of their values. */
	static void warnClipped(ConceptBank bank) {
		String w = Craft.clippedWarning(bank);
		if (w != null) IJ.log("ConceptScope warning: " + w);
	}

	/** The atlas' Info line of the clipped fraction: "clipped_fraction=0.0312 (negative activations set to 0 before the NMF)". */
	static String clippedInfo(ConceptBank bank) {
		return "clipped_fraction=" + number(bank.clippedFraction) + " (negative activations set to 0 before the NMF)\n";
	}

	/**
	 * The holistic outputs on the samples: maps of the images' size (each slice its own) when the
	 * images were cut into tiles (the current image, or a folder of images of one size:
	 * {@link HolisticOutputs#wholeImages}), one plane per sample otherwise.
	 *
	 * @param given the current image, or the folder's images, before they were cut into tiles
	 */
	private static HolisticOutputs.Result holistic(Classifier classifier, ConceptBank bank, ImageSet given, ImageSet samples,
		FloatTensor batch, int target, String rule, Progress progress) {
		// the images are of the target class, so the model is right where it predicts it
		double[] correct = HolisticConcepts.predictedAs(classifier, batch, target);
		ImagePlus whole = HolisticOutputs.wholeImages(given, classifier, CommandSpecs.CONCEPT_DISCOVERY);
		if (whole != null) {
			return HolisticOutputs.runWhole(classifier, bank, whole, batch, rule, correct, RoiWriter.DEFAULT_TOP_FRACTION, progress);
		}
		return HolisticOutputs.run(classifier, bank, HolisticOutputs.stackOf(samples, null, "concept-discovery"), batch, rule, correct,
			RoiWriter.DEFAULT_TOP_FRACTION, progress);
	}

	/** What a per-class run gives back: one result per class that has images, and the files written. */
	public record PerClass(List<CraftPerClass.ClassConcepts> classes, List<Result> results, List<Path> written) {}

	/**
	 * CRAFT per class over a data set (Xplique's CraftManager): {@code folder} holds one subfolder of
	 * images per class (labels known: reliability) or the images themselves (labels unknown); the
	 * images the model predicts as each class (every class, or only {@code target} when it names one;
	 * the first {@code classImages} per class when above 0) give that class's concepts, importance,
	 * atlas and holistic outputs, written to {@code save_dir/<class>/}, with {@value #CLASSES} in
	 * {@code save_dir}.
	 */
	public static PerClass perClass(ConceptDiscoverySettings s, Progress progress) throws IOException {
		s.validate();
		if (s.folder == null) {
			throw new IllegalArgumentException("per_class=true explains a data set: set " + ConceptDiscoverySettings.FOLDER
				+ "=[a folder with one subfolder of images per class, or the images themselves].");
		}
		if (s.saveDir == null) {
			throw new IllegalArgumentException("per_class=true writes one folder per class: set " + ConceptDiscoverySettings.SAVE_DIR + "=[folder].");
		}
		// the class folders are named after the model's classes, known once it loads: classes.csv stands for them
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, List.of(CLASSES));
		try (Classifier classifier = Models.open(s.model)) {
			String layer = layer(s, classifier);
			int k = TargetClass.parse(s.target, classifier.classNames()); // a typo is refused before a folder is read
			CraftOptions options = new CraftOptions(layer, s.patch, s.stride, s.concepts, s.seed, TOLERANCE, MAX_ITERATIONS, s.examples);
			Craft.checkConcepts(classifier, options, s.designs);
			boolean holisticToo = classifier.supportsGradients();
			ImageSet images;
			FloatTensor batch;
			int[] labels = null;
			if (hasSubfolders(s.folder)) {
				LabelledFolder.Data d = Models.labelledFolder(s.folder, classifier, CommandSpecs.CONCEPT_DISCOVERY, progress);
				images = d.images();
				batch = d.tensor();
				labels = d.labels();
			} else {
				images = ModelSizeInputs.samples(ImageSet.ofFolder(s.folder, progress), classifier, CommandSpecs.CONCEPT_DISCOVERY);
				batch = Models.input(images, classifier);
			}
			int[] classes = k == AttributionMethod.PREDICTED ? null : new int[] { k };
			IJ.log(cropsLine(options, batch));
			if (!holisticToo) IJ.log("ConceptScope " + CommandSpecs.CONCEPT_DISCOVERY.title() + ": " + noPerClassHolistic(classifier));
			List<CraftPerClass.ClassConcepts> all = CraftPerClass.fit(classifier, batch, labels, classes, s.classImages, options, s.designs, progress);
			List<Result> results = new ArrayList<>();
			List<Path> written = new ArrayList<>();
			List<List<String>> rows = new ArrayList<>();
			for (CraftPerClass.ClassConcepts c : all) {
				if (!c.found()) {
					String note = c.skipped() == null ? "" : "skipped: " + c.skipped();
					if (c.skipped() != null) {
						IJ.log("ConceptScope " + CommandSpecs.CONCEPT_DISCOVERY.title() + ": class " + c.className() + " (" + c.images().length
							+ " image" + (c.images().length == 1 ? "" : "s") + " predicted as it) " + note);
					}
					rows.add(List.of(c.className(), Integer.toString(c.images().length), "", "", "", "", note));
					continue;
				}
				ConceptBank bank = c.bank();
				warnClipped(bank);
				ImageSet sub = HolisticOutputs.subset(images, c.images());
				ImagePlus atlas = ConceptAtlas.build(bank, sub, "concept-atlas-" + bank.className);
				atlas.setProperty("Info", atlas.getProperty("Info") + clippedInfo(bank) + "options=" + s.toMacroOptions() + "\n");
				// the numbers CraftPerClass computed (reliability from the labels); the maps from them
				HolisticOutputs.Result holistic = c.holistic() == null ? null : HolisticOutputs.run(classifier, bank, HolisticOutputs.stackOf(images,
					c.images(), "concept-discovery-" + bank.className), batch.rows(c.images()), s.conceptMaps, c.holistic(),
					RoiWriter.DEFAULT_TOP_FRACTION, progress);
				results.add(new Result(bank, atlas, plot(bank), table(bank), holistic, List.of()));
				int top = 0;
				for (int q = 1; q < bank.size(); q++) if (bank.importance[q] > bank.importance[top]) top = q;
				rows.add(List.of(c.className(), Integer.toString(c.images().length), Integer.toString(bank.size()), Integer.toString(top + 1),
					number(bank.reconstructionError), number(bank.clippedFraction), holistic == null ? NO_HOLISTIC_NOTE : ""));
			}
			// written once every class is computed, and as one set: a run cancelled in a later class, or a disk
			// failing at any file, leaves the folder as it was
			List<String> folders = classFolders(results.stream().map(r -> r.bank()).toList());
			return SaveSet.all(set -> {
				set.createDirectories(s.saveDir);
				for (int i = 0; i < results.size(); i++) {
					Result r = save(results.get(i), s.saveDir.resolve(folders.get(i)));
					results.set(i, r);
					written.addAll(r.written());
				}
				Path csv = s.saveDir.resolve(CLASSES);
				ResultsCsvWriter.write(CLASSES_HEADER, rows, csv);
				written.add(csv);
				return new PerClass(all, results, List.copyOf(written));
			});
		}
	}

	/**
	 * Each class's folder: its name made a file name; where two would be the same on a file system that
	 * ignores case ("a/b" and "a_b", "Tumour" and "tumour"), each of them with its class index appended.
	 */
	static List<String> classFolders(List<ConceptBank> banks) {
		return AttributionOutputs.distinctFileNames(banks.stream().map(b -> b.className).toList(),
			banks.stream().map(b -> Integer.toString(b.classIndex)).toList());
	}

	/** One sentence: the classes explained and their image counts. */
	public static String summary(PerClass r) {
		StringBuilder b = new StringBuilder("CRAFT per class:");
		for (CraftPerClass.ClassConcepts c : r.classes()) {
			b.append(' ').append(c.className()).append(" (").append(c.images().length).append(" image(s)").append(c.skipped() == null ? ")"
				: ", skipped)");
		}
		return b.append('.').toString();
	}

	/** Whether a folder holds a (non-hidden) subfolder: a labelled data set. */
	static boolean hasSubfolders(Path folder) throws IOException {
		try (java.util.stream.Stream<Path> s = Files.list(folder)) {
			return s.anyMatch(p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."));
		}
	}

	/**
	 * Before the model is opened (a load takes seconds): without a folder, the current image must be
	 * there ("No image is open: ..."), so that the refusal does not wait for the load.
	 */
	static void checkInputs(ImagePlus image, Path folder) {
		if (folder == null) AttributionRun.checkImage(image);
	}

	/** Every image of the folder (each file read reported to progress, which can stop it), or the current image (checked) when no folder is set. */
	static ImageSet inputs(ImagePlus image, Path folder, Progress progress) throws IOException {
		if (folder != null) return ImageSet.ofFolder(folder, progress);
		AttributionRun.checkImage(image);
		return new ImageSet(List.of(image));
	}

	/** The Log's sentence of a per-class run on a model without gradients: concepts and importance only. */
	static String noPerClassHolistic(Classifier classifier) {
		return "no holistic outputs per class (per-position concept importance maps, prevalence, reliability, concept attribution maps): they"
			+ " need gradients, which the model " + classifier.name() + " cannot give (it runs forward passes only); each class's concepts, atlas"
			+ " and Sobol importance are written as usual.";
	}

	/** The layer to read (the last spatial one unless given), checked before any image is read. */
	private static String layer(ConceptDiscoverySettings s, Classifier classifier) {
		String layer = s.layer == null || s.layer.isBlank() ? GradCam.lastSpatialLayer(classifier) : s.layer.trim();
		Craft.checkLayer(classifier, layer);
		return layer;
	}

	/** The class a target names; "predicted" is the class most images are predicted as. */
	static int majorityTarget(String target, Classifier classifier, FloatTensor batch) {
		int k = TargetClass.parse(target, classifier.classNames());
		return k == AttributionMethod.PREDICTED ? Craft.majorityClass(classifier, batch) : k;
	}

	/** The table of importance.csv: its columns, its text (no row-number column, as every ConceptScope table). */
	static ResultsTable table(ConceptBank bank) {
		return org.conceptscope.fiji.write.ResultsTables.of(header(), rows(bank));
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
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			Path bank = dir.resolve(BANK), atlas = dir.resolve(ATLAS), csv = dir.resolve(CSV), png = dir.resolve(PLOT);
			r.bank().save(bank);
			saveTiff(r.atlas(), atlas);
			ResultsCsvWriter.write(header(), rows(r.bank()), csv);
			savePng(r.plot(), png);
			List<Path> written = new ArrayList<>(List.of(bank, atlas, csv, png));
			if (r.holistic() != null) written.addAll(HolisticOutputs.save(r.holistic(), dir));
			return new Result(r.bank(), r.atlas(), r.plot(), r.table(), r.holistic(), List.copyOf(written));
		});
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

}
