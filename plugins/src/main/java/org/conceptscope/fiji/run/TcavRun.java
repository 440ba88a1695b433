package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Plot;
import ij.gui.Roi;
import ij.measure.ResultsTable;
import ij.plugin.frame.RoiManager;
import ij.process.ImageProcessor;

import java.awt.Color;
import java.awt.GraphicsEnvironment;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.model.Classifier;
import org.conceptscope.tcav.CavBank;
import org.conceptscope.tcav.Tcav;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * TCAV, whichever way it is started: concepts given as folders of example images (one subfolder
 * per concept) or as named ROIs on the current image, tested against random counterexamples from a
 * folder on images of a class ({@link Tcav}); or, with a saved CAV bank, the bank scored on new
 * images. A table (one row per concept and layer), a plot of the scores, and with a save folder
 * {@code tcav.csv}, {@code tcav.png} and {@code cavs.json} (scoring a bank: {@code tcav-scores.csv}
 * and {@code tcav-scores.png}). The images are only read.
 */
public final class TcavRun {

	public static final String CSV = "tcav.csv", PLOT = "tcav.png", BANK = "cavs.json", SCORES_CSV = "tcav-scores.csv",
		SCORES_PLOT = "tcav-scores.png";

	public static final List<String> HEADER = List.of("concept", "layer", "class", "tcav_score", "score_std", "random_score", "random_std",
		"magnitude", "cav_accuracy", "p_value", "significant", "runs", "examples", "random_set", "near_chance");
	public static final List<String> SCORES_HEADER = List.of("concept", "layer", "class", "tcav_score", "magnitude", "images");

	/** What the command gives back: the test (null when a bank was scored) or the scores, the table, the plot, the files written. */
	public record Result(Tcav.Result test, List<Tcav.Scores> scores, List<String> header, List<List<String>> rows, ImagePlus plot,
		List<Path> written) {

		public ResultsTable table() {
			return ResultsTables.of(header, rows);
		}

		public String summary() {
			if (test == null) return scores.size() + " CAV(s) scored on " + (scores.isEmpty() ? 0 : scores.get(0).sensitivities().length) + " image(s)";
			long significant = test.rows().stream().filter(Tcav.Row::significant).count();
			return test.rows().size() + " concept-layer pair(s) tested for " + test.targetName() + ", " + significant + " significant";
		}
	}

	private TcavRun() {}

	/**
	 * @param image the current image: the class images when no folder is set, and the ROIs when no concept folder is set
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, TcavSettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, the command needs " + TcavSettings.SAVE_DIR + "=[folder] for its table and plot: nothing could be shown.");
		}
		CavBank bank = s.cavs == null ? null : CavBank.load(s.cavs);
		// the image and the ROIs that name concepts before the model loads
		ConceptDiscoveryRun.checkInputs(image, s.folder);
		if (bank == null && s.concepts == null) conceptRois(image);
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, bank == null ? List.of(CSV, PLOT, BANK) : List.of(SCORES_CSV, SCORES_PLOT));
		try (Classifier classifier = Models.open(s.model)) {
			// the class, the layers or the saved CAVs are checked before any folder is read
			TargetClass.parse(s.target, classifier.classNames());
			// saved CAVs bring their own layers (a token or vector layer too); only new CAVs need layers, by default the last spatial one
			List<String> layers = bank != null ? List.of() : s.layers.isBlank() ? List.of(org.conceptscope.attribution.GradCam.lastSpatialLayer(classifier))
				: Stream.of(s.layers.split(",")).map(String::trim).filter(l -> !l.isEmpty()).toList();
			if (bank != null) {
				Tcav.checkVectors(classifier, bank.vectors());
				if (!classifier.name().equals(bank.model())) {
					ij.IJ.log("ConceptScope warning: the CAVs in " + s.cavs.getFileName() + " were made with the model '" + bank.model() + "' and are scored"
						+ " with '" + classifier.name() + "': their scores mean something only on the model they were made with.");
				}
			} else {
				Tcav.checkLayers(classifier, layers);
			}
			ImageSet given = ConceptDiscoveryRun.inputs(image, s.folder, progress);
			FloatTensor batch = Models.input(samples(given, classifier), classifier);
			int target = ConceptDiscoveryRun.majorityTarget(s.target, classifier, batch);
			String className = classifier.classNames().get(target);
			Result r;
			if (bank != null) {
				List<Tcav.Scores> scores = Tcav.score(classifier, bank.vectors(), batch, target, progress);
				List<List<String>> rows = new ArrayList<>();
				for (Tcav.Scores sc : scores) {
					rows.add(List.of(sc.cav().concept(), sc.cav().layer(), className, Numbers.number(sc.score()), Numbers.number(sc.magnitude()),
						Integer.toString(sc.sensitivities().length)));
				}
				ImagePlus plot = plot("TCAV scores " + className, scores.stream().map(sc -> sc.cav().concept() + " @ " + sc.cav().layer()).toList(),
					scores.stream().mapToDouble(Tcav.Scores::score).toArray(), null, null, null);
				r = new Result(null, scores, SCORES_HEADER, rows, plot, List.of());
			} else {
				List<Tcav.Concept> concepts = s.concepts != null ? folderConcepts(s.concepts, classifier, progress) : roiConcepts(image, classifier, (int) batch.dim(2), (int) batch.dim(1));
				FloatTensor random = Models.input(samples(ImageSet.ofFolder(s.random, progress), classifier), classifier);
				Tcav.Result test = new Tcav(s.runs, s.alpha, s.seed).test(classifier, layers, concepts, random, batch, target, progress);
				Map<String, Integer> examples = new LinkedHashMap<>();
				for (Tcav.Concept c : concepts) examples.put(c.name(), (int) c.examples().dim(0));
				List<List<String>> rows = rows(test, className, examples);
				nearChanceNotes(test, examples).forEach(ij.IJ::log);
				List<String> labels = test.rows().stream().map(row -> row.concept() + " @ " + row.layer() + (row.significant() ? " *" : "")).toList();
				ImagePlus plot = plot("TCAV " + className, labels, test.rows().stream().mapToDouble(Tcav.Row::meanScore).toArray(),
					test.rows().stream().mapToDouble(Tcav.Row::stdScore).toArray(), test.rows().stream().mapToDouble(Tcav.Row::meanNull).toArray(),
					test.rows().stream().mapToDouble(Tcav.Row::stdNull).toArray());
				r = new Result(test, null, HEADER, rows, plot, List.of());
			}
			r.plot().setProperty("Info", "options=" + s.toMacroOptions() + "\n");
			ij.IJ.log("ConceptScope TCAV: " + r.summary() + ".");
			return s.saveDir == null ? r : save(r, s, classifier.name());
		}
	}

	/** The table's rows ({@link #HEADER}) of a test, one per concept and layer. */
	static List<List<String>> rows(Tcav.Result test, String className, Map<String, Integer> examples) {
		List<List<String>> rows = new ArrayList<>();
		for (Tcav.Row row : test.rows()) {
			rows.add(List.of(row.concept(), row.layer(), className, Numbers.number(row.meanScore()), Numbers.number(row.stdScore()),
				Numbers.number(row.meanNull()), Numbers.number(row.stdNull()), Numbers.number(row.meanMagnitude()), Numbers.number(row.meanAccuracy()),
				Numbers.number(row.pValue()), Boolean.toString(row.significant()), Integer.toString(test.runs()),
				Integer.toString(examples.get(row.concept())), Integer.toString(row.randomSetSize()), Boolean.toString(row.nearChance())));
		}
		return rows;
	}

	/** One Log line per significant row whose CAVs are near chance ({@link Tcav.Row#nearChance}). */
	static List<String> nearChanceNotes(Tcav.Result test, Map<String, Integer> examples) {
		List<String> notes = new ArrayList<>();
		for (Tcav.Row row : test.rows()) {
			if (!row.nearChance()) continue;
			double chance = Tcav.chanceAccuracy(examples.get(row.concept()), row.randomSetSize());
			notes.add(String.format(java.util.Locale.ROOT, "ConceptScope TCAV note: '%s' at %s is significant, but its CAVs' held-out accuracy"
				+ " is %.2f, near chance (%.2f; below %.2f)", row.concept(), row.layer(), row.meanAccuracy(), chance, chance + Tcav.ABOVE_CHANCE)
				+ ": the layer hardly tells it from random images, so the significance is likely the t-test's optimism; test it with"
				+ " another seed and other examples (docs/commands/tcav.md).");
		}
		return notes;
	}

	/**
	 * One concept per subfolder of images (name order), named after the subfolder; other files and hidden
	 * subfolders (".ipynb_checkpoints", as class subfolders skip them) are skipped.
	 */
	static List<Tcav.Concept> folderConcepts(Path folder, Classifier classifier, Progress progress) throws IOException {
		List<Path> subfolders;
		try (Stream<Path> l = Files.list(folder)) {
			subfolders = l.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
		}
		if (subfolders.isEmpty()) {
			throw new IllegalArgumentException("The concept folder " + folder + " has no subfolders: put each concept's example images in a"
				+ " subfolder named after the concept.");
		}
		List<Tcav.Concept> out = new ArrayList<>();
		for (Path sub : subfolders) {
			out.add(new Tcav.Concept(sub.getFileName().toString(), Models.input(samples(ImageSet.ofFolder(sub, progress), classifier), classifier)));
		}
		return out;
	}

	/** Images as TCAV's examples of the model's input size: a larger image gives its tiles ({@link ModelSizeInputs#samples}). */
	private static ImageSet samples(ImageSet images, Classifier classifier) {
		return ModelSizeInputs.samples(images, classifier, CommandSpecs.TCAV);
	}

	/**
	 * One concept per ROI name, from the current image's overlay (or, without one, the ROI Manager):
	 * each ROI's bounding box on its slice, resized (bilinear) to the class inputs' size, is one example.
	 *
	 * @param width the class inputs' width: the model's, or for a model whose size is not fixed their tiles'
	 * @param height their height
	 */
	static List<Tcav.Concept> roiConcepts(ImagePlus image, Classifier classifier, int width, int height) {
		List<Roi> rois = conceptRois(image);
		int w = width, h = height; // the class inputs' size: one layer shape for the concept's activations and theirs
		Map<String, List<ImagePlus>> crops = new LinkedHashMap<>();
		for (Roi roi : rois) crops.computeIfAbsent(roi.getName().trim(), k -> new ArrayList<>()).add(crop(image, roi, w, h));
		Models.warnDomain(Models.paletteAsRgb(image, classifier), classifier); // the image once, not each concept's crops of it
		List<Tcav.Concept> out = new ArrayList<>();
		for (Map.Entry<String, List<ImagePlus>> e : crops.entrySet()) {
			if (e.getValue().size() < 2) {
				throw new IllegalArgumentException("The concept '" + e.getKey() + "' has " + e.getValue().size() + " ROI; draw at least 2 ROIs per concept.");
			}
			out.add(new Tcav.Concept(e.getKey(), Models.input(new ImageSet(e.getValue()), classifier, null)));
		}
		return out;
	}

	/**
	 * The current image's ROIs that name concepts, checked (an image, at least one ROI, each on the
	 * image's planes and named) before any folder is read.
	 */
	static List<Roi> conceptRois(ImagePlus image) {
		AttributionRun.checkImage(image);
		List<Roi> rois = new ArrayList<>();
		Overlay overlay = image.getOverlay();
		if (overlay != null) for (Roi r : overlay.toArray()) rois.add(r);
		if (rois.isEmpty()) {
			// headless, getInstance would make a batch-mode ROI Manager, a window
			RoiManager manager = GraphicsEnvironment.isHeadless() ? RoiManager.getRawInstance() : RoiManager.getInstance();
			// ConceptScope's own outlines in the manager (earlier results) are no concept examples
			if (manager != null && manager.getCount() > 0) rois.addAll(org.conceptscope.fiji.image.OwnRois.usersOf(manager.getRoisAsArray(), "TCAV's concept ROIs",
				"draw the concept ROIs on the image's overlay (Image > Overlay > Add Selection)"));
		}
		if (rois.isEmpty()) {
			throw new IllegalArgumentException("No concepts: set " + TcavSettings.CONCEPTS + "=[folder with one subfolder of example images"
				+ " per concept], or draw ROIs on '" + image.getTitle() + "' (overlay or ROI Manager), each named after its concept.");
		}
		// ROIs of another stack (beyond this image's planes) would be cut from the shown plane
		RegionTargets.checkPlanes(rois, "the ROIs", "'" + image.getTitle() + "'", image.getNSlices(), image.getNFrames(), image.getStackSize());
		for (int i = 0; i < rois.size(); i++) {
			String name = rois.get(i).getName();
			if (name == null || name.isBlank()) {
				throw new IllegalArgumentException("ROI " + (i + 1) + " on '" + image.getTitle() + "' has no name: name each ROI after its concept"
					+ " (ROIs with the same name are examples of one concept).");
			}
		}
		return rois;
	}

	/** The ROI's bounding box on its slice (all channels), resized to w x h. */
	static ImagePlus crop(ImagePlus image, Roi roi, int w, int h) {
		Rectangle b = roi.getBounds().intersection(new Rectangle(0, 0, image.getWidth(), image.getHeight()));
		if (b.isEmpty()) throw new IllegalArgumentException("The ROI '" + roi.getName() + "' lies outside '" + image.getTitle() + "'.");
		int c = image.getNChannels();
		// the ROI's own slice and frame: its (c, z, t) position, or its stack index (ROI Manager ROIs of a composite); else the current ones
		int z = image.getZ(), t = image.getT();
		if (roi.hasHyperStackPosition()) {
			if (roi.getZPosition() > 0) z = roi.getZPosition();
			if (roi.getTPosition() > 0) t = roi.getTPosition();
		} else if (roi.getPosition() > 0 && roi.getPosition() <= image.getStackSize()) {
			int[] czt = image.convertIndexToPosition(roi.getPosition());
			z = czt[1];
			t = czt[2];
		}
		ImageStack stack = new ImageStack(w, h);
		for (int ch = 1; ch <= c; ch++) {
			ImageProcessor ip = image.getStack().getProcessor(image.getStackIndex(ch, Math.min(z, image.getNSlices()), Math.min(t, image.getNFrames())));
			ip = ip.duplicate();
			ip.setRoi(b);
			ImageProcessor cut = ip.crop();
			cut.setInterpolationMethod(ImageProcessor.BILINEAR);
			stack.addSlice(cut.resize(w, h, true));
		}
		ImagePlus out = new ImagePlus(image.getTitle() + " " + roi.getName(), stack);
		if (c > 1) out.setDimensions(c, 1, 1);
		out.setCalibration(image.getCalibration());
		return out;
	}

	/** Bars of the scores (0..1), one per row, with the random CAVs' scores beside them when tested. */
	static ImagePlus plot(String title, List<String> labels, double[] scores, double[] scoreStd, double[] random, double[] randomStd) {
		int n = scores.length;
		double[] x = new double[n];
		for (int i = 0; i < n; i++) x[i] = i;
		Plot plot = new Plot(title, "{" + String.join(",", labels.stream().map(l -> l.replace(",", ";")).toList()) + "}", "TCAV score");
		plot.setColor(Color.BLUE, new Color(120, 150, 255));
		plot.add("bar", x, scores);
		if (scoreStd != null) plot.addErrorBars(scoreStd);
		if (random != null) {
			plot.setColor(Color.RED);
			plot.addPoints(x, random, randomStd, Plot.CIRCLE);
			plot.setLegend("concept\trandom", Plot.AUTO_POSITION);
		}
		plot.setLimits(-0.5, n - 0.5, 0, 1.05);
		return plot.getImagePlus();
	}

	static Result save(Result r, TcavSettings s, String modelName) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(s.saveDir);
			List<Path> written = new ArrayList<>();
			boolean test = r.test() != null;
			Path csv = s.saveDir.resolve(test ? CSV : SCORES_CSV), png = s.saveDir.resolve(test ? PLOT : SCORES_PLOT);
			ResultsCsvWriter.write(r.header(), r.rows(), csv);
			ConceptDiscoveryRun.savePng(r.plot(), png);
			written.add(csv);
			written.add(png);
			if (test) {
				Path bank = s.saveDir.resolve(BANK);
				r.test().bank(modelName).save(bank);
				written.add(bank);
			}
			return new Result(r.test(), r.scores(), r.header(), r.rows(), r.plot(), written);
		});
	}
}
