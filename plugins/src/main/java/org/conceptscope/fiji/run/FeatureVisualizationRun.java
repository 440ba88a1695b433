package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;

import ij.CompositeImage;
import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Plot;
import ij.measure.Calibration;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.heads.HeadObjective;
import org.conceptscope.model.InputValueRange;
import org.conceptscope.heads.InterpretableHead;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;
import org.conceptscope.visualization.Maco;
import org.conceptscope.visualization.MacoReference;

/**
 * Feature Visualization, whichever way it is started: MACO optimises the Fourier phase of an image
 * under the mean magnitude spectrum of the user's images (current image/stack or a folder) to raise
 * one class's logit, by its reference recipe ({@link MacoReference}: the paper's and Xplique's;
 * default) or the first, simpler variant ({@link Maco}). Gives a new 32-bit image with the visualisation's channels (model input units)
 * and its transparency as the last channel; with a save folder {@code <model>-<class>-maco.tif},
 * {@code -scores.csv} (target logit per step) and {@code -scores.png}.
 */
public final class FeatureVisualizationRun {

	public record Result(Maco.Result maco, String className, ImagePlus image, ImagePlus plot, List<Path> written) {}

	private FeatureVisualizationRun() {}

	public static Result run(ImagePlus image, FeatureVisualizationSettings s, Progress progress) throws IOException {
		s.validate();
		ConceptDiscoveryRun.checkInputs(image, s.folder);
		try (Classifier model = s.head == null ? Models.open(s.model) : Models.openTensorFlow(s.model, "Feature visualization of a head");
			TensorFlowClassifier saved = s.head == null ? null : TensorFlowClassifier.load(headFolder(s.head))) {
			model.requireGradients("MACO feature visualization");
			if (model.signature().height() <= 0 || model.signature().width() <= 0) {
				// MACO optimises one image of the input's size
				throw new IllegalArgumentException("The visualization is one image of the model's input size, and " + model.name()
					+ " takes images of " + ModelSizeInputs.inputSize(model) + ": use a model with a fixed input size.");
			}
			// the model, the target (class, or head and unit) and the canvas are checked before any reference image is read
			Maco.Objective objective;
			String className;
			if (saved == null) {
				int target = TargetClass.parseClass(s.target, model.classNames(), "");
				objective = Maco.Objective.classLogit(model, target);
				className = model.classNames().get(target);
			} else {
				InterpretableHead head = HeadExplanationRun.load(s.head);
				TensorFlowClassifier backbone = (TensorFlowClassifier) model;
				HeadExplanationRun.check(head, backbone, s.head, s.model);
				int unit = unit(s.target, head);
				if (unit >= 0) {
					objective = HeadObjective.unit(backbone, saved, head, unit);
					className = head.kind() + " " + head.unitName() + " " + (unit + 1);
				} else {
					int target = TargetClass.parseClass(s.target, model.classNames(), head.unitName() + " k with k in 1.." + head.units());
					objective = HeadObjective.headClass(backbone, saved, head, target);
					className = head.kind() + " " + model.classNames().get(target);
				}
			}
			// "infodisent part 1" is a name in tables; files get "infodisent-part-1"
			String title = AttributionOutputs.fileName(s.model.getFileName() + "-" + (saved == null ? className : className.replace(' ', '-')))
				+ "-maco";
			// the files are named after the class or unit, known once the model (and head) is read: checked before any image is read
			SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, files(title));
			if (!SIMPLE.equals(s.recipe)) MacoReference.canvas(objective.inputShape(), s.canvas);
			InputValueRange asked = SIMPLE.equals(s.recipe) ? null : s.valuesRange();
			long[] shape = objective.inputShape();
			if (asked != null && asked.isPerChannel() && asked.channelLo().length != shape[shape.length - 1]) {
				// a range per channel (a values_range_used replayed): one pair per input channel, before any image is read
				throw new IllegalArgumentException(FeatureVisualizationSettings.VALUES_RANGE + " gives " + asked.channelLo().length + " ranges (lo,hi;lo,hi;...)"
					+ " but the model takes " + shape[shape.length - 1] + " input channel(s): give one lo,hi pair per channel, or one pair for"
					+ " all of them.");
			}
			ImageSet given = ConceptDiscoveryRun.inputs(image, s.folder, progress);
			ImageSet refs = ModelSizeInputs.samples(given, model, CommandSpecs.FEATURE_VISUALIZATION);
			FloatTensor batch = Models.input(refs, model);
			double[][] magnitude = SIMPLE.equals(s.recipe) ? Maco.magnitude(batch, progress) : null;
			// the reference recipe's value range: values_range, else the model's declared input range in its network's units,
			// else the images' 0.1st to 99.9th percentile (the model is asked only without values_range)
			InputValueRange range = SIMPLE.equals(s.recipe) ? null : MacoReference.canvasRange(asked, model, batch);
			String rangeSource = range == null ? null : range.source();
			Maco.Result r = SIMPLE.equals(s.recipe)
				? new Maco(s.steps, s.learningRate, s.crop, s.seed).visualize(objective, magnitude, progress)
				: reference(objective, batch, s.steps, REFERENCE_LEARNING_RATE, s.crops, s.noise, s.canvas, range, s.seed, progress);
			ImagePlus out = image(r, title);
			Calibration pixel = pixelSize(given.images());
			if (pixel != null) out.setCalibration(pixel);
			out.setProperty("Info", "ConceptScope feature visualization (MACO)\nmodel=" + s.model + (s.head == null ? "" : "\nhead=" + s.head)
				+ "\ntarget=" + className + "\nrecipe=" + s.recipe
				+ (range == null ? "" : "\n" + VALUES_RANGE_USED + "=" + rangeText(range, ",", ";", org.conceptscope.fiji.param.OptionText::number) + " (" + rangeSource + ")")
				+ "\nstart_score=" + Numbers.property(r.startScore()) + "\nfinal_score=" + Numbers.property(r.finalScore())
				+ "\nchannels 1-" + (int) r.image().dim(3) + "=visualization (model input units, after normalization)\nchannel "
				+ ((int) r.image().dim(3) + 1) + "=transparency\npixel_size=" + (pixel == null ? "none (the images' calibrations differ or are"
				+ " not set)" : "the images' (" + pixel.pixelWidth + " x " + pixel.pixelHeight + " " + pixel.getUnit() + ")") + "\noptions=" + s.toMacroOptions() + "\n");
			ImagePlus plot = plot(r.scores(), className, scoreLabel(SIMPLE.equals(s.recipe), s.head != null));
			Result result = new Result(r, className, out, plot, List.of());
			// the Log (stdout headless), from the plugin and the SciJava command alike
			// the Log's range to 6 digits; the Info's values_range_used above keeps every digit (it replays as values_range)
			IJ.log("ConceptScope " + summary(result) + (range == null ? "" : " Canvas values in [" + rangeText(range, ", ", "], [", Numbers::brief) + "]"
				+ (range.isPerChannel() ? " per channel" : "") + " (" + rangeSource + ")."));
			return s.saveDir == null ? result : save(result, title, s.saveDir);
		}
	}

	/**
	 * The pixel size (width, height, unit) the images share, or null when their calibrations differ or none is set. The
	 * visualisation has their pixels: the reference recipe resizes their spectrum in frequency so textures keep their
	 * cycles per pixel, and the simple one keeps it at the model input's size, so a texture's period in the
	 * visualisation measures as in the images. Only the pixel size is kept: the values are the model's input units, not
	 * the images' value calibration.
	 */
	static Calibration pixelSize(List<ImagePlus> images) {
		if (images.isEmpty()) return null;
		Calibration first = images.get(0).getCalibration();
		for (ImagePlus imp : images) {
			Calibration c = imp.getCalibration();
			if (c.pixelWidth != first.pixelWidth || c.pixelHeight != first.pixelHeight || !c.getUnit().equals(first.getUnit())) return null;
		}
		if (!first.scaled()) return null;
		Calibration out = new Calibration();
		out.pixelWidth = first.pixelWidth;
		out.pixelHeight = first.pixelHeight;
		out.setUnit(first.getUnit());
		return out;
	}

	/**
	 * The Info key of the value range the reference recipe put its canvas into, with its source in brackets: distinct from
	 * the setting {@link FeatureVisualizationSettings#VALUES_RANGE}, which the Info's options echo as the user gave it.
	 */
	static final String VALUES_RANGE_USED = "values_range_used";
	/** "lo,hi", or per channel "lo0,hi0;lo1,hi1;..." ({@code separator} within a range, {@code between} the channels'), each number by {@code digits}. */
	private static String rangeText(InputValueRange range, String separator, String between,
		java.util.function.DoubleFunction<String> digits) {
		if (!range.isPerChannel()) return digits.apply(range.lo()) + separator + digits.apply(range.hi());
		List<String> each = new java.util.ArrayList<>();
		for (int c = 0; c < range.channelLo().length; c++) each.add(digits.apply(range.lo(c)) + separator + digits.apply(range.hi(c)));
		return String.join(between, each);
	}

	/** The recipes: MACO as its paper and Xplique run it (default), or the project's lighter first version. */
	static final String REFERENCE = "reference", SIMPLE = "simple";
	static final List<String> RECIPES = List.of(REFERENCE, SIMPLE);
	/** Xplique's Nadam learning rate, the reference recipe's. */
	static final double REFERENCE_LEARNING_RATE = MacoReference.LEARNING_RATE;

	/**
	 * The reference recipe ({@link MacoReference}): a canvas of {@code canvas} pixels a side (0: the
	 * input side times 512/224, Xplique's canvas for 224-pixel models) under the mean magnitude
	 * spectrum of the images, {@code crops} crops per step with falling box sizes, {@code noise}, Nadam;
	 * values in {@code valuesRange} ({@link MacoReference#canvasRange}: values_range, the model's declared range, one or
	 * one per channel, or the images' robust range).
	 * As a {@link Maco.Result}: the canvas, its transparency, the mean crop score per step, and as start
	 * and final score the first and last step's mean crop score.
	 */
	static Maco.Result reference(Maco.Objective objective, FloatTensor images, int steps, double learningRate, int crops, double noise,
		int canvas, InputValueRange valuesRange, long seed, Progress progress) {
		int[] side = MacoReference.canvas(objective.inputShape(), canvas);
		MacoReference.Reference ref = MacoReference.reference(images, side[0], side[1], valuesRange, progress);
		MacoReference.Result r = new MacoReference(steps, learningRate, crops, noise, seed).visualize(objective, ref, progress);
		double[] scores = r.scores();
		return new Maco.Result(r.image(), r.transparency(), scores, scores[0], scores[scores.length - 1]);
	}

	/** "part k" / "concept k" (the head's unit name, any case) as a 0-based unit; -1 for anything else (a class). */
	static int unit(String target, InterpretableHead head) {
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*(part|concept)\\s+(\\d+)\\s*").matcher(target);
		if (!m.matches()) return -1;
		if (!m.group(1).equalsIgnoreCase(head.unitName())) {
			throw new IllegalArgumentException("This " + head.kind() + " head has " + head.unitName() + "s, not " + m.group(1).toLowerCase()
				+ "s: set " + FeatureVisualizationSettings.TARGET + "=[" + head.unitName() + " k] with k in 1.." + head.units() + ".");
		}
		long k;
		try {
			k = Long.parseLong(m.group(2));
		} catch (NumberFormatException e) {
			k = Long.MAX_VALUE; // more digits than any head has units: refused below
		}
		if (k < 1 || k > head.units()) {
			throw new IllegalArgumentException("This " + head.kind() + " head has " + head.units() + " " + head.unitName() + "s: set "
				+ FeatureVisualizationSettings.TARGET + "=[" + head.unitName() + " k] with k in 1.." + head.units() + ", not " + m.group(2) + ".");
		}
		return (int) k - 1;
	}

	private static Path headFolder(Path dir) {
		return Files.isRegularFile(dir.resolve("saved_model.pb")) ? dir : dir.resolve(HeadTrainingRun.HEAD_DIR);
	}

	/** One line for the status bar and the log. */
	public static String summary(Result r) {
		return "MACO " + r.className() + ": target score " + Numbers.property(r.maco().startScore()) + " at the start, "
			+ Numbers.property(r.maco().finalScore()) + " after " + r.maco().scores().length + " steps.";
	}

	/**
	 * Channels of the visualisation then the transparency, one 32-bit plane each; R, G, B LUTs for three channels, all
	 * visualisation channels shown with one range (the 1st to the 99th percentile of their values together), the
	 * transparency from 0 to its 80th percentile.
	 */
	static ImagePlus image(Maco.Result r, String title) {
		int h = (int) r.image().dim(1), w = (int) r.image().dim(2), c = (int) r.image().dim(3);
		ImageStack stack = new ImageStack(w, h);
		float[] x = r.image().data();
		for (int ch = 0; ch < c; ch++) {
			float[] plane = new float[h * w];
			for (int p = 0; p < h * w; p++) plane[p] = x[p * c + ch];
			stack.addSlice("visualization channel " + (ch + 1), new FloatProcessor(w, h, plane));
		}
		stack.addSlice("transparency", new FloatProcessor(w, h, r.transparency().data().clone()));
		ImagePlus imp = new ImagePlus(title, stack);
		imp.setDimensions(c + 1, 1, 1);
		imp.setOpenAsHyperStack(true);
		CompositeImage ci = new CompositeImage(imp, IJ.COMPOSITE);
		Color[] rgb = { Color.RED, Color.GREEN, Color.BLUE };
		double[] range = displayRange(x);
		for (int ch = 0; ch < c; ch++) {
			LUT lut = c == 3 ? LUT.createLutFromColor(rgb[ch]) : LUT.createLutFromColor(Color.WHITE);
			ci.setChannelLut(HeatmapWriter.withRange(lut, range[0], range[1]), ch + 1);
		}
		// shown as Xplique's plot_maco shows its alpha: clipped at the 80th percentile (the values are not clipped)
		double top = percentile(r.transparency().data(), TRANSPARENCY_PERCENTILE);
		ci.setChannelLut(HeatmapWriter.withRange(LUT.createLutFromColor(Color.WHITE), 0, top > 0 ? top : 1), c + 1);
		return ci;
	}

	/**
	 * The visualisation channels' display range is from this percentile of all their values together to 100 minus it:
	 * Xplique's plot_maco percentile_image.
	 */
	static final double IMAGE_PERCENTILE = 1;

	/**
	 * One display range {low, high} for every visualisation channel, as Xplique's plot_maco shows the image: clipped at the
	 * 1st and 99th percentiles of all channels' values together, then scaled as a whole. One range keeps the channels'
	 * relative brightness, so an RGB visualisation keeps its colours (a range per channel stretched each channel on its
	 * own and changed the hues); a constant image gets {v, v + 1}.
	 */
	static double[] displayRange(float[] values) {
		double lo = percentile(values, IMAGE_PERCENTILE), hi = percentile(values, 100 - IMAGE_PERCENTILE);
		return new double[] { lo, hi > lo ? hi : lo + 1 };
	}

	/** The transparency channel's display range is 0 to this percentile of its values: Xplique's plot_maco percentile_alpha. */
	static final double TRANSPARENCY_PERCENTILE = 80;

	/** Percentile q (0-100) of the values, linear between the two nearest ranks (numpy's default). */
	static double percentile(float[] values, double q) {
		float[] sorted = values.clone();
		java.util.Arrays.sort(sorted);
		return MacoReference.percentile(sorted, q);
	}

	/**
	 * The scores plot's y axis: what each step's score is. The reference recipe scores the mean over the step's crops,
	 * the simple one one random crop; with a head the target is a part's evidence, a concept's activation or the head's
	 * class logit, so "target score".
	 */
	static String scoreLabel(boolean simple, boolean head) {
		return (head ? "target score" : "target logit") + (simple ? " (one random crop)" : " (mean over the step's crops)");
	}

	static ImagePlus plot(double[] scores, String className, String yLabel) {
		double[] x = new double[scores.length];
		for (int t = 0; t < x.length; t++) x[t] = t + 1;
		Plot plot = new Plot("MACO " + className, "step", yLabel);
		plot.setColor(Color.BLUE);
		plot.add("line", x, scores);
		return plot.getImagePlus();
	}

	/** What {@link #save} writes in save_dir for a visualisation of this title: the image, the scores' table and plot. */
	static List<String> files(String title) {
		return List.of(title + ".tif", title + "-scores.csv", title + "-scores.png");
	}

	static Result save(Result r, String title, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(title);
			Path tiff = dir.resolve(files.get(0)), csv = dir.resolve(files.get(1)), png = dir.resolve(files.get(2));
			ConceptDiscoveryRun.saveTiff(r.image(), tiff);
			List<List<String>> rows = new ArrayList<>();
			double[] scores = r.maco().scores();
			for (int t = 0; t < scores.length; t++) rows.add(List.of(Integer.toString(t + 1), Numbers.number(scores[t])));
			ResultsCsvWriter.write(List.of("step", "score"), rows, csv);
			ConceptDiscoveryRun.savePng(r.plot(), png);
			return new Result(r.maco(), r.className(), r.image(), r.plot(), List.of(tiff, csv, png));
		});
	}
}
